"""Linked-entity JSON-LD (``graph.entities``): the direct compaction gives pyld's answer."""

from __future__ import annotations

from rdflib import URIRef

from graph import views
from graph.entities import NodeBuilder, _shape, compact_with_pyld
from graph.queries import internal_query
from graph.store import GraphStore


def _pyld_nodes(builder: NodeBuilder) -> dict[str, dict]:
    expanded = [{"@id": s, **props} for s, props in builder.props.items()]
    return {n["@id"]: n for n in map(_shape, compact_with_pyld(expanded))}


def test_direct_compaction_equals_pyld_on_every_document_and_provision(corpus_store: GraphStore) -> None:
    """Every document's own triples, its provisions' (labels of the linked nodes included: numbers,
    paths, titles) and its facts (targets with typed quantities and dates, agency roles)."""
    docs = views.documents(corpus_store)
    assert len(docs) >= 10
    for doc in docs:
        tree = NodeBuilder()
        for row in corpus_store.query(internal_query("document-facts"), bindings={"doc": URIRef(doc["doc"])}):
            tree.add(str(row.f), row.p, row.o, {"prefLabel": row.oLabel})
        own = NodeBuilder()
        subjects = [doc["doc"], *(r.p for r in corpus_store.query(internal_query("document-tree"),
                                                                  bindings={"doc": URIRef(doc["doc"])}))]
        for s in subjects:
            for row in corpus_store.query(internal_query("entity-properties"), bindings={"s": URIRef(s)}):
                own.add(str(s), row.p, row.o, {"title": row.oTitle, "prefLabel": row.oLabel, "path": row.oPath,
                                               "order": row.oOrder})
        for builder in (tree, own):
            assert builder.nodes() == _pyld_nodes(builder)
