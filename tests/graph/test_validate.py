from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from graph.build import build_document
from graph.store import GraphStore
from graph.validate import validate_graph, validate_store
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


def test_broken_graph_fails_with_a_readable_report() -> None:
    built = build_document(guangdong_jiedu())
    g = built.to_graph()
    target = URIRef(f"{built.document}/2/target/1")
    g.remove((target, PKG.quantity, None))  # a target without quantity
    mention = URIRef(f"{built.document}/part2/agency/1")
    g.set((mention, PKG.role, ROLE.lead))
    g.add((mention, PKG.role, URIRef("https://w3id.org/policykg/scheme/role/boss")))  # unknown role, twice
    g.set((URIRef(f"{built.document}/part2"), PKG.start, Literal(10_000)))  # start after end
    g.add((URIRef(f"{built.document}/1"), RDF.type, PKG.Task))  # a task with nothing to do, not a provision
    report = validate_graph(g)
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
