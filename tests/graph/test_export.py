from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from pyld import jsonld
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from graph.errors import ExportFormatError, UnknownDocumentError
from graph.store import GraphStore
from graph.validate import store_graph

from .conftest import national_87


def _ox_to_rdflib(data: bytes, fmt: ox.RdfFormat) -> Graph:
    quads = list(ox.parse(data, format=fmt))
    triples = list(dict.fromkeys(q.triple for q in quads))
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")


def _ox_quads(data: bytes, fmt: ox.RdfFormat) -> set[str]:
    return {str(q) for q in ox.parse(data, format=fmt)}


def test_turtle_reparses_isomorphic_in_rdflib_and_oxigraph(loaded_store: GraphStore) -> None:
    expected = store_graph(loaded_store)
    data = loaded_store.export("ttl")
    assert data.startswith(b"@prefix")
    assert isomorphic(Graph().parse(data=data, format="turtle"), expected)
    assert isomorphic(_ox_to_rdflib(data, ox.RdfFormat.TURTLE), expected)


def test_trig_keeps_named_graphs_and_reparses(loaded_store: GraphStore) -> None:
    data = loaded_store.export("trig")
    quads = loaded_store.export_quads()
    assert _ox_quads(data, ox.RdfFormat.TRIG) == {str(q) for q in quads}
    ds = Dataset()
    ds.parse(data=data, format="trig")
    assert {str(g.identifier) for g in ds.graphs() if len(g)} == {q.graph_name.value for q in quads}
    for g in ds.graphs():
        if len(g):
            assert isomorphic(g, store_graph(loaded_store, graph=str(g.identifier), with_agencies=False))


def test_ntriples_of_one_document(loaded_store: GraphStore) -> None:
    doc_id = national_87().id
    data = loaded_store.export("nt", doc_id)
    assert isomorphic(Graph().parse(data=data, format="nt"), store_graph(loaded_store, graph=doc_id, with_agencies=False))


def test_jsonld_expands_and_compacts_without_loss(loaded_store: GraphStore) -> None:
    doc = json.loads(loaded_store.export("jsonld"))
    assert "@context" in doc
    expanded = jsonld.expand(doc)
    recompacted = jsonld.compact(expanded, doc["@context"])
    back = jsonld.to_rdf(jsonld.expand(recompacted), {"format": "application/n-quads"})
    original = {str(q) for q in loaded_store.export_quads()}
    assert _ox_quads(back.encode(), ox.RdfFormat.N_QUADS) == original


def test_jsonld_uses_the_context_terms(loaded_store: GraphStore) -> None:
    text = loaded_store.export("jsonld", national_87().id).decode()
    for term in ('"partOf"', '"evidenceText"', '"passedBy"', '"docNumber"'):
        assert term in text


def test_unknown_format_and_graph_are_typed_errors(loaded_store: GraphStore) -> None:
    with pytest.raises(ExportFormatError, match="ttl, nt, trig"):
        loaded_store.export("rdfxml")
    with pytest.raises(UnknownDocumentError):
        loaded_store.export("ttl", "no-such-doc")
