"""Graph store benchmark: the project's store (Oxigraph on disk, rdflib results) against
rdflib's default in-memory store, on a synthetic corpus made from the real provisions.

    python bench/graph_bench.py                 # 100k and 1M triples
    python bench/graph_bench.py --quick         # 100k only
    python bench/graph_bench.py --triples 300000 --sizes 100000,300000

The generator copies the parsed corpus documents (their provisions, actions, targets, agency
mentions; text unchanged) under new ids, regions, years and 文号, adds a lead agency to every
local task (the extractor finds few leads in the real texts), makes local documents cite
national ones by 文号, and writes computed links (pkg:Alignment + eli:implements) from local
tasks to national tasks, so every cookbook query has work to do. Triples are built by
graph.build (the real builder) and written as N-Quads; the project store bulk-loads them, the
rdflib store parses them with rdflib's own parser (the ox parser would turn plain literals into
xsd:string there). Each cookbook query runs on both; answers are compared by row count.
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import resource
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402
from rdflib import Dataset, URIRef  # noqa: E402

from graph.build import Catalog, alignment_triples, build_document  # noqa: E402
from graph.iris import Iris, document_iri  # noqa: E402
from graph.queries import list_queries, load_query  # noqa: E402
from graph.store import GraphStore  # noqa: E402
from graph.terms import ox_triples  # noqa: E402
from ingest.model import Agency, Citation, Document  # noqa: E402
from ontology.loader import vocabulary_graph  # noqa: E402
from ontology.namespaces import METHOD  # noqa: E402

REGIONS = [("广东省", "provincial", "广东省"), ("江苏省", "provincial", "江苏省"), ("浙江省", "provincial", "浙江省"),
           ("广东省广州市", "municipal", "广州市"), ("广东省深圳市", "municipal", "深圳市")]
RDFLIB_RUNS = 3
OX_RUNS = 15
RDFLIB_TIMEOUT_S = 120


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# ---------------------------------------------------------------- generator


@dataclass
class Synthetic:
    nquads: Path
    triples: int
    documents: int
    params: dict[str, dict[str, str]] = field(default_factory=dict)


def _templates() -> list[Document]:
    from ingest.pipeline import load_corpus

    return [d for d in load_corpus(ROOT / "corpus") if d.provisions]


def generate(target_triples: int, out: Path, *, seed: int = 7) -> Synthetic:
    rng = random.Random(seed)
    templates = _templates()
    national_t = [d for d in templates if d.metadata.level == "national"]
    local_t = [d for d in templates if d.metadata.level != "national"]
    iris = Iris()
    docs: list[Document] = []
    est = 0
    n = 0
    national_numbers: list[str] = []
    while est < target_triples:
        n += 1
        is_national = n % 3 == 1
        src = rng.choice(national_t if is_national else local_t)
        doc = copy.deepcopy(src)
        year = str(rng.randint(2016, 2025))
        doc.id = f"syn-{n:06d}-{src.id[:40]}"
        m = doc.metadata
        m.date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if is_national:
            m.doc_number = f"工信部消费〔{year}〕{n}号"
            m.region, m.level = "全国", "national"
            national_numbers.append(m.doc_number)
        else:
            region, level, short = rng.choice(REGIONS)
            m.region, m.level, m.doc_number = region, level, None
            dept = "工业和信息化厅" if level == "provincial" else "工业和信息化局"
            for prov in doc.provisions:
                if prov.actions or prov.targets:
                    prov.agencies = [*prov.agencies, Agency(name=f"{short}{dept}", role="lead", mention=prov.text[:2],
                                                            start=prov.start, end=min(prov.start + 2, prov.end))]
            if national_numbers:
                for number in rng.sample(national_numbers, min(2, len(national_numbers))):
                    doc.citations = [*doc.citations, Citation(relation="贯彻落实", title=None, doc_number=number,
                                                              start=0, end=min(5, len(doc.text)))]
        m.title = f"{m.title or src.id}（{n}）"
        docs.append(doc)
        est += 290 if is_national else 330

    catalog = Catalog.from_documents(docs, iris=iris)
    national_tasks: list[URIRef] = []
    local_tasks: list[URIRef] = []
    total = 0
    anchor = next(d for d in docs if d.metadata.level == "national" and "2023-fangzhi-fuzhuang-yougongji" in d.id)
    anchor_tasks: list[URIRef] = []
    seen_shared: set[ox.Triple] = set()
    with open(out, "wb") as f:
        for doc in docs:
            built = build_document(doc, iris=iris, catalog=catalog)
            tasks = [s for s, p, o in built.triples if str(o) == "https://w3id.org/policykg/ns#Task"]
            (national_tasks if doc.metadata.level == "national" else local_tasks).extend(tasks)
            if doc is anchor:
                anchor_tasks = tasks
            quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(built.graph))
                     for t in ox_triples(built.triples)]
            quads += [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(iris.agencies_graph))
                      for t in ox_triples(built.shared) if t not in seen_shared]
            seen_shared.update(ox_triples(built.shared))
            f.write(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
            total += len(quads)
        links = []
        pool = national_tasks
        for i, local in enumerate(local_tasks):
            chosen = rng.sample(pool, 2) if i % 4 else [rng.choice(anchor_tasks), rng.choice(pool)]
            for rank, nat in enumerate(chosen, 1):
                links += alignment_triples(local, nat, score=round(0.95 - 0.04 * rank - rng.random() * 0.05, 4),
                                           rank=rank, method=METHOD.hybrid, generated="2026-11-21T12:00:00Z",
                                           model="multilingual-e5-small", implements=rank == 1, iris=iris)
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(iris.links_graph))
                 for t in ox_triples(links)]
        f.write(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
        total += len(quads)
    cited = national_numbers[len(national_numbers) // 2]
    params = {
        "document-tasks": {"docId": anchor.id},
        "agencies-lead": {"agencyName": "广东省工业和信息化厅"},
        "targets-by-region": {"region": "广东省", "deadlineBy": "2025"},
        "documents-citing": {"docNumber": cited},
        "provisions-mentioning": {"term": "设备更新"},
        "local-implementing-national": {"nationalDocId": anchor.id},
        "coverage-by-region": {"nationalDocId": anchor.id},
        "timeline": {"level": "provincial", "fromYear": "2020", "toYear": "2022"},
        "citation-network": {},
    }
    _ = document_iri  # imported for readers: IRIs are the real ones
    return Synthetic(out, total, len(docs), params)


# ---------------------------------------------------------------- runners


class Timeout(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise Timeout


def timed(fn: Callable[[], int], runs: int, *, timeout: int | None = None) -> tuple[list[float], int]:
    times, rows = [], 0
    for _ in range(runs):
        if timeout:
            signal.signal(signal.SIGALRM, _alarm)
            signal.alarm(timeout)
        t = time.perf_counter()
        try:
            rows = fn()
        except Timeout:
            return [float("inf")], -1
        finally:
            if timeout:
                signal.alarm(0)
        times.append(time.perf_counter() - t)
    return times, rows


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def fmt_ms(x: float) -> str:
    return "timeout" if x == float("inf") else f"{x * 1000:9.1f}"


def run_size(target: int, workdir: Path, *, with_rdflib: bool) -> dict[str, object]:
    print(f"\n=== {target:,} triples (target) ===", flush=True)
    t = time.perf_counter()
    syn = generate(target, workdir / f"syn-{target}.nq")
    print(f"generated {syn.triples:,} quads in {syn.documents:,} documents "
          f"({syn.nquads.stat().st_size / 2**20:.0f} MB N-Quads) in {time.perf_counter() - t:.1f} s", flush=True)

    result: dict[str, object] = {"triples": syn.triples}
    data_dir = workdir / f"store-{target}"
    m0 = rss_mb()
    t = time.perf_counter()
    store = GraphStore(data_dir)
    store.bulk_load(syn.nquads, format="nq")
    ox_load = time.perf_counter() - t
    disk = sum(f.stat().st_size for f in data_dir.rglob("*") if f.is_file()) / 2**20
    ox_mem = rss_mb() - m0
    print(f"project store (Oxigraph on disk): bulk load {ox_load:.2f} s, +{ox_mem:.0f} MB RSS, "
          f"{disk:.0f} MB on disk", flush=True)
    result["ox_load"] = ox_load

    rdf: Dataset | None = None
    if with_rdflib:
        m0 = rss_mb()
        t = time.perf_counter()
        rdf = Dataset(default_union=True)
        rdf.parse(syn.nquads, format="nquads")
        vocab = rdf.graph(URIRef("https://w3id.org/policykg/graph/ontology"))
        for tr in vocabulary_graph():
            vocab.add(tr)
        rdf_load = time.perf_counter() - t
        rdf_mem = rss_mb() - m0
        print(f"rdflib default store (in memory): parse {rdf_load:.2f} s, +{rdf_mem:.0f} MB RSS "
              f"(load ratio {rdf_load / ox_load:.1f}x)", flush=True)
        result["rdf_load"] = rdf_load

    print(f"\n{'query':30s} {'rows':>6s} {'ox med ms':>10s} {'ox p95 ms':>10s}"
          + (f" {'rdflib med':>10s} {'rdflib p95':>10s} {'ratio':>7s}" if with_rdflib else ""))
    lat: dict[str, float] = {}
    for q in list_queries():
        params = syn.params.get(q.name, {})
        nq = load_query(q.name)
        bindings = nq.bindings(params)

        def on_ox(nq=nq, bindings=bindings) -> int:
            return len(list(store.query(nq.sparql, bindings=bindings)))

        on_ox()  # warm-up
        ox_times, ox_rows = timed(on_ox, OX_RUNS)
        med = statistics.median(ox_times)
        lat[q.name] = med
        line = f"{q.name:30s} {ox_rows:6d} {fmt_ms(med)} {fmt_ms(p95(ox_times))} "
        if rdf is not None:
            def on_rdf(nq=nq, bindings=bindings, ds=rdf) -> int:
                return len(list(ds.query(nq.sparql, initBindings=bindings)))

            rdf_times, rdf_rows = timed(on_rdf, RDFLIB_RUNS, timeout=RDFLIB_TIMEOUT_S)
            rmed = statistics.median(rdf_times)
            ratio = "n/a" if rmed == float("inf") else f"{rmed / med:6.0f}x"
            flag = "" if rdf_rows in (ox_rows, -1) else f"  ROWS DIFFER: rdflib {rdf_rows}"
            line += f"{fmt_ms(rmed)} {fmt_ms(p95(rdf_times))} {ratio:>7s}{flag}"
        print(line, flush=True)
    result["latency"] = lat
    t = time.perf_counter()
    store.close()
    with GraphStore(data_dir, read_only=True) as ro:
        ro.query("ASK { ?s ?p ?o }")
        print(f"reopen read-only + first query: {(time.perf_counter() - t) * 1000:.0f} ms")
    del rdf
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=1_000_000, help="largest size (default 1M)")
    ap.add_argument("--sizes", type=str, default=None, help="comma-separated sizes (default 100k and --triples)")
    ap.add_argument("--quick", action="store_true", help="100k triples only")
    ap.add_argument("--no-rdflib", action="store_true", help="skip rdflib's default store")
    ap.add_argument("--keep", type=Path, default=None, help="work directory to keep (default: a temporary one)")
    args = ap.parse_args()
    sizes = [100_000] if args.quick else (
        [int(s) for s in args.sizes.split(",")] if args.sizes else sorted({100_000, args.triples}))
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="policykg-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"policykg graph bench — {os.cpu_count()} CPUs, peak RSS so far "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, work dir {workdir}")
    results = [run_size(s, workdir, with_rdflib=not args.no_rdflib) for s in sizes]
    if len(results) > 1:
        a, b = results[0], results[-1]
        grow = b["triples"] / a["triples"]  # type: ignore[operator]
        print(f"\n=== growth {a['triples']:,} -> {b['triples']:,} triples ({grow:.1f}x data) ===")
        print(f"project store load: {a['ox_load']:.2f} s -> {b['ox_load']:.2f} s "
              f"({b['ox_load'] / a['ox_load']:.1f}x)")  # type: ignore[operator]
        if "rdf_load" in a and "rdf_load" in b:
            print(f"rdflib load:        {a['rdf_load']:.2f} s -> {b['rdf_load']:.2f} s "
                  f"({b['rdf_load'] / a['rdf_load']:.1f}x)")  # type: ignore[operator]
        for name, t0 in a["latency"].items():  # type: ignore[union-attr]
            t1 = b["latency"][name]  # type: ignore[index]
            print(f"  {name:30s} {t0 * 1000:8.1f} ms -> {t1 * 1000:8.1f} ms ({t1 / t0:.1f}x)")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if args.keep is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
