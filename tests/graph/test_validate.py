from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from graph.build import build_document
from graph.iris import Iris
from graph.store import GraphStore
from graph.validate import check_document, read_report, store_graph, validate_graph, validate_store
from ontology.loader import shapes_graph, vocabulary_graph
from ontology.namespaces import PKG, ROLE

from .conftest import guangdong_jiedu


def test_sample_graph_conforms(loaded_store: GraphStore) -> None:
    report = validate_store(loaded_store)
    assert report.conforms, report.text()
    assert report.text().startswith("Conforms")


def test_corpus_graph_conforms(corpus_store: GraphStore) -> None:
    report = validate_store(corpus_store)
    assert report.conforms, report.text()
    assert corpus_store.stats().documents == 17


def _broken_graph():
    built = build_document(guangdong_jiedu())
    g = built.to_graph()
    target = URIRef(f"{built.document}/2/target/1")
    g.remove((target, PKG.quantity, None))  # a target without quantity
    mention = URIRef(f"{built.document}/part2/agency/1")
    g.set((mention, PKG.role, ROLE.lead))
    g.add((mention, PKG.role, URIRef("https://w3id.org/policykg/scheme/role/boss")))  # unknown role, twice
    g.set((URIRef(f"{built.document}/part2"), PKG.start, Literal(10_000)))  # start after end
    g.add((URIRef(f"{built.document}/1"), RDF.type, PKG.Task))  # a task with nothing to do, not a provision
    return g


def test_broken_graph_fails_with_a_readable_report() -> None:
    report = validate_graph(_broken_graph())
    assert not report.conforms
    text = report.text()
    assert "Does not conform" in text
    assert "A target has exactly one xsd:decimal quantity." in text
    assert "A provision's span is [start, end) with 0 <= start <= end." in text
    assert "pkg:role" in text
    assert "A pkg:Task must also be an eli:LegalResourceSubdivision." in text
    assert report.violations >= 4


def test_dangling_citation_is_only_a_warning(loaded_store: GraphStore) -> None:
    loaded_store.remove_document("fangzhi-fuzhuang-chuangyi-sheji-shifan-yuanqu-guanli-banfa-2016")
    report = validate_store(loaded_store)
    assert report.conforms
    assert report.warnings >= 1
    assert "re-ingest the citing document" in report.text()


def test_a_document_with_an_action_without_a_verb_is_a_violation() -> None:
    doc = guangdong_jiedu()
    good = check_document(doc, iris=Iris())
    next(p for p in doc.provisions if p.actions).actions[0].verb = ""  # an extractor bug the builder lets through
    report = check_document(doc, iris=Iris())
    assert good.violations == 0
    assert report.violations == 1
    assert "pkg:verb" in report.text()


def _key(report):
    return report.conforms, sorted(((r.severity, r.focus, r.path, r.value, r.message, r.shape) for r in report.results), key=repr)


@pytest.mark.parametrize("graph", ["corpus", "broken"])
def test_engine_reports_what_pyshacl_reports(graph: str, corpus_store: GraphStore) -> None:
    """The engine is pySHACL's API and semantics in Rust: the same results as pySHACL itself,
    on the whole bundled corpus (warnings included) and on a graph with every kind of violation."""
    pyshacl = pytest.importorskip("pyshacl")
    data = store_graph(corpus_store) if graph == "corpus" else _broken_graph()
    mixed = vocabulary_graph()
    for t in data:
        mixed.add(t)
    conforms, report, _ = pyshacl.validate(mixed, shacl_graph=shapes_graph(), inference="none",
                                           allow_warnings=True, advanced=False)
    assert _key(validate_graph(data)) == _key(read_report(conforms, report))
