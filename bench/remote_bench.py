"""Remote store benchmark: the embedded store (Oxigraph on disk) against a remote SPARQL 1.1 store
(a throwaway Virtuoso 7 started and stopped by this script), on the same synthetic corpus.

    .venv/bin/python bench/remote_bench.py              # 1M triples
    .venv/bin/python bench/remote_bench.py --quick      # 100k triples
    .venv/bin/python bench/remote_bench.py --triples 300000 --runs 5

What is measured, in one run on one machine:

* the corpus is ``bench/graph_bench.generate`` (real provision templates under new ids, regions,
  years and 文号, plus computed alignment links), written once as N-Quads;
* load: each store is opened through ``graph.store.open_store`` (``oxigraph:PATH`` and
  ``sparql+http://127.0.0.1:PORT/sparql``) and given the file with ``bulk_load``: Oxigraph's
  non-transactional bulk loader in-process, against policykg's remote path (SPARQL 1.1 Update
  ``INSERT DATA`` requests of ``batch_triples`` quads, digest auth on ``/sparql-auth``, each
  batch committed by the server). Throughput is quads loaded / wall-clock seconds. The Virtuoso
  figure is not Virtuoso's native bulk loader (``ld_dir``/``rdf_loader_run``), which policykg does
  not use; Virtuoso's disk figure is its files without a checkpoint (the log still holds the load);
* queries: every cookbook query (``graph.queries.run_query``) with the bench's parameters, one
  warm-up then up to ``--runs`` timed runs (fewer when a run is slow: at most ``--budget`` seconds
  per query and store; one run over ``--timeout`` counts as a timeout). Latency is end to end as
  the application sees it: for Virtuoso that includes HTTP, JSON results and conversion to rdflib
  terms. The two answers are compared by row count.

The machine is shared: the load average is printed at the start, after the loads and at the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.graph_bench import fmt_ms, generate, p95, rss_mb, timed  # noqa: E402
from common.settings import Settings  # noqa: E402
from graph.queries import list_queries, run_query  # noqa: E402
from graph.store import open_store  # noqa: E402
from tests.graph import virtuoso  # noqa: E402


def load_avg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min) on {os.cpu_count()} CPUs"


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def proc_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def measure(store: object, name: str, params: dict[str, str], *, runs: int, budget: float,
            timeout: int) -> tuple[list[float], int]:
    def once() -> int:
        return len(list(run_query(store, name, params)))  # type: ignore[arg-type]

    warm, rows = timed(once, 1, timeout=timeout)
    if rows < 0:
        return [float("inf")], -1
    n = max(1, min(runs, int(budget / max(warm[0], 1e-4))))
    times, rows = timed(once, n, timeout=timeout)
    return times, rows


def run(args: argparse.Namespace, workdir: Path) -> None:
    target = 100_000 if args.quick else args.triples
    print(f"policykg remote bench: embedded Oxigraph vs Virtuoso over SPARQL 1.1, {target:,} triples (target)")
    print(f"start: {load_avg()}", flush=True)

    t = time.perf_counter()
    syn = generate(target, workdir / "syn.nq")
    print(f"generated {syn.triples:,} quads in {syn.documents:,} documents "
          f"({syn.nquads.stat().st_size / 2**20:.0f} MB N-Quads) in {time.perf_counter() - t:.1f} s", flush=True)

    server = virtuoso.start(workdir / "virtuoso")
    if isinstance(server, str):
        raise SystemExit(f"cannot start Virtuoso: {server}")
    try:
        version = server.log()
        print(f"Virtuoso started: {server.endpoint} (pid {server.process.pid}) "
              f"{next((ln.strip() for ln in version.splitlines() if 'Version' in ln), '')}", flush=True)

        # ---- load
        data_dir = workdir / "oxigraph"
        m0 = rss_mb()
        t = time.perf_counter()
        embedded = open_store(store=f"oxigraph:{data_dir}")
        embedded.bulk_load(syn.nquads, format="nq")
        ox_load = time.perf_counter() - t
        print(f"\n[load] embedded Oxigraph bulk_load: {ox_load:8.2f} s = {syn.triples / ox_load:10,.0f} triples/s  "
              f"(+{rss_mb() - m0:.0f} MB RSS in this process, {dir_mb(data_dir):.0f} MB on disk)", flush=True)

        settings = Settings(store_user=virtuoso.USER, store_password=virtuoso.PASSWORD, store_timeout_s=args.timeout,
                            store_batch=args.batch)
        t = time.perf_counter()
        remote = open_store(store=server.spec, settings=settings)
        last = [t]

        def progress(count: int) -> None:
            now = time.perf_counter()
            if now - last[0] > 30:
                last[0] = now
                print(f"    ... {count:,} quads sent, {count / (now - t):,.0f}/s", flush=True)

        remote.bulk_load(syn.nquads, format="nq", progress=progress)
        vt_load = time.perf_counter() - t
        print(f"[load] Virtuoso SPARQL Update (INSERT DATA, {args.batch:,} quads/request): {vt_load:8.2f} s = "
              f"{syn.triples / vt_load:10,.0f} triples/s  (server RSS {proc_rss_mb(server.process.pid):.0f} MB, "
              f"{dir_mb(server.folder):.0f} MB db+log files, no checkpoint)", flush=True)
        print(f"[load] ratio Virtuoso/embedded time: {vt_load / ox_load:.1f}x slower "
              f"(embedded {syn.triples / ox_load:,.0f} vs Virtuoso {syn.triples / vt_load:,.0f} triples/s)")
        print(f"after loads: {load_avg()}", flush=True)

        # ---- queries
        print(f"\n[queries] cookbook, warm-up + up to {args.runs} runs each (budget {args.budget:g} s, "
              f"timeout {args.timeout} s per run); latency in ms, end to end through the Store API")
        print(f"{'query':30s} {'rows ox':>8s} {'rows vt':>8s} {'ox med':>9s} {'ox p95':>9s} "
              f"{'vt med':>9s} {'vt p95':>9s} {'vt/ox':>7s}  rows")
        mismatches = 0
        ratios: list[float] = []
        for q in list_queries():
            params = syn.params.get(q.name, {})
            ox_t, ox_rows = measure(embedded, q.name, params, runs=args.runs, budget=args.budget,
                                    timeout=args.timeout)
            vt_t, vt_rows = measure(remote, q.name, params, runs=args.runs, budget=args.budget,
                                    timeout=args.timeout)
            om, vm = statistics.median(ox_t), statistics.median(vt_t)
            ratio = vm / om if om not in (0, float("inf")) and vm != float("inf") else float("nan")
            if ratio == ratio:
                ratios.append(ratio)
            same = ox_rows == vt_rows and ox_rows >= 0
            mismatches += not same
            print(f"{q.name:30s} {ox_rows:8d} {vt_rows:8d} {fmt_ms(om)} {fmt_ms(p95(ox_t))} "
                  f"{fmt_ms(vm)} {fmt_ms(p95(vt_t))} {ratio:6.1f}x  {'equal' if same else 'DIFFER'}"
                  f"  (n={len(ox_t)}/{len(vt_t)})", flush=True)
        if ratios:
            gm = statistics.geometric_mean(ratios)
            print(f"[queries] Virtuoso/embedded median latency: geometric mean {gm:.1f}x, "
                  f"range {min(ratios):.1f}x-{max(ratios):.1f}x; row counts equal on "
                  f"{len(list_queries()) - mismatches}/{len(list_queries())} queries")
        print(f"\nserver RSS {proc_rss_mb(server.process.pid):.0f} MB, bench peak RSS "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        print(f"end: {load_avg()}", flush=True)
        remote.close()
        embedded.close()
    finally:
        server.stop()
        print(f"Virtuoso stopped (exit {server.process.returncode})", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=1_000_000, help="corpus size in triples (default 1M)")
    ap.add_argument("--quick", action="store_true", help="100k triples")
    ap.add_argument("--runs", type=int, default=7, help="timed runs per query and store, at most (default 7)")
    ap.add_argument("--budget", type=float, default=20.0, help="seconds of timed runs per query and store")
    ap.add_argument("--timeout", type=int, default=120, help="seconds for one query run (default 120)")
    ap.add_argument("--batch", type=int, default=200,
                    help="quads per SPARQL update request (default 200: Virtuoso 7.2 refuses INSERT DATA of "
                         "~1,500+ of these quads with SP031, and 200 loaded fastest of 200/500/1000)")
    ap.add_argument("--keep", type=Path, default=None, help="work directory to keep (default: a temporary one)")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally blocks stop Virtuoso
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="policykg-remote-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        run(args, workdir)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
