"""``/search`` under concurrent clients, before and after a change, in one run: p50/p99 at 1, 5, 20.

    .venv/bin/python bench/concurrency_bench.py --data /tmp/pk --before /tmp/main-snapshot
    .venv/bin/python bench/concurrency_bench.py --data /tmp/pk --before /tmp/main-snapshot --runtimes onnx,onnx-int8
    .venv/bin/python bench/concurrency_bench.py --data /tmp/real --corpus ../shared/realcorpus --before /tmp/main-snapshot

Two uvicorn servers (one worker each, loopback) on copies of the same data directory: *after* runs
this checkout, *before* runs ``--before`` (a checkout of the code to compare with, e.g.
``git archive main | tar -x -C DIR``), and with ``--runtimes`` one *after* server per embedding
runtime (``POLICYKG_RUNTIME``). For each concurrency level and grouping (``group=document``, the
default, and ``group=provision``) the servers take turns on the same requests, so both see the
same machine load. Every request is a distinct query
(clauses of the corpus texts, 6-30 characters, seeded shuffle; no query is sent twice to a
server), so a query cache cannot make a server look faster than its model. Before the measured
queries each server answers ``--warmup`` others per grouping at the highest concurrency, so the
figures are its steady state, not its first touches of the store (lazily read unit records, page
cache). Errors are statuses
>= 400 and transport errors; the load average is printed, since the machine may be shared.
``--vary search_threads=4,8,40`` does the same for any setting (``--vary search_processes=0,1,2``:
the server alone against one or two search processes beside it); ``--before-args`` passes uvicorn options
to the before server only (``--http h11 --loop asyncio``: the server stack before httptools and uvloop). ``--workers 2`` runs the *after* servers with two uvicorn workers; each server's memory (RSS, and
PSS, which counts pages the processes share once) is printed after the warm-up.
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


def _tree(pid: int) -> list[int]:
    """A process and its descendants (uvicorn's workers, the server's search processes), from /proc."""
    pids, found = [pid], []
    while pids:
        p = pids.pop()
        try:
            pids += [int(c) for t in os.listdir(f"/proc/{p}/task")
                     for c in Path(f"/proc/{p}/task/{t}/children").read_text().split()]
        except OSError:
            continue
        found.append(p)
    return found


def memory_mb(pid: int) -> tuple[float, float]:
    """RSS and PSS in MB of a process and its descendants."""
    rss, pss = 0.0, 0.0
    for p in _tree(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                name, _, value = line.partition(":")
                if name in ("Rss", "Pss"):
                    kb = int(value.split()[0]) / 1024
                    rss, pss = (rss + kb, pss) if name == "Rss" else (rss, pss + kb)
        except (OSError, ValueError):
            continue
    return rss, pss


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its descendants so far, from /proc."""
    total = 0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


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


async def load(base: str, queries: list[str], clients: int, group: str, *, client: str = "raw"
               ) -> tuple[list[float], int, float]:
    """``clients`` concurrent connections; client ``c`` sends ``queries[c::clients]`` one after another.

    ``raw``: keep-alive HTTP/1.1 over asyncio streams, under 1 ms of CPU a request; ``httpx`` took
    ~2.5 ms a request, a quarter of what the server spends, on the same two cores (clients of a
    real server do not share its cores)."""
    latencies: list[float] = []
    errors = 0
    paths = ["/search?" + urlencode({"q": q, "group": group}, quote_via=quote) for q in queries]

    async def worker(c: int) -> None:
        nonlocal errors
        if client == "httpx":
            for path in paths[c::clients]:
                t0 = time.perf_counter()
                try:
                    r = await http.get(path)
                    ok = r.status_code < 400 and isinstance(r.json(), list)
                except (httpx.HTTPError, ValueError):
                    ok = False
                latencies.append(time.perf_counter() - t0)
                errors += not ok
            return
        host, port = base.removeprefix("http://").split(":")
        stream = None
        for path in paths[c::clients]:
            t0 = time.perf_counter()
            try:
                if stream is None:
                    stream = await asyncio.open_connection(host, int(port))
                ok = await _get(*stream, path)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                ok, stream = False, None
            latencies.append(time.perf_counter() - t0)
            errors += not ok
        if stream is not None:
            stream[1].close()

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60,
                                 headers={"Accept": "application/json"}) as http:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in range(clients)))
        return latencies, errors, time.perf_counter() - t0


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> bool:
    """One keep-alive GET; True for a 2xx/3xx JSON array. Raises on a broken connection."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: application/json\r\n\r\n".encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
    fields = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:] if b":" in line)
    length = int({k.strip().lower(): v for k, v in fields.items()}.get(b"content-length", b"-1"))
    if length < 0:
        raise ValueError("no content-length")
    body = await reader.readexactly(length)
    return int(head.split(b" ", 2)[1]) < 400 and body[:1] == b"["


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path("/tmp/pk"), help="a ready data dir to copy (default /tmp/pk)")
    ap.add_argument("--before", type=Path, required=True, help="checkout of the code to compare with")
    ap.add_argument("--runtimes", default="", help="one after-server per runtime, e.g. onnx,onnx-int8 "
                    "(default: one, with the environment's runtime); short for --vary runtime=...")
    ap.add_argument("--vary", default="", help="one after-server per value of a setting, e.g. "
                    "search_threads=4,8,40 (POLICYKG_SEARCH_THREADS)")
    ap.add_argument("--clients", default="1,5,20", help="concurrency levels (default 1,5,20)")
    ap.add_argument("--requests", type=int, default=20, help="requests per client, level and grouping (default 20)")
    ap.add_argument("--groups", default="document,provision", help="groupings to measure (default document,provision)")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn workers of the after servers (default 1)")
    ap.add_argument("--before-args", default="", help="extra uvicorn options of the before server, e.g. "
                    "'--http h11 --loop asyncio' (what it ran with before httptools and uvloop were dependencies)")
    ap.add_argument("--client", choices=("raw", "httpx"), default="raw",
                    help="load generator: raw keep-alive sockets (default; < 1 ms CPU a request) or httpx (~2.5 ms)")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="texts the queries are cut from")
    ap.add_argument("--warmup", type=int, default=200, help="distinct queries per grouping each server answers "
                    "before the measured ones, at the highest concurrency (default 200; never measured)")
    args = ap.parse_args(argv)
    levels = [int(c) for c in args.clients.split(",")]
    groups = [g for g in args.groups.split(",") if g]
    measured = sum(levels) * args.requests * len(groups)
    pool = distinct_queries(args.corpus, measured + args.warmup)
    warm = pool[measured:]

    tmp = Path(tempfile.mkdtemp(prefix="policykg-conc-"))
    bench = Bench(tmp)
    try:
        print(load_avg(), flush=True)
        runs = [("before", args.before.resolve(), {})]
        setting, _, values = (args.vary or (f"runtime={args.runtimes}" if args.runtimes else "")).partition("=")
        runs += [(f"after {v}", ROOT, {f"POLICYKG_{setting.upper()}": v}) for v in values.split(",") if v] \
            or [("after", ROOT, {})]
        servers = {}
        for name, root, extra in runs:
            data = prepare_data(args.data, tmp / name.replace(" ", "-"))
            env = {**os.environ, "POLICYKG_DATA": str(data), **extra}
            extra_args = args.before_args.split() if name == "before" else []
            servers[name] = bench.start(name.replace(" ", "-"), ["api.app:create_app", "--factory", *extra_args], env,
                                        root, workers=1 if name == "before" else args.workers)
        for server in servers.values():
            wait_ready(server, "/health", 900)
        for server in servers.values():  # warm: first request loads lazily held pieces
            for _ in range(4):  # a few, so that every worker has loaded its pieces
                httpx.get(server.base + "/search", params={"q": "warm up 预热"}, timeout=300).raise_for_status()
            for group in groups:  # then distinct queries never measured: the steady state, not the first touches
                asyncio.run(load(server.base, warm, max(levels), group, client=args.client))
        for name, server in servers.items():
            rss, pss = memory_mb(server.proc.pid)
            print(f"  memory {name}: RSS {rss:.0f} MB, PSS {pss:.0f} MB", flush=True)
        rows: list[tuple[str, int, dict[str, Result]]] = []
        start = 0
        for group in groups:
            for clients in levels:
                queries = pool[start : start + clients * args.requests]
                start += len(queries)
                got = {}
                for name, server in servers.items():
                    cpu, served = time.process_time(), cpu_seconds(server.proc.pid)
                    lat, errs, secs = asyncio.run(load(server.base, queries, clients, group, client=args.client))
                    cpu = (time.process_time() - cpu) / len(queries) * 1e3  # the client's own cost
                    cores = (cpu_seconds(server.proc.pid) - served) / secs  # cores the server and its processes kept busy
                    got[name] = r = summarize(f"{name} c{clients}", args.client, len(queries), lat, errs, secs)
                    print(f"  {group:<9} {clients:>2} clients {name:<16}: p50 {r.p50_ms:7.1f} ms  p99 {r.p99_ms:7.1f} ms"
                          f"  {r.rps:6.1f} req/s  errors {r.errors}  server cores {cores:.2f}"
                          f"  client CPU {cpu:.2f} ms/request", flush=True)
                rows.append((group, clients, got))
        print()
        print(f"{'group':<9} {'clients':>7} {'server':<16} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>7} "
              f"{'p99 vs before':>14} {'req/s vs before':>16} {'errors':>7}")
        for group, clients, got in rows:
            for name, r in got.items():
                print(f"{group:<9} {clients:>7} {name:<16} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} {r.rps:>7.1f} "
                      f"{got['before'].p99_ms / r.p99_ms:>13.2f}x {r.rps / got['before'].rps:>15.2f}x {r.errors:>7}")
        print(load_avg())
        return 0 if all(r.errors == 0 for _, _, got in rows for r in got.values()) else 1
    finally:
        bench.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
