from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.plugins.sparql import prepareQuery

from graph.errors import (
    QuerySyntaxError,
    ReadOnlyStoreError,
    StoreLockedError,
    UnknownDocumentError,
    UpdateRefusedError,
)
from graph.store import GraphStore
from ingest.model import Document
from ontology.namespaces import PKG

from .conftest import national_87

ROOT = Path(__file__).resolve().parents[2]


def _graph_count(store: GraphStore, doc_id: str) -> int:
    return store.stats().graphs.get(str(store.iris.document_graph(doc_id)), 0)


def test_ingest_summary_counts(store: GraphStore, sample_docs: list[Document]) -> None:
    s = store.ingest(sample_docs)
    assert (s.documents, s.provisions, s.tasks, s.actions, s.targets, s.citations, s.citations_resolved) == (
        4, 14, 8, 8, 4, 3, 1)
    assert s.agencies == 5
    assert s.triples == sum(store.stats().graphs[g] for g in store.stats().graphs if "/graph/doc/" in g)


def test_reingest_replaces_the_graph_with_the_same_triple_count(loaded_store: GraphStore) -> None:
    doc = national_87()
    before = _graph_count(loaded_store, doc.id)
    loaded_store.replace_document(doc)
    loaded_store.replace_document(doc)
    assert _graph_count(loaded_store, doc.id) == before > 100
    assert loaded_store.stats().documents == 4


def test_remove_deletes_only_that_graph(loaded_store: GraphStore) -> None:
    doc = national_87()
    gone = str(loaded_store.iris.document_graph(doc.id))
    others = {g: n for g, n in loaded_store.stats().graphs.items() if "/graph/doc/" in g and g != gone}
    loaded_store.remove_document(doc.id)
    assert doc.id not in loaded_store.documents()
    assert _graph_count(loaded_store, doc.id) == 0
    assert {g: n for g, n in loaded_store.stats().graphs.items() if "/graph/doc/" in g} == others
    # agencies only this document named are gone; shared ones stay
    names = {str(r.n) for r in loaded_store.query("SELECT ?n WHERE { ?a a org:Organization ; skos:prefLabel ?n }")}
    assert "商务部办公厅" not in names and "工业和信息化部办公厅" in names
    with pytest.raises(UnknownDocumentError, match="No document"):
        loaded_store.remove_document(doc.id)


def test_graph_state_changes_on_every_write(store: GraphStore) -> None:
    seen = {store.write_state()}
    store.replace_document(national_87())
    seen.add(store.write_state())
    store.replace_document(national_87())
    seen.add(store.write_state())
    store.remove_document(national_87().id)
    seen.add(store.write_state())
    assert len(seen) == 4


def test_exclusive_store_answers_its_write_state_from_memory_and_follows_its_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every search asks for the write state; only this process can write an embedded store it
    opened for writing, so the state is read once and then kept from its own writes."""
    with GraphStore(tmp_path) as s:
        assert s.backend.exclusive
        state = s.write_state()
        asked: list[str] = []
        real = s.backend.query
        monkeypatch.setattr(s.backend, "query", lambda q, **kw: asked.append(q) or real(q, **kw))
        assert s.write_state() == state and not asked
        s.replace_document(national_87())
        asked.clear()
        after = s.write_state()
        assert after != state and not asked
        stored = s._meta_value(s._meta, PKG.graphState)
        assert stored == after  # what is kept is what the store holds
    with GraphStore(tmp_path, read_only=True) as ro:  # another process may write: read every time
        assert not ro.backend.exclusive
        assert ro.write_state() == after


def test_store_persists_across_reopen(tmp_path: Path) -> None:
    with GraphStore(tmp_path) as s:
        s.replace_document(national_87())
        state = s.write_state()
    with GraphStore(tmp_path) as s:
        assert s.documents() == [national_87().id]
        assert s.write_state() == state


def test_malformed_sparql_gives_the_parser_message(loaded_store: GraphStore) -> None:
    with pytest.raises(QuerySyntaxError, match=r"SPARQL syntax error: error at 1:\d+"):
        loaded_store.query("SELECT * WHERE { ?s ?p }")


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "PREFIX x: <http://x#>\n# a comment\nDELETE WHERE { ?s ?p ?o }",
    "  drop graph <http://a>",
    "CLEAR ALL",
])
def test_updates_are_refused(loaded_store: GraphStore, update: str) -> None:
    state = loaded_store.write_state()
    with pytest.raises(UpdateRefusedError, match="only reads"):
        loaded_store.query(update)
    assert loaded_store.write_state() == state


def test_prepared_queries_are_refused_so_oxigraph_is_never_bypassed(loaded_store: GraphStore) -> None:
    with pytest.raises(TypeError, match="string"):
        loaded_store.query(prepareQuery("SELECT * WHERE { ?s ?p ?o }"))  # type: ignore[arg-type]


def test_query_binds_values_without_formatting(loaded_store: GraphStore) -> None:
    q = "SELECT ?d ?n WHERE { ?d <http://data.europa.eu/eli/ontology#id_local> ?n }"
    rows = list(loaded_store.query(q, bindings={"n": Literal("工信厅联消费函〔2023〕87号")}))
    assert [str(r.d).rsplit("/", 1)[-1] for r in rows] == [national_87().id]


def test_select_ask_construct(loaded_store: GraphStore) -> None:
    assert loaded_store.query("ASK { ?x a <https://w3id.org/policykg/ns#Target> }").askAnswer is True
    g = loaded_store.query("CONSTRUCT { ?d ?p ?o } WHERE { ?d a <http://data.europa.eu/eli/ontology#LegalResource> ; ?p ?o }").graph
    assert len(g) > 20


def test_second_process_gets_a_clear_lock_error(tmp_path: Path) -> None:
    with GraphStore(tmp_path):
        code = ("import sys; from pathlib import Path; from graph.store import GraphStore; from graph.errors import StoreLockedError\n"
                "try:\n    GraphStore(Path(sys.argv[1]))\nexcept StoreLockedError as e:\n    print(e); sys.exit(3)\n")
        r = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                           timeout=60)
        assert r.returncode == 3, r.stderr
        assert "in use by another process" in r.stdout


def test_second_handle_in_process_is_refused(tmp_path: Path) -> None:
    with GraphStore(tmp_path), pytest.raises(StoreLockedError):
        GraphStore(tmp_path)


def test_read_only_store_reads_but_refuses_writes(tmp_path: Path) -> None:
    with GraphStore(tmp_path) as s:
        s.replace_document(national_87())
    with GraphStore(tmp_path, read_only=True) as ro:
        assert ro.documents() == [national_87().id]
        with pytest.raises(ReadOnlyStoreError):
            ro.replace_document(national_87())


def test_unchanged_reingest_writes_nothing(loaded_store: GraphStore, sample_docs: list[Document]) -> None:
    state = loaded_store.write_state()
    summary = loaded_store.ingest(sample_docs)
    assert summary.documents == 4 and summary.write_state == state == loaded_store.write_state()


def test_a_store_written_before_the_registry_lists_its_documents_after_reopening(tmp_path: Path) -> None:
    with GraphStore(tmp_path) as s:
        s.replace_document(national_87())
        meta = f"<{s.iris.meta_graph}>"  # what the older layout did not write: registry and layout version
        s.backend.update(f"DELETE WHERE {{ GRAPH {meta} {{ ?g <http://purl.org/dc/terms/hasVersion> ?h }} }} ; "
                         f"DELETE WHERE {{ GRAPH {meta} {{ {meta} <http://purl.org/dc/terms/conformsTo> ?v }} }}")
        assert s.documents() == []
    with GraphStore(tmp_path) as s:
        assert s.documents() == [national_87().id]
        s.replace_document(national_87())  # its registry entry is replaced, not doubled
        assert s.documents() == [national_87().id]
