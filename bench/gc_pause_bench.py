"""Garbage-collector pauses during document searches, with and without the server's ``gc.freeze()``.

    .venv/bin/python bench/gc_pause_bench.py --data /tmp/real --queries 1500

Why: a collection holds the GIL, so while it runs every search in flight waits; at 20 concurrent
clients one long full pass lands on the tail of twenty requests at once. The server freezes what
its start-up loaded (``api/app.py``); this bench runs the same distinct queries (clauses of the
corpus texts, as ``concurrency_bench.py`` sends) through two fresh processes, one frozen after
warm-up and one not, and prints each generation's collections, total and longest pause (thread
CPU time, so a busy machine inflates it less than wall time) and the objects the collector tracks.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from concurrency_bench import distinct_queries
from load_bench import ROOT


def measure(data: Path, corpus: Path, queries: int, freeze: bool) -> dict[str, object]:
    """One process's pauses over ``queries`` document searches (runs in the child)."""
    from api.service import Service
    from common.settings import Settings

    service = Service(Settings(data=data), read_only=True)
    service.warm()
    gc.collect()
    if freeze:
        gc.freeze()
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started = [0.0]

    def timer(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.thread_time()
        else:
            pauses[info["generation"]].append(time.thread_time() - started[0])

    gc.callbacks.append(timer)
    for query in distinct_queries(corpus, queries):
        [hit.to_dict() for hit in service.search_documents(query, k=10)]
    gc.callbacks.remove(timer)
    return {"tracked": len(gc.get_objects()), "frozen": gc.get_freeze_count(),
            "generations": {g: [len(p), 1000 * sum(p), 1000 * max(p, default=0.0)] for g, p in pauses.items()}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="a ready data dir (ingested; it is only read)")
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "realcorpus",
                    help="texts the queries are cut from (default ../shared/realcorpus)")
    ap.add_argument("--queries", type=int, default=1500, help="document searches a process (default 1500)")
    ap.add_argument("--child", choices=("frozen", "plain"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.data, args.corpus, args.queries, args.child == "frozen")))
        return 0
    if not args.data.is_dir():
        ap.error(f"--data {args.data} is not a folder; give a data dir the corpus was ingested into")
    print(f"{args.queries} document searches a process on {args.data}; pauses in thread CPU ms")
    for mode in ("plain", "frozen"):
        out = subprocess.run([sys.executable, __file__, "--data", str(args.data), "--corpus", str(args.corpus),
                              "--queries", str(args.queries), "--child", mode],
                             capture_output=True, text=True, check=False, cwd=ROOT)
        if out.returncode:
            raise SystemExit(f"the {mode} run failed:\n{out.stderr.strip().splitlines()[-1]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        gens = "  ".join(f"gen{g}: {n} runs, total {total:.0f}, longest {longest:.1f}"
                         for g, (n, total, longest) in result["generations"].items())
        print(f"{mode:>6}: tracked after {result['tracked']}, frozen {result['frozen']}  |  {gens}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
