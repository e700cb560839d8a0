"""Run every benchmark in ``bench/`` one after the other, each in its own process, and say which failed.

    python bench/run_all.py              # each bench's full run
    python bench/run_all.py --quick      # each bench's --quick run (mojibake has one size only)
    python bench/run_all.py --only search,graph

A bench prints its own figures and baselines; this script adds the wall time of each and exits
non-zero when any bench did. Benches that need a service (Virtuoso for ``remote``, a built data
directory for ``load``) set it up themselves, as their docstrings say.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = {  # name -> (script, takes --quick)
    "mojibake": ("mojibake_accuracy.py", False),
    "graph": ("graph_bench.py", True),
    "search": ("search_bench.py", True),
    "remote": ("remote_bench.py", True),
    "load": ("load_bench.py", True),
    "scale": ("scale_bench.py", True),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="pass --quick to every bench that has it")
    ap.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(BENCHES)}")
    args = ap.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHES)
    unknown = sorted(set(names) - set(BENCHES))
    if unknown:
        ap.error(f"unknown bench {', '.join(unknown)}; known: {', '.join(BENCHES)}")
    results: list[tuple[str, int, float]] = []
    for name in names:
        script, has_quick = BENCHES[name]
        cmd = [sys.executable, str(HERE / script), *(["--quick"] if args.quick and has_quick else [])]
        print(f"\n=== {name}: {' '.join(cmd[1:])}", flush=True)
        start = time.monotonic()
        code = subprocess.run(cmd, check=False).returncode
        results.append((name, code, time.monotonic() - start))
    print("\n=== summary")
    for name, code, seconds in results:
        print(f"{name:<10}{'ok' if code == 0 else f'FAILED (exit {code})':<18}{seconds:8.1f} s")
    return 1 if any(code for _, code, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
