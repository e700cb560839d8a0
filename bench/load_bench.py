"""Load bench: the real server under bounded loopback load, next to a trivial FastAPI ceiling, and a
mixed phase (readers on /search while a writer uploads documents) with an integrity check.

    .venv/bin/python bench/load_bench.py --quick        # 200 requests per client cap, short time caps
    .venv/bin/python bench/load_bench.py                # 2000 requests per client cap
    .venv/bin/python bench/load_bench.py --data DIR --no-mixed

What is measured, in one run on one machine:

* two servers, each a uvicorn subprocess with one worker on a free 127.0.0.1 port: the real app
  (``api.app:create_app --factory``) on a copy of a data directory (``--data``, default
  ``/tmp/pk``; built with ``policykg ingest`` + ``policykg link`` when missing), and a trivial
  FastAPI app (``async def`` returning ``{"ok": true}``) as the ceiling;
* read phase, one endpoint after the other: the ceiling, ``/search?q=`` (real queries from
  ``tests/data/gold/queries.toml``, cycled), ``/sparql`` (a cookbook query from
  ``graph/queries/`` as GET, SPARQL JSON results) and a provision IRI (JSON-LD). ``--clients``
  concurrent connections (20), each planned to send ``--requests`` requests (2000, ``--quick``
  200); a phase also stops at ``--duration`` seconds, so the served count can be below the plan
  and is printed. Client: ``wrk`` when installed (a Lua script cycles the URLs and stops each
  thread at its share of the count; ``--timeout 30s``), else an asyncio httpx client (which tops
  out around 750 req/s on its own, so its ceiling is the client's, not the server's). Errors are
  socket errors, timeouts and statuses >= 400. Before a phase one request checks the answer
  (hits, bindings, JSON-LD ``@id``);
* mixed phase (httpx for both sides): ``--clients`` readers on ``/search`` while one writer uploads
  ``--uploads`` real corpus texts under new file names through ``POST /documents`` (one at a time,
  each upload ingests, re-indexes and re-links). The readers stop when the writer is done, at their
  count, or at the time cap. Afterwards every upload must be present (``GET /documents/{id}``) and
  intact: its provisions in the JSON-LD tree (and in the ``/documents`` list) equal the provision
  count ``policykg parse --json`` gives for the same file.

Everything is bounded in count and time, on loopback only; the servers and the temporary
directory are removed at the end, also on Ctrl-C or an error. The machine may be shared: the load
average is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
POLICYKG = VENV_BIN / "policykg"
API_KEY = "load-bench-key"

CEILING_APP = '''from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict:
    return {"ok": True}
'''

WRK_LUA = r'''
local paths = {%(paths)s}
local limit = %(limit)d
local accept = "%(accept)s"
local counter = 0
local i = 0

function request()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], {["Accept"] = accept})
end

function response(status, headers, body)
  counter = counter + 1
  if counter >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'LOADBENCH {"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,"write":%%d,"status":%%d,' ..
    '"timeout":%%d,"p50_us":%%d,"p99_us":%%d,"max_us":%%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
'''


def load_avg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min) on {os.cpu_count()} CPUs"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Result:
    name: str
    client: str
    planned: int
    served: int = 0
    errors: int = 0
    seconds: float = 0.0
    p50_ms: float = math.nan
    p99_ms: float = math.nan
    max_ms: float = math.nan
    detail: str = ""

    @property
    def rps(self) -> float:
        return self.served / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Bench:
    tmp: Path
    servers: list[Server] = field(default_factory=list)

    def start(self, name: str, args: list[str], env: dict[str, str], cwd: Path, *, workers: int = 1) -> Server:
        port = free_port()
        log = self.tmp / f"{name}.log"
        cmd = [str(VENV_BIN / "python"), "-m", "uvicorn", *args, "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        server = Server(name, port, proc, log)
        self.servers.append(server)
        return server

    def stop_all(self) -> None:
        for s in self.servers:
            if s.proc.poll() is None:
                try:
                    os.killpg(s.proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for s in self.servers:
            try:
                s.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(s.proc.pid, signal.SIGKILL)
                s.proc.wait(timeout=5)
        self.servers.clear()


def wait_ready(server: Server, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited ({server.proc.returncode}):\n{server.log.read_text()[-2000:]}")
        try:
            r = httpx.get(server.base + path, timeout=5)
            if r.status_code == 200:
                return
            last = f"status {r.status_code}"
        except httpx.HTTPError as e:
            last = str(e)
        time.sleep(0.5)
    raise RuntimeError(f"{server.name} not ready after {timeout:.0f}s ({last}):\n{server.log.read_text()[-2000:]}")


# ------------------------------------------------------------------ data and requests


def prepare_data(source: Path | None, tmp: Path) -> Path:
    """A copy of ``source`` (never written), or a new data dir built with ingest + link."""
    data = tmp / "data"
    if source is not None and (source / "oxigraph").is_dir():
        shutil.copytree(source, data, symlinks=True)
        return data
    print(f"no ready data dir at {source}; building one (policykg ingest + link, 1-2 min) ...", flush=True)
    for cmd in ("ingest", "link"):
        subprocess.run([str(POLICYKG), cmd, "--data", str(data)], check=True, cwd=ROOT, timeout=900,
                       stdout=subprocess.DEVNULL)
    return data


def gold_queries(n: int) -> list[str]:
    with (ROOT / "tests/data/gold/queries.toml").open("rb") as f:
        queries = [q["query"] for q in tomllib.load(f)["query"]]
    return queries[:n]


def search_paths(queries: list[str]) -> list[str]:
    return ["/search?" + urlencode({"q": q}, quote_via=quote) for q in queries]


def sparql_path(name: str) -> str:
    query = (ROOT / "graph/queries" / f"{name}.rq").read_text(encoding="utf-8")
    return "/sparql?" + urlencode({"query": query}, quote_via=quote)


def entity_path(server: Server, first_search: str) -> str:
    """The local path of the first hit of a search: a provision IRI on this server."""
    hits = httpx.get(server.base + first_search, timeout=60).json()
    top = hits[0]["provisions"][0] if "provisions" in hits[0] else hits[0]  # documents by default
    iri = top["iri"]
    return "/" + iri.split("/", 3)[3]


def check(server: Server, path: str, accept: str, kind: str) -> str:
    """One request before the load: the answer has what a client needs."""
    r = httpx.get(server.base + path, headers={"Accept": accept}, timeout=60)
    r.raise_for_status()
    body = r.json()
    if kind == "search":
        assert isinstance(body, list) and body, "search gave no hits"
        return f"{len(body)} hits"
    if kind == "sparql":
        rows = body["results"]["bindings"]
        assert rows, "SPARQL query gave no rows"
        return f"{len(rows)} rows"
    if kind == "entity":
        assert body.get("@id") and body.get("@context"), "no JSON-LD @id/@context"
        return f"{len(r.content)} bytes JSON-LD"
    return f"{len(r.content)} bytes"


# ------------------------------------------------------------------ clients


def run_wrk(tmp: Path, server: Server, name: str, paths: list[str], accept: str, *, clients: int,
            per_client: int, duration: float) -> Result:
    threads = min(2, clients)
    planned = clients * per_client
    script = tmp / f"{name.strip('/').replace('/', '_') or 'root'}.lua"
    script.write_text(WRK_LUA % {"paths": ", ".join(json.dumps(p) for p in paths),
                                 "limit": math.ceil(planned / threads), "accept": accept})
    cmd = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{math.ceil(duration)}s",
           "--timeout", "30s", "-s", str(script), server.base + paths[0]]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("LOADBENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary:\n{out.stdout}\n{out.stderr}")
    s = json.loads(line[len("LOADBENCH "):])
    socket_errors = s["connect"] + s["read"] + s["write"] + s["timeout"]
    res = Result(name, "wrk", planned, served=s["requests"], errors=socket_errors + s["status"],
                 seconds=s["duration_us"] / 1e6, p50_ms=s["p50_us"] / 1e3, p99_ms=s["p99_us"] / 1e3,
                 max_ms=s["max_us"] / 1e3)
    if res.errors:
        res.detail = (f"status>=400 {s['status']}, connect {s['connect']}, read {s['read']}, "
                      f"write {s['write']}, timeout {s['timeout']}")
    return res


async def _httpx_load(base: str, paths: list[str], accept: str, *, clients: int, per_client: int,
                      duration: float, stop: asyncio.Event | None = None) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + duration
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30, headers={"Accept": accept}) as client:
        async def worker(w: int) -> None:
            nonlocal errors
            for i in range(per_client):
                if time.monotonic() > deadline or (stop is not None and stop.is_set()):
                    return
                t0 = time.perf_counter()
                try:
                    r = await client.get(paths[(w + i) % len(paths)])
                    ok = r.status_code < 400
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - t0)
                errors += not ok

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(clients)))
        return latencies, errors, time.perf_counter() - t0


def summarize(name: str, client: str, planned: int, latencies: list[float], errors: int, seconds: float) -> Result:
    res = Result(name, client, planned, served=len(latencies), errors=errors, seconds=seconds)
    if latencies:
        q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
        res.p50_ms, res.p99_ms, res.max_ms = q[49] * 1e3, q[98] * 1e3, max(latencies) * 1e3
    return res


def run_httpx(server: Server, name: str, paths: list[str], accept: str, *, clients: int, per_client: int,
              duration: float) -> Result:
    lat, errs, secs = asyncio.run(_httpx_load(server.base, paths, accept, clients=clients, per_client=per_client,
                                              duration=duration))
    return summarize(name, "httpx", clients * per_client, lat, errs, secs)


# ------------------------------------------------------------------ mixed phase


def make_uploads(tmp: Path, k: int) -> list[tuple[str, Path, int]]:
    """K corpus texts (the smallest first) under new file names, with the provision count
    ``policykg parse --json`` gives for each file."""
    sources = sorted((ROOT / "corpus").rglob("*.txt"), key=lambda p: p.stat().st_size)[:max(1, min(k, 6))]
    folder = tmp / "uploads"
    folder.mkdir()
    tag = f"{os.getpid()}-{int(time.time()) % 100000}"
    out = []
    for i in range(k):
        src = sources[i % len(sources)]
        name = f"loadbench-{tag}-{i:02d}-{src.stem[:60]}.txt"
        path = folder / name
        shutil.copyfile(src, path)
        parsed = subprocess.run([str(POLICYKG), "parse", "--json", str(path)], capture_output=True, check=True,
                                cwd=ROOT, timeout=120)
        out.append((name, path, len(json.loads(parsed.stdout)["provisions"])))
    return out


def count_parts(node: dict[str, Any]) -> int:
    parts = node.get("hasPart") or []
    if isinstance(parts, dict):
        parts = [parts]
    return sum(1 + count_parts(p) for p in parts if isinstance(p, dict))


async def _mixed(server: Server, paths: list[str], uploads: list[tuple[str, Path, int]], *, clients: int,
                 per_client: int, duration: float) -> dict[str, Any]:
    stop = asyncio.Event()
    writes: list[dict[str, Any]] = []
    deadline = time.monotonic() + duration

    async def writer() -> None:
        try:
            async with httpx.AsyncClient(base_url=server.base, timeout=max(30.0, duration)) as client:
                for name, path, expected in uploads:
                    if time.monotonic() > deadline:
                        writes.append({"name": name, "skipped": "time cap"})
                        continue
                    t0 = time.perf_counter()
                    try:
                        r = await client.post("/documents", headers={"X-API-Key": API_KEY},
                                              files={"file": (name, path.read_bytes(), "text/plain")})
                        entry = {"name": name, "status": r.status_code, "expected": expected,
                                 "seconds": time.perf_counter() - t0}
                        if r.status_code == 201:
                            entry["id"] = r.json()["document"]
                        else:
                            entry["error"] = r.text[:300]
                    except httpx.HTTPError as e:
                        entry = {"name": name, "status": None, "error": repr(e), "expected": expected,
                                 "seconds": time.perf_counter() - t0}
                    writes.append(entry)
        finally:
            stop.set()

    t0 = time.perf_counter()
    (lat, errs, secs), _ = await asyncio.gather(
        _httpx_load(server.base, paths, "application/json", clients=clients, per_client=per_client,
                    duration=duration + 30, stop=stop),
        writer())
    return {"reads": summarize("/search during uploads", "httpx", clients * per_client, lat, errs, secs),
            "writes": writes, "seconds": time.perf_counter() - t0}


def verify(server: Server, writes: list[dict[str, Any]]) -> list[str]:
    """Every upload present and intact; a list of problems (empty when all is well)."""
    problems = []
    listing = {d["id"]: d for d in httpx.get(server.base + "/documents", timeout=60).json()}
    for w in writes:
        if "skipped" in w:
            continue
        if "id" not in w:
            problems.append(f"{w['name']}: upload failed ({w.get('status')}: {w.get('error')})")
            continue
        r = httpx.get(f"{server.base}/documents/{w['id']}", headers={"Accept": "application/ld+json"}, timeout=60)
        if r.status_code != 200:
            problems.append(f"{w['id']}: GET /documents/{{id}} gave {r.status_code}")
            continue
        tree = count_parts(r.json())
        listed = listing.get(w["id"], {}).get("provisions")
        w["found"], w["listed"] = tree, listed
        if tree != w["expected"] or listed != w["expected"]:
            problems.append(f"{w['id']}: {tree} provisions in the tree, {listed} in /documents, "
                            f"policykg parse gives {w['expected']}")
    return problems


# ------------------------------------------------------------------ report


def table(rows: list[Result], ceiling: Result | None) -> str:
    head = (f"{'endpoint':<24} {'client':<6} {'served/planned':>15} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'max ms':>8} {'req/s':>8} {'vs ceiling':>22}")
    lines = [head, "-" * len(head)]
    for r in rows:
        if ceiling is None or r is ceiling or not ceiling.rps:
            ratio = "(ceiling)" if r is ceiling else "-"
        else:
            ratio = f"{r.rps / ceiling.rps:.1%} thr, p50 x{r.p50_ms / ceiling.p50_ms:.0f}"
        lines.append(f"{r.name:<24} {r.client:<6} {f'{r.served}/{r.planned}':>15} {r.errors:>6} {r.p50_ms:>8.1f} "
                     f"{r.p99_ms:>8.1f} {r.max_ms:>8.1f} {r.rps:>8.1f} {ratio:>22}")
        if r.detail:
            lines.append(f"    {r.detail}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="200 requests per client, short time caps, 2 uploads")
    ap.add_argument("--requests", type=int, help="requests per client and endpoint (default 2000; --quick 200)")
    ap.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    ap.add_argument("--duration", type=float, help="time cap per endpoint in seconds (default 60; --quick 15)")
    ap.add_argument("--data", type=Path, default=Path("/tmp/pk"), help="a ready data dir to copy (default /tmp/pk)")
    ap.add_argument("--queries", type=int, default=4, help="how many gold queries to cycle on /search")
    ap.add_argument("--sparql-query", default="timeline", help="cookbook query from graph/queries/ (default timeline)")
    ap.add_argument("--mixed", action=argparse.BooleanOptionalAction, default=True,
                    help="run the mixed read/write phase (default on)")
    ap.add_argument("--uploads", type=int, help="documents uploaded in the mixed phase (default 4; --quick 2)")
    ap.add_argument("--mixed-duration", type=float,
                    help="time after which the writer starts no new upload (default 300; --quick 150)")
    ap.add_argument("--client", choices=("auto", "wrk", "httpx"), default="auto",
                    help="load client for the read phase (auto: wrk when installed)")
    args = ap.parse_args(argv)
    per_client = args.requests or (200 if args.quick else 2000)
    duration = args.duration or (15.0 if args.quick else 60.0)
    uploads_n = args.uploads if args.uploads is not None else (2 if args.quick else 4)
    mixed_duration = args.mixed_duration or (150.0 if args.quick else 300.0)
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk") is not None)

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    tmp = Path(tempfile.mkdtemp(prefix="policykg-load-"))
    bench = Bench(tmp)
    try:
        print(f"policykg load bench: {args.clients} clients x {per_client} requests per endpoint, "
              f"cap {duration:.0f}s per endpoint; read client {'wrk' if use_wrk else 'httpx (asyncio)'}")
        print(load_avg(), flush=True)
        data = prepare_data(args.data, tmp)
        (tmp / "ceiling.py").write_text(CEILING_APP)
        env = {**os.environ, "POLICYKG_DATA": str(data), "POLICYKG_API_KEY": API_KEY}
        ceiling_srv = bench.start("ceiling", ["--app-dir", str(tmp), "ceiling:app"], dict(os.environ), tmp)
        app_srv = bench.start("policykg", ["api.app:create_app", "--factory"], env, ROOT)
        wait_ready(ceiling_srv, "/ping", 60)
        wait_ready(app_srv, "/health", 300)
        health = httpx.get(app_srv.base + "/health", timeout=30).json()
        print(f"servers up: policykg on :{app_srv.port} ({health['status']}, {health['counts']['documents']} documents, "
              f"{health['index'].get('units')} index units), ceiling on :{ceiling_srv.port}")

        queries = gold_queries(args.queries)
        s_paths = search_paths(queries)
        endpoints = [
            ("ceiling /ping", ceiling_srv, ["/ping"], "application/json", "ping"),
            ("/search", app_srv, s_paths, "application/json", "search"),
            (f"/sparql ({args.sparql_query})", app_srv, [sparql_path(args.sparql_query)],
             "application/sparql-results+json", "sparql"),
            ("entity (JSON-LD)", app_srv, [entity_path(app_srv, s_paths[0])], "application/ld+json", "entity"),
        ]
        print("search queries: " + " | ".join(queries))
        print(f"entity: {endpoints[3][2][0]}")
        results: list[Result] = []
        for name, srv, paths, accept, kind in endpoints:
            note = check(srv, paths[0], accept, kind)
            print(f"  {name}: check ok ({note}); loading ...", flush=True)
            if use_wrk:
                res = run_wrk(tmp, srv, name, paths, accept, clients=args.clients, per_client=per_client,
                              duration=duration)
            else:
                res = run_httpx(srv, name, paths, accept, clients=args.clients, per_client=per_client,
                                duration=duration)
            results.append(res)
        print()
        print(f"Read phase ({'wrk' if use_wrk else 'httpx'}; latency is per request, end to end on loopback):")
        print(table(results, results[0]))
        search = results[1]
        print(f"search p99 {search.p99_ms:.0f} ms (aim < 200 ms): {'met' if search.p99_ms < 200 else 'NOT met'}; "
              f"errors in read phase: {sum(r.errors for r in results)}")
        print(load_avg(), flush=True)

        ok = all(r.errors == 0 for r in results)
        if args.mixed and uploads_n > 0:
            print()
            print(f"Mixed phase: {args.clients} httpx readers on /search while one httpx writer uploads "
                  f"{uploads_n} documents (writer time cap {mixed_duration:.0f}s) ...", flush=True)
            uploads = make_uploads(tmp, uploads_n)
            before = httpx.get(app_srv.base + "/health", timeout=30).json()["counts"]["documents"]
            mixed = asyncio.run(_mixed(app_srv, s_paths, uploads, clients=args.clients, per_client=per_client,
                                       duration=mixed_duration))
            problems = verify(app_srv, mixed["writes"])
            after = httpx.get(app_srv.base + "/health", timeout=30).json()["counts"]["documents"]
            reads: Result = mixed["reads"]
            print(table([reads], results[0]))
            for w in mixed["writes"]:
                if "skipped" in w:
                    print(f"  upload {w['name']}: skipped ({w['skipped']})")
                else:
                    print(f"  upload {w['name']}: status {w['status']} in {w['seconds']:.1f}s; provisions: "
                          f"tree {w.get('found')}, /documents {w.get('listed')}, policykg parse {w['expected']}")
            done = [w for w in mixed["writes"] if "skipped" not in w]
            ok_writes = sum(1 for w in done if w.get("status") == 201)
            print(f"requests served: {reads.served} reads + {len(done)} uploads in {mixed['seconds']:.1f}s; "
                  f"errors: {reads.errors} reads, {len(done) - ok_writes} uploads; documents {before} -> {after}")
            intact = not problems and after == before + ok_writes and ok_writes == len(done)
            print(f"uploads present and intact: {'yes' if intact else 'NO'} "
                  f"({ok_writes} of {len(done)} uploaded, {len(problems)} problems)")
            for p in problems:
                print(f"  problem: {p}")
            ok = ok and intact and reads.errors == 0
            print(load_avg(), flush=True)
        return 0 if ok else 1
    except KeyboardInterrupt:
        print("\ninterrupted; cleaning up", file=sys.stderr)
        return 130
    finally:
        bench.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
