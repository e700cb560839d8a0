"""``/search`` under concurrent clients, before and after a change, in one run: p50/p99 at 1, 5, 20.

    .venv/bin/python bench/concurrency_bench.py --data /tmp/pk --before /tmp/main-snapshot
    .venv/bin/python bench/concurrency_bench.py --data /tmp/pk --before /tmp/main-snapshot --requests 20

Two uvicorn servers (one worker each, loopback) on copies of the same data directory: *after* runs
this checkout, *before* runs ``--before`` (a checkout of the code to compare with, e.g.
``git archive main | tar -x -C DIR``); the environment is the same for both (``POLICYKG_RUNTIME``
and friends apply to the one that knows them). For each concurrency level the two servers take
turns on the same requests, so both see the same machine load. Every request is a distinct query
(clauses of the corpus texts, 6-30 characters, seeded shuffle; no query is sent twice to a
server), so a query cache cannot make a server look faster than its model. Errors are statuses
>= 400 and transport errors; the load average is printed, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_bench import ROOT, Bench, Result, load_avg, prepare_data, summarize, wait_ready


def distinct_queries(corpus: Path, n: int) -> list[str]:
    """``n`` distinct clauses of the corpus texts, shuffled with a fixed seed."""
    clauses: dict[str, None] = {}
    for path in sorted(corpus.rglob("*.txt")):
        for clause in re.split(r"[，。；：、！？\n（）()《》“”]", path.read_text(encoding="utf-8", errors="ignore")):
            clause = clause.strip()
            if 6 <= len(clause) <= 30:
                clauses[clause] = None
    pool = list(clauses)
    random.Random(7).shuffle(pool)
    if len(pool) < n:
        raise SystemExit(f"only {len(pool)} distinct clauses in {corpus}; ask for fewer requests")
    return pool[:n]


async def load(base: str, queries: list[str], clients: int) -> tuple[list[float], int, float]:
    """``clients`` concurrent connections; client ``c`` sends ``queries[c::clients]`` one after another."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60,
                                 headers={"Accept": "application/json"}) as client:
        async def worker(c: int) -> None:
            nonlocal errors
            for q in queries[c::clients]:
                t0 = time.perf_counter()
                try:
                    r = await client.get("/search?" + urlencode({"q": q}, quote_via=quote))
                    ok = r.status_code < 400 and isinstance(r.json(), list)
                except (httpx.HTTPError, ValueError):
                    ok = False
                latencies.append(time.perf_counter() - t0)
                errors += not ok

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in range(clients)))
        return latencies, errors, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path("/tmp/pk"), help="a ready data dir to copy (default /tmp/pk)")
    ap.add_argument("--before", type=Path, required=True, help="checkout of the code to compare with")
    ap.add_argument("--clients", default="1,5,20", help="concurrency levels (default 1,5,20)")
    ap.add_argument("--requests", type=int, default=20, help="requests per client and level (default 20)")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="texts the queries are cut from")
    args = ap.parse_args(argv)
    levels = [int(c) for c in args.clients.split(",")]
    pool = distinct_queries(args.corpus, sum(levels) * args.requests)

    tmp = Path(tempfile.mkdtemp(prefix="policykg-conc-"))
    bench = Bench(tmp)
    try:
        print(load_avg(), flush=True)
        servers = {}
        for name, root in (("before", args.before.resolve()), ("after", ROOT)):
            data = prepare_data(args.data, tmp / name)
            env = {**os.environ, "POLICYKG_DATA": str(data)}
            servers[name] = bench.start(name, ["api.app:create_app", "--factory"], env, root)
        for server in servers.values():
            wait_ready(server, "/health", 900)
        for server in servers.values():  # warm: first request loads lazily held pieces
            httpx.get(server.base + "/search", params={"q": "warm up 预热"}, timeout=300).raise_for_status()
        rows: list[tuple[int, Result, Result]] = []
        start = 0
        for clients in levels:
            queries = pool[start : start + clients * args.requests]
            start += len(queries)
            got = {}
            for name, server in servers.items():
                lat, errs, secs = asyncio.run(load(server.base, queries, clients))
                got[name] = summarize(f"{name} c{clients}", "httpx", len(queries), lat, errs, secs)
                print(f"  {clients:>2} clients {name:<6}: p50 {got[name].p50_ms:7.1f} ms  p99 {got[name].p99_ms:7.1f} ms"
                      f"  {got[name].rps:6.1f} req/s  errors {got[name].errors}", flush=True)
            rows.append((clients, got["before"], got["after"]))
        print()
        print(f"{'clients':>7} {'p50 before':>11} {'p50 after':>10} {'p99 before':>11} {'p99 after':>10} "
              f"{'req/s before':>13} {'req/s after':>12} {'p99 ratio':>9} {'errors':>7}")
        for clients, b, a in rows:
            print(f"{clients:>7} {b.p50_ms:>11.1f} {a.p50_ms:>10.1f} {b.p99_ms:>11.1f} {a.p99_ms:>10.1f} "
                  f"{b.rps:>13.1f} {a.rps:>12.1f} {b.p99_ms / a.p99_ms:>8.2f}x {b.errors + a.errors:>7}")
        print(load_avg())
        return 0 if all(b.errors == a.errors == 0 for _, b, a in rows) else 1
    finally:
        bench.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
