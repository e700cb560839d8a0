"""The store-agnostic graph tests, run on every backend: embedded Oxigraph and a real Virtuoso.

Virtuoso is started once per session (``tests/graph/virtuoso.py``); where it is not installed the
Virtuoso cases skip with the reason, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from graph.backend import Backend
from graph.backends.oxigraph import OxigraphBackend
from graph.backends.sparql_http import SparqlHttpBackend, split_update
from graph.build import alignment_triples, build_document
from graph.errors import QuerySyntaxError, UnknownDocumentError, UpdateRefusedError
from graph.iris import DEFAULT_BASE
from graph.queries import EXAMPLES, internal_query, list_queries, load_query
from graph.sparql_text import with_values
from graph.store import GraphStore, open_store
from ingest.model import Document
from ontology.namespaces import METHOD

from . import virtuoso
from .conftest import guangdong_jiedu, national_87, sample_documents

BACKENDS = ["oxigraph", "virtuoso"]
REAL = Path(__file__).resolve().parents[2].parent / "shared" / "realcorpus"


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[virtuoso.Virtuoso]:
    server = virtuoso.start(tmp_path_factory.mktemp("virtuoso"))
    if isinstance(server, str):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the Virtuoso tests: {server}")
        pytest.skip(server)
    yield server
    server.stop()


def _remote(server: virtuoso.Virtuoso, **kw: object) -> GraphStore:
    server.wipe(f"{DEFAULT_BASE}/graph/")
    backend = SparqlHttpBackend(server.endpoint, user=virtuoso.USER, password=virtuoso.PASSWORD, **kw)  # type: ignore[arg-type]
    return GraphStore(backend, base=DEFAULT_BASE)


def _open(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> GraphStore:
    if backend == "virtuoso":
        return _remote(request.getfixturevalue("virtuoso_server"))
    return GraphStore(tmp_path / "data")


@pytest.fixture(params=BACKENDS)
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    s = _open(request.param, request, tmp_path)
    yield s
    s.close()


@pytest.fixture
def loaded(any_store: GraphStore) -> GraphStore:
    any_store.ingest(sample_documents())
    return any_store


def _doc_graphs(store: GraphStore) -> dict[str, int]:
    return {g: n for g, n in store.stats().graphs.items() if "/graph/doc/" in g}


# ---------------------------------------------------------------- writes


def test_both_stores_implement_the_interface(any_store: GraphStore) -> None:
    assert isinstance(any_store.backend, Backend)


def test_ingest_writes_one_named_graph_per_document(any_store: GraphStore) -> None:
    s = any_store.ingest(sample_documents())
    assert (s.documents, s.provisions, s.tasks, s.actions, s.targets, s.citations, s.citations_resolved) == (
        4, 14, 8, 8, 4, 3, 1)
    graphs = _doc_graphs(any_store)
    assert sorted(graphs) == sorted(str(any_store.iris.document_graph(d.id)) for d in sample_documents())
    assert sum(graphs.values()) == s.triples
    assert any_store.documents() == sorted(d.id for d in sample_documents())
    assert any_store.stats().counts["agencies"] == 5


def test_reingest_gives_the_same_triple_count(loaded: GraphStore) -> None:
    before, state = _doc_graphs(loaded), loaded.write_state()
    loaded.replace_document(national_87())
    loaded.ingest(sample_documents())
    assert _doc_graphs(loaded) == before
    assert loaded.write_state() != state


def test_remove_deletes_only_that_graph(loaded: GraphStore) -> None:
    doc = national_87()
    gone = str(loaded.iris.document_graph(doc.id))
    others = {g: n for g, n in _doc_graphs(loaded).items() if g != gone}
    loaded.remove_document(doc.id)
    assert _doc_graphs(loaded) == others and doc.id not in loaded.documents()
    names = {str(r.n) for r in loaded.query("SELECT ?n WHERE { ?a a org:Organization ; skos:prefLabel ?n }")}
    assert "商务部办公厅" not in names and "工业和信息化部办公厅" in names
    with pytest.raises(UnknownDocumentError, match="No document"):
        loaded.remove_document(doc.id)


# ---------------------------------------------------------------- reads and refusals


@pytest.mark.parametrize("text", [
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "PREFIX x: <http://x#>\n# a comment\nDELETE WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
    "CLEAR ALL",
])
def test_updates_are_refused(loaded: GraphStore, text: str) -> None:
    state = loaded.write_state()
    with pytest.raises(UpdateRefusedError):
        loaded.query(text)
    assert loaded.write_state() == state


def test_remote_refuses_service_and_server_pragmas(virtuoso_server: virtuoso.Virtuoso) -> None:
    with _remote(virtuoso_server) as store:
        for text in ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
                     "DEFINE get:soft \"replace\" SELECT * FROM <http://example.org/> WHERE { ?s ?p ?o }",
                     "SELECT (bif:file_to_string('/etc/passwd') AS ?x) WHERE {}"):
            with pytest.raises(UpdateRefusedError):
                store.query(text)
        # the word inside a string or IRI is no reason to refuse
        assert store.query('ASK { FILTER("SERVICE bif:x" != "") }').askAnswer is True


def test_malformed_sparql_is_a_syntax_error(loaded: GraphStore) -> None:
    with pytest.raises(QuerySyntaxError, match="SPARQL syntax error"):
        loaded.query("SELECT * WHERE { ?s ?p }")


def test_bindings_select_without_formatting(loaded: GraphStore) -> None:
    q = "SELECT ?d ?n WHERE { ?d <http://data.europa.eu/eli/ontology#id_local> ?n }"
    rows = list(loaded.query(q, bindings={"n": Literal("工信厅联消费函〔2023〕87号")}))
    assert [str(r.d).rsplit("/", 1)[-1] for r in rows] == [national_87().id]
    assert list(loaded.query(q, bindings={"n": Literal('x" } } ; DROP ALL ; #')})) == []


def test_values_go_into_the_where_group_and_projecting_subselects() -> None:
    q = ("SELECT ?a ?b WHERE { { SELECT ?a ?c WHERE { ?a ?p ?c FILTER(?a = ?b) } } "
         "{ SELECT ?c WHERE { ?c ?q ?b } } }")
    out = with_values(q, {"a": URIRef("http://x/a"), "b": Literal("中")})
    assert out.count("VALUES (?a ?b)") == 1 and out.count("VALUES (?a)") == 1
    assert 'SELECT ?c WHERE { ?c' in out
    with pytest.raises(QuerySyntaxError, match="not a valid IRI"):
        with_values(q, {"a": URIRef("http://x/a> } DROP ALL")})


def test_ask_and_construct(loaded: GraphStore) -> None:
    assert loaded.query("ASK { ?x a <https://w3id.org/policykg/ns#Target> }").askAnswer is True
    g = loaded.query("CONSTRUCT { ?d ?p ?o } WHERE { ?d a <http://data.europa.eu/eli/ontology#LegalResource> ; ?p ?o }")
    assert len(g.graph) > 20


# ---------------------------------------------------------------- the same data and answers on both


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest,
         corpus_docs: dict[str, Document]) -> Iterator[tuple[GraphStore, GraphStore]]:
    """The corpus plus a few computed links, in both stores."""
    server = request.getfixturevalue("virtuoso_server")
    embedded = GraphStore(tmp_path_factory.mktemp("pair") / "data")
    remote = _remote(server)
    nat = build_document(national_87()).document
    gd = build_document(guangdong_jiedu()).document
    links = [
        *alignment_triples(URIRef(f"{gd}/part2"), URIRef(f"{nat}/2-1"), score=0.91, rank=1, method=METHOD.hybrid,
                           generated="2026-11-21T12:00:00Z", model="multilingual-e5-small", evidence="设备更新",
                           implements=True),
        *alignment_triples(URIRef(f"{gd}/part1"), URIRef(f"{nat}/2-1"), score=0.84, rank=2, method=METHOD.dense,
                           generated="2026-11-21T12:00:00Z"),
    ]
    for store in (embedded, remote):
        store.ingest(list(corpus_docs.values()))
        store.replace_graph(store.iris.links_graph, links)
    yield embedded, remote
    embedded.close()
    remote.close()


def _same(q: ox.Quad) -> str:
    """A quad as text, with Virtuoso's one known change: an integral xsd:decimal comes back as xsd:integer."""
    return str(q).replace(f"^^<{XSD.decimal}>", f"^^<{XSD.integer}>")


def test_both_stores_export_the_same_quads(pair: tuple[GraphStore, GraphStore]) -> None:
    embedded, remote = pair
    assert embedded.stats().graphs == remote.stats().graphs
    assert embedded.stats().counts == remote.stats().counts
    assert {_same(q) for q in embedded.export_quads()} == {_same(q) for q in remote.export_quads()}
    doc = national_87().id
    assert len(embedded.export("nt", doc).splitlines()) == len(remote.export("nt", doc).splitlines())
    with pytest.raises(UnknownDocumentError):
        remote.export("ttl", "no-such-doc")


def _norm_rows(store: GraphStore, sparql: str, bindings: dict[str, object]) -> list[tuple[tuple[str, str], ...]]:
    result = store.query(sparql, bindings=bindings)  # type: ignore[arg-type]
    out = []
    for row in result:
        cells = []
        for v in result.vars:
            term = row[v]
            text = "" if term is None else str(term)
            kind = type(term).__name__
            if isinstance(term, Literal) and term.datatype in (XSD.integer, XSD.decimal):
                kind, text = "number", format(Decimal(str(term)).normalize(), "f")
            if "、" in text or " | " in text:  # GROUP_CONCAT: the order of the parts is the engine's
                text = "、".join(sorted(text.replace(" | ", "、").split("、")))
            cells.append((str(v), f"{kind}:{text}"))
        out.append(tuple(cells))
    return sorted(out)


SAMPLES = {
    **EXAMPLES,
    "agencies-lead": {"agencyName": "广东省工业和信息化厅"},
    "coverage-by-region": {"nationalDocId": "2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"},
    "local-implementing-national": {"nationalDocId": "2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi",
                                    "minScore": "0.8"},
    "targets-by-region": {"region": "440000", "deadlineBy": "2025"},
}


@pytest.mark.parametrize("name", [q.name for q in list_queries()])
@pytest.mark.parametrize("with_params", [False, True], ids=["all", "params"])
def test_cookbook_gives_the_same_rows(pair: tuple[GraphStore, GraphStore], name: str, with_params: bool) -> None:
    q = load_query(name)
    params = SAMPLES.get(name, {}) if with_params else {p.name: SAMPLES[name][p.name] for p in q.parameters
                                                         if p.required}
    bindings = q.bindings(params)
    embedded, remote = pair
    rows = _norm_rows(embedded, q.sparql, bindings)
    assert rows == _norm_rows(remote, q.sparql, bindings)
    if with_params or not q.parameters:
        # the corpus has no leads for that agency nor Guangdong targets due by 2025, and the two
        # sample links point at provisions of the hand-made samples, not of the corpus
        assert rows or name in ("agencies-lead", "targets-by-region", "local-implementing-national"), name


def test_a_chinese_parameter_value_matches_on_both_stores(pair: tuple[GraphStore, GraphStore]) -> None:
    """A non-ASCII value bound on the remote store must match as it does on the embedded one."""
    q = load_query("targets-by-region")
    bindings = q.bindings({"region": "广东省"})
    embedded, remote = pair
    rows = _norm_rows(embedded, q.sparql, bindings)
    assert rows
    assert _norm_rows(remote, q.sparql, bindings) == rows


@pytest.mark.parametrize(("name", "focus"), [
    ("document-units", "g:gd-graph"), ("document-unit-meta", "g:gd-graph"), ("documents", None), ("coverage", None),
    ("national-tasks", None), ("links", None),
    ("entity-properties", "s:nat"), ("entity-facts", "s:nat-part"), ("entity-alignments", "s:nat-part"),
    ("entity-mentions", "s:agency"), ("document-tree", "doc:nat"), ("document-facts", "doc:gd"),
    ("citations", None), ("document-catalog", None), ("copy-groups", None),
])
def test_internal_queries_give_the_same_rows(pair: tuple[GraphStore, GraphStore], name: str, focus: str | None) -> None:
    embedded, remote = pair
    nat = build_document(national_87()).document
    gd = build_document(guangdong_jiedu()).document
    iri = {"nat": nat, "gd": gd, "nat-part": URIRef(f"{nat}/2-1"), "gd-graph": build_document(guangdong_jiedu()).graph,
           "agency": embedded.iris.agency("广东省工业和信息化厅")}
    bindings = {} if focus is None else {focus.split(":")[0]: iri[focus.split(":")[1]]}
    rows = _norm_rows(embedded, internal_query(name), bindings)
    assert rows or name in ("links", "entity-alignments", "copy-groups", "coverage")  # the pair's links have no local document
    assert rows == _norm_rows(remote, internal_query(name), bindings)


# ---------------------------------------------------------------- bulk loading


def test_bulk_load_resumes_after_a_failure_without_duplicates(virtuoso_server: virtuoso.Virtuoso,
                                                              tmp_path: Path) -> None:
    with GraphStore(None) as embedded:
        embedded.ingest(sample_documents())
        data = embedded.export("nq")
        expected = {_same(q) for q in embedded.export_quads()}
    with _remote(virtuoso_server, batch_triples=200) as store:
        seen: list[int] = []

        def fail_after_two(n: int) -> None:
            seen.append(n)
            if len(seen) == 2:
                raise ConnectionError("network gone")

        with pytest.raises(ConnectionError):
            store.bulk_load(data, progress=fail_after_two)
        resumed: list[int] = []
        store.bulk_load(data, progress=resumed.append)
        assert resumed[0] > seen[1]  # continued after the two batches the server acknowledged
        assert {_same(q) for q in store.export_quads()} == expected
        assert sum(_doc_graphs(store).values()) == sum(1 for q in expected if "/graph/doc/" in q)
        assert store.documents() == sorted(d.id for d in sample_documents())
        state = store.write_state()
        store.bulk_load(data, progress=resumed.append)  # a finished load is not repeated
        assert store.write_state() == state


def test_rerun_ingest_skips_documents_already_written(virtuoso_server: virtuoso.Virtuoso) -> None:
    with _remote(virtuoso_server) as store:
        store.ingest(sample_documents()[:2])
        writes: list[str] = []
        original = store.backend.update

        def counting(update: str) -> None:
            writes.append(update)
            original(update)

        store.backend.update = counting  # type: ignore[method-assign]
        store.ingest(sample_documents())
        assert len(writes) == 1 and "DROP SILENT GRAPH" in writes[0]
        assert writes[0].count("DROP SILENT GRAPH") == 2  # only the two new documents


def _largest_real_document() -> Document:
    from ingest.pipeline import parse_file

    if not (REAL / "national").is_dir():
        pytest.skip(f"the real corpus is not at {REAL}")
    return parse_file(max((REAL / "national").glob("*.txt"), key=lambda p: p.stat().st_size))


def test_a_large_request_is_staged_in_bounded_loads_then_swapped_in_one() -> None:
    body = "".join(f"<http://x/s{i}> <http://x/p> \"值 ;\\n{i}\" .\n" for i in range(450))
    ops = ["DROP SILENT GRAPH <http://x/g>", f"INSERT DATA {{ GRAPH <http://x/g> {{\n{body}}} }}",
           "INSERT DATA { GRAPH <http://x/m> {\n<http://x/g> <http://x/v> \"1\" .\n} }"]
    loads, swap = split_update(" ;\n".join(ops), 200)
    inserts = [load for load in loads if load.startswith("INSERT DATA")]
    assert [load.count(" .\n") for load in inserts] == [200, 200, 50]
    assert "".join(load.split("{\n", 1)[1].removesuffix("} }") for load in inserts) == body
    assert swap.startswith("DROP SILENT GRAPH <http://x/g> ;\nADD SILENT GRAPH <urn:policykg:staging:")
    assert swap.endswith(ops[2]) and "值" not in swap
    assert split_update(" ;\n".join(ops[:1] + ops[2:]), 200) == ([], " ;\n".join(ops[:1] + ops[2:]))
    two_graphs = f"INSERT DATA {{ GRAPH <http://x/a> {{\n{body}}} GRAPH <http://x/b> {{\n{body}}} }}"
    assert split_update(two_graphs, 200) == ([], two_graphs)  # a bulk-load batch is bounded by its sender


@pytest.mark.parametrize("source", ["bundled, batches of 30", "real, over 1,500 quads"])
def test_remote_store_takes_a_document_larger_than_one_request(virtuoso_server: virtuoso.Virtuoso,
                                                               source: str) -> None:
    if source.startswith("real"):
        doc, batch = _largest_real_document(), None
    else:
        doc, batch = max(sample_documents(), key=lambda d: len(d.text)), 30
    with GraphStore(None) as embedded:
        embedded.ingest([doc])
        expected = {_same(q) for q in embedded.export_quads() if "/graph/doc/" in str(q.graph_name)}
    kw = {"batch_triples": batch} if batch else {}
    with _remote(virtuoso_server, **kw) as store:
        sent: list[str] = []
        original = store.backend._send_update  # type: ignore[attr-defined]
        store.backend._send_update = lambda u: (sent.append(u), original(u))[1]  # type: ignore[attr-defined]
        store.ingest([doc])
        assert len(expected) > (1_500 if batch is None else 4 * batch)
        assert len(sent) > 2 and max(u.count(" .\n") for u in sent) <= store.backend.batch_triples
        assert {_same(q) for q in store.export_quads() if "/graph/doc/" in str(q.graph_name)} == expected
        assert not [g for g in store.backend.graphs("urn:policykg:staging:")]
        store.ingest([doc])  # unchanged: skipped
        store.replace_document(doc)  # replaced through staging again: same triples, no leftovers
        assert {_same(q) for q in store.export_quads() if "/graph/doc/" in str(q.graph_name)} == expected


# ---------------------------------------------------------------- the factory and the service


def test_open_store_dispatches_on_the_store_setting(virtuoso_server: virtuoso.Virtuoso, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(open_store(tmp_path, store="oxigraph").backend, OxigraphBackend)
    assert isinstance(open_store(store=f"oxigraph:{tmp_path / 'other'}").backend, OxigraphBackend)
    monkeypatch.setenv("POLICYKG_STORE_USER", virtuoso.USER)
    monkeypatch.setenv("POLICYKG_STORE_PASSWORD", virtuoso.PASSWORD)
    remote = open_store(store=virtuoso_server.spec)
    assert isinstance(remote.backend, SparqlHttpBackend) and remote.backend.virtuoso
    assert remote.backend.update_endpoint.endswith("/sparql-auth")
    remote.close()


@pytest.mark.slow
def test_service_ingests_searches_and_links_on_virtuoso(virtuoso_server: virtuoso.Virtuoso, tmp_path: Path,
                                                        model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.service import Service
    from common.settings import Settings

    virtuoso_server.wipe(f"{DEFAULT_BASE}/graph/")
    monkeypatch.setenv("POLICYKG_STORE_USER", virtuoso.USER)
    monkeypatch.setenv("POLICYKG_STORE_PASSWORD", virtuoso.PASSWORD)
    service = Service(Settings(data=tmp_path, model=str(model_path), store=virtuoso_server.spec,
                               base_iri=DEFAULT_BASE))
    try:
        assert isinstance(service.store.backend, SparqlHttpBackend)
        service.ingest(sample_documents())
        hits = service.search("设备更新", k=3)
        assert hits and any("设备更新" in h.unit.text for h in hits)
        summary = service.link()
        assert summary.implements > 0
        links = service.links().rows
        assert links and all(item["relation"] in ("implements", "correspondsTo") for item in links)
        assert not (tmp_path / "oxigraph").exists()  # the graph is remote; only the index is local
        assert (tmp_path / "index").exists()
    finally:
        service.close()
