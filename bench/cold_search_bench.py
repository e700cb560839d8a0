"""A cold ``policykg search`` (a new process: imports, model, index, one query), this checkout
against another, in turns, in one run: wall and CPU seconds and their ratios pair by pair.

    .venv/bin/python bench/cold_search_bench.py --before /tmp/main-snapshot --data /tmp/real --data /tmp/bundled

Each round runs *before* and *after* once on every data directory (after first on odd rounds,
so drift on a shared machine falls on both). The median of the per-pair ratios is the figure to
quote; absolute seconds depend on the machine and its load, printed with the load average. The
data directories are only read. A first unmeasured round fills the OS file cache and lets each
checkout write its derived start-up tables (dictionary and tokenizer tables, unit record index).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERY = "山东省智能制造实施方案"


def cold_search(checkout: Path, data: Path, query: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one ``policykg search`` run from ``checkout``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "api.cli", "search", "--data", str(data), query],
                          cwd=checkout, capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"search failed from {checkout}: {done.stderr.strip()}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", type=Path, required=True, help="checkout of the code to compare with")
    ap.add_argument("--data", type=Path, action="append", required=True, help="an ingested data directory")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--query", default=QUERY)
    args = ap.parse_args(argv)
    runs = {"after": ROOT, "before": args.before.resolve()}
    times: dict[tuple[str, Path], list[tuple[float, float]]] = {}
    for data in args.data:  # warm-up, not counted
        for checkout in runs.values():
            cold_search(checkout, data, args.query)
    for r in range(args.rounds):
        order = list(runs.items()) if r % 2 else list(runs.items())[::-1]
        for data in args.data:
            for name, checkout in order:
                times.setdefault((name, data), []).append(cold_search(checkout, data, args.query))
    print(f"cold search {args.query!r}, {args.rounds} rounds, load average {os.getloadavg()[0]:.1f} at the end")
    print(f"{'data':<28} {'before wall':>11} {'after wall':>10} {'after/before wall':>17} {'after/before cpu':>16}")
    for data in args.data:
        b, a = times[("before", data)], times[("after", data)]
        wall = statistics.median(x[0] / y[0] for x, y in zip(a, b, strict=True))
        cpu = statistics.median(x[1] / y[1] for x, y in zip(a, b, strict=True))
        print(f"{data!s:<28} {statistics.median(x[0] for x in b):>10.2f}s {statistics.median(x[0] for x in a):>9.2f}s "
              f"{wall:>16.2f}x {cpu:>15.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
