"""Read-path benchmark on a real corpus: links pages, every cookbook query, entity JSON-LD and
coverage, at x1 and x3 the corpus (documents replicated under new ids), against the query
shapes they replaced (``bench/read_baseline/*.rq``, run in the same process on the same store).

    policykg ingest --data /tmp/real ../shared/realcorpus && policykg link --data /tmp/real
    python bench/read_bench.py --data /tmp/real                  # x1 and x3
    python bench/read_bench.py --data /tmp/real --factors 1 --virtuoso

The store in ``--data`` is only read (it may be in use). Its quads are bulk-loaded into a fresh
on-disk Oxigraph store per factor; replica k renames every document (its IRI, graph and
``dcterms:identifier``) with the suffix ``-xk`` and copies its alignments. When the store holds
no links yet (``link`` not run), alignments of real-corpus size are made up: every local provision
gets three national provisions (rank 1..3, the first asserted), picked by a hash, and the figures
say so. Parameters come from the data (the national document with most tasks, the first local
region, a term from a national heading), never from a list of names. Each read runs once warm-up,
then ``--runs`` times; the best and the median are printed. ``--virtuoso`` also loads the x1
store into a throwaway Virtuoso (policykg's batched remote path) and times the same reads there.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rdflib import URIRef  # noqa: E402

from graph import coverage, entities, views  # noqa: E402
from graph.backends.sparql_http import SparqlHttpBackend  # noqa: E402
from graph.build import alignment_triples  # noqa: E402
from graph.layout import GraphStore  # noqa: E402
from graph.queries import list_queries, run_query  # noqa: E402
from ontology.namespaces import METHOD  # noqa: E402

BASELINE = ROOT / "bench" / "read_baseline"
BASELINE_TIMEOUT_S = 120
TARGETS_MS = {"links": 1000, "query": 1000, "entity": 200, "coverage": 2000}


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float, object]:
    """Best and median milliseconds over ``runs`` after one warm-up, and the last answer."""
    out = fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1000)
    return min(times), statistics.median(times), out


def made_up_links(store: GraphStore) -> list[tuple]:
    """Three national candidates for every local provision, picked by a hash (see the module text)."""
    rows = store.query("SELECT ?p ?level WHERE { ?p a eli:LegalResourceSubdivision ; pkg:document/pkg:level/skos:notation ?level }")
    national = sorted(str(r.p) for r in rows if str(r.level) == "national")
    local = sorted(str(r.p) for r in rows if str(r.level) != "national")
    out: list[tuple] = []
    for p in local:
        h = int(hashlib.sha256(p.encode()).hexdigest()[:12], 16)
        for rank in (1, 2, 3):
            target = national[(h + rank * 7919) % len(national)]
            out += alignment_triples(URIRef(p), URIRef(target), score=0.95 - 0.02 * rank, rank=rank, method=METHOD.hybrid,
                                     generated="2026-12-01T00:00:00Z", model="bench", implements=rank == 1, iris=store.iris)
    return out


def replicate(nquads: str, base: str, factor: int) -> str:
    """``nquads`` plus ``factor - 1`` copies of its document and links quads under new document ids."""
    doc_graph = f"<{base}/graph/doc/"
    keep = [line for line in nquads.splitlines() if doc_graph in line or f"<{base}/graph/links>" in line]
    ids = {m.group(1) for m in re.finditer(rf"<{re.escape(base)}/graph/doc/([^>]+)>", nquads)}
    out = [nquads]
    for k in range(2, factor + 1):
        def rename(m: re.Match[str], k: int = k) -> str:
            return f"{m.group(1)}{m.group(2)}-x{k}{m.group(3)}"
        pattern = re.compile(rf"(<{re.escape(base)}/(?:eli/cn/[^/>]+/[^/>]+|graph/doc)/)([^/>]+)([/>])")
        ident = re.compile(r'(<http://purl.org/dc/terms/identifier> ")(' + "|".join(map(re.escape, ids)) + r')(")')
        link = re.compile(rf"(<{re.escape(base)}/link/)([0-9a-f]+)(>)")
        out += [link.sub(rename, ident.sub(rename, pattern.sub(rename, line))) for line in keep]
    return "\n".join(out) + "\n"


def pick_params(store: GraphStore) -> dict[str, dict[str, str]]:
    """Cookbook parameters taken from the data itself."""
    def first(sparql: str) -> str:
        row = next(iter(store.query(sparql)), None)
        return "" if row is None else str(row[0])
    doc = first("SELECT ?id WHERE { ?t a pkg:Task ; pkg:document ?d . ?d dcterms:identifier ?id ; pkg:level/skos:notation "
                "'national' } GROUP BY ?id ORDER BY DESC(COUNT(?t)) ?id LIMIT 1")
    region = first("SELECT ?name WHERE { ?d pkg:level/skos:notation ?l FILTER(?l != 'national') ?d eli:jurisdiction/skos:prefLabel "
                   "?name FILTER(LANG(?name) = 'zh') } ORDER BY ?name LIMIT 1")
    heading = first("SELECT ?h WHERE { ?t a pkg:Task ; dcterms:title ?h } ORDER BY ?h LIMIT 1")
    number = first("SELECT ?n WHERE { ?c pkg:citedNumber ?n } ORDER BY ?n LIMIT 1")
    return {"document-tasks": {"docId": doc}, "documents-citing": {"docNumber": number},
            "provisions-mentioning": {"term": heading.strip("（）()一二三四五六七八九十、 .")[:4] or "发展"},
            "targets-by-region": {"region": region}, "timeline": {"level": "national"},
            "local-implementing-national": {"nationalDocId": doc}, "coverage-by-region": {"nationalDocId": doc}}


def reads(store: GraphStore, runs: int, *, baseline: bool) -> list[tuple[str, str, float, float, int]]:
    """(kind, name, best ms, median ms, rows) of every read path."""
    params = pick_params(store)
    region = params["targets-by-region"]["region"]
    first_page = views.links(store, limit=100)
    focus = first_page.rows[0]["target"] if first_page.rows else None
    local_doc = first_page.rows[0]["localDoc"] if first_page.rows else None
    doc_iri = views.document_iri(store, local_doc) if local_doc else None  # the entity alone is timed
    cases: list[tuple[str, str, Callable[[], object]]] = [
        ("links", "first page", lambda: views.links(store, limit=100).rows),
        ("links", "page 10", lambda: views.links(store, limit=100, offset=900).rows),
        ("links", "page of 1000", lambda: views.links(store, limit=1000).rows),
        ("links", f"region={region}", lambda: views.links(store, views.LinkFilter(region=region)).rows),
        ("links", "document", lambda: views.links(store, views.LinkFilter(document=local_doc)).rows),
        ("links", "focus provision", lambda: views.links(store, views.LinkFilter(focus=focus)).rows),
        ("links", "not asserted", lambda: views.links(store, views.LinkFilter(asserted=False)).rows),
        ("coverage", "linked tasks", lambda: coverage.coverage(store)["tasks"]),
        ("coverage", "all=1", lambda: coverage.coverage(store, every_task=True)["tasks"]),
        ("entity", "national provision", lambda: [entities.entity(store, focus)]),
        ("entity", "document", lambda: [entities.entity(store, doc_iri)]),
    ]
    for q in list_queries():
        if not any(p.required for p in q.parameters):
            cases.append(("query", q.name, lambda q=q: list(run_query(store, q.name))))
        if q.name in params:
            cases.append(("query", f"{q.name} {params[q.name]}", lambda q=q: list(run_query(store, q.name, params[q.name]))))
    out = []
    for kind, name, fn in cases:
        best, median, rows = timed(fn, runs)
        out.append((kind, name, best, median, len(rows)))  # type: ignore[arg-type]
        print(f"  {kind} {name}: {best:.0f} ms, {len(rows)} rows", flush=True)  # type: ignore[arg-type]
    if baseline:
        out += [baseline_read(store, path, runs) for path in sorted(BASELINE.glob("*.rq"))]
    return out


def baseline_read(store: GraphStore, path: Path, runs: int) -> tuple[str, str, float, float, int]:
    """A replaced query shape, in a child process that is stopped after ``BASELINE_TIMEOUT_S``
    (the old links query never finished on the real corpus)."""
    code = ("import sys, time; sys.path.insert(0, sys.argv[1]); from graph.layout import GraphStore; "
            "s = GraphStore(sys.argv[2], read_only=True, base=sys.argv[5]); text = open(sys.argv[3]).read(); n = len(list(s.query(text))); ts = []\n"
            "for _ in range(int(sys.argv[4])):\n t = time.perf_counter(); n = len(list(s.query(text))); ts.append(1000 * (time.perf_counter() - t))\n"
            "print(min(ts), sorted(ts)[len(ts) // 2], n)")
    store.backend.ox.flush()  # type: ignore[attr-defined]
    try:
        done = subprocess.run([sys.executable, "-c", code, str(ROOT), str(store.backend.path.parent), str(path), str(runs),  # type: ignore[attr-defined]
                               store.iris.base], capture_output=True, text=True, timeout=BASELINE_TIMEOUT_S, check=True)
        best, median, n = done.stdout.split()
        row = ("baseline", path.stem, float(best), float(median), int(n))
    except subprocess.TimeoutExpired:
        row = ("baseline", f"{path.stem} (stopped after {BASELINE_TIMEOUT_S} s)", BASELINE_TIMEOUT_S * 1000.0, float("nan"), -1)
    print(f"  baseline {row[1]}: {row[2]:.0f} ms, {row[4]} rows", flush=True)
    return row


def report(label: str, rows: list[tuple[str, str, float, float, int]]) -> None:
    print(f"\n### {label}\n\n| read | case | best ms | median ms | rows | target |\n|---|---|---:|---:|---:|---|")
    for kind, name, best, median, n in rows:
        target = TARGETS_MS.get(kind)
        verdict = "" if target is None else ("ok" if best <= target else f"OVER {target}")
        print(f"| {kind} | {name} | {best:.0f} | {median:.0f} | {n} | {verdict} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="an ingested (and linked) policykg data directory")
    ap.add_argument("--factors", default="1,3")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--virtuoso", action="store_true", help="also load x1 into a throwaway Virtuoso")
    ap.add_argument("--no-baseline", action="store_true", help="skip the replaced query shapes")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with GraphStore(args.data, read_only=True) as source:
        base = source.iris.base
        nquads = source.export("nq").decode()
        has_links = source.backend.has_graph(str(source.iris.links_graph))
    if not has_links:
        with GraphStore(None, base=base) as scratch:
            scratch.bulk_load(nquads.encode(), format="nq")
            nquads += scratch_links(scratch)
    work = Path(tempfile.mkdtemp(prefix="read-bench-"))
    growth: dict[str, list[float]] = {}
    for factor in [int(f) for f in args.factors.split(",")]:
        store = GraphStore(work / f"x{factor}", base=base)
        t = time.perf_counter()
        store.bulk_load(replicate(nquads, base, factor).encode(), format="nq")
        stats = store.stats()
        print(f"\nx{factor}: {len(store.documents())} documents, {sum(stats.graphs.values())} triples, "
              f"loaded in {time.perf_counter() - t:.1f} s; links {'computed by policykg link' if has_links else 'MADE UP (see --help)'}")
        rows = reads(store, args.runs, baseline=not args.no_baseline)
        report(f"Oxigraph, x{factor}", rows)
        for kind, name, best, _, _ in rows:
            growth.setdefault(f"{kind}: {name}", []).append(best)
        if args.virtuoso and factor == 1:
            remote_reads(store, args.runs)
        store.close()
    if len(growth) and len(next(iter(growth.values()))) > 1:
        print("\n### growth exponent (best ms ~ size^b between the first and last factor)\n")
        factors = [int(f) for f in args.factors.split(",")]
        lo, hi = factors[0], factors[-1]
        for name, times in growth.items():
            if len(times) > 1 and times[0] > 0:
                print(f"- {name}: b = {math.log(times[-1] / times[0]) / math.log(hi / lo):.2f}")


def scratch_links(store: GraphStore) -> str:
    """The made-up links graph as N-Quads lines."""
    store.replace_graph(store.iris.links_graph, made_up_links(store))
    return store.export("nq", graph="links").decode()


def remote_reads(store: GraphStore, runs: int) -> None:
    from tests.graph import virtuoso

    server = virtuoso.start(Path(tempfile.mkdtemp(prefix="read-bench-virtuoso-")))
    if isinstance(server, str):
        print(f"\n(Virtuoso skipped: {server})")
        return
    try:
        remote = GraphStore(SparqlHttpBackend(server.endpoint, user=virtuoso.USER, password=virtuoso.PASSWORD),
                            base=store.iris.base)
        t = time.perf_counter()
        remote.bulk_load(store.export("nq"), format="nq")
        print(f"\nVirtuoso: loaded {len(remote.documents())} documents in {time.perf_counter() - t:.1f} s "
              f"(batches of {remote.backend.batch_triples} triples)")
        report("Virtuoso 7, x1", reads(remote, runs, baseline=False))
        remote.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
