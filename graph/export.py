"""Exporting a store's graphs: which quads a graph name means (``store_quads``), and serializing
them the same for every store: sorted, so two exports of the same graph are byte for byte the same."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib import URIRef

from graph.backend import RDF_FORMATS
from graph.errors import ExportFormatError, UnknownDocumentError
from graph.sparql_text import valid_iri
from ontology.loader import context
from ontology.namespaces import PREFIXES

if TYPE_CHECKING:
    from graph.layout import GraphStore

ExportFormat = TypingLiteral["ttl", "nt", "trig", "nq", "jsonld"]
EXPORT_FORMATS: tuple[str, ...] = ("ttl", "nt", "trig", "nq", "jsonld")


def check_format(format: str) -> None:
    if format not in EXPORT_FORMATS:
        raise ExportFormatError(f"Unknown export format '{format}'; use one of {', '.join(EXPORT_FORMATS)}.")


def serialize_quads(quads: list[ox.Quad], format: str) -> bytes:
    """Quads as ttl | nt (triples, merged) | trig | nq | jsonld (compacted with the project's context)."""
    check_format(format)
    quads = sorted(quads, key=lambda q: (q.graph_name.value, q.subject.value, q.predicate.value, str(q.object)))
    if format in ("ttl", "nt"):
        triples = list(dict.fromkeys(q.triple for q in quads))
        return ox.serialize(triples, format=RDF_FORMATS[format], prefixes=PREFIXES if format == "ttl" else None)
    if format in ("trig", "nq"):
        return ox.serialize(quads, format=RDF_FORMATS[format], prefixes=PREFIXES if format == "trig" else None)
    from pyld import jsonld  # with requests, 0.1 s of every start-up; only JSON-LD export needs it

    nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8")
    expanded = jsonld.from_rdf(nquads, {"format": "application/n-quads"})
    return json.dumps(jsonld.compact(expanded, context()), ensure_ascii=False, indent=1).encode("utf-8")


def graph_iri(store: GraphStore, graph: str) -> URIRef:
    """The IRI a graph name means: a document id, 'links', 'ontology', 'agencies' or an IRI in the store."""
    if graph.startswith(("http://", "https://", "urn:")):
        iri = URIRef(graph)
    elif graph in ("links", "ontology", "agencies"):
        iri = {"links": store.iris.links_graph, "ontology": store.iris.ontology_graph,
               "agencies": store.iris.agencies_graph}[graph]
    else:
        iri = store.iris.document_graph(graph)
    if not valid_iri(str(iri)) or not store.backend.has_graph(str(iri)):
        raise UnknownDocumentError(f"No graph '{graph}' in the store; see \"policykg stats\" for the documents.")
    return iri


def store_quads(store: GraphStore, graph: str | None = None, *, include_ontology: bool = False
                ) -> list[ox.Quad]:
    """The quads of one graph (document id, 'agencies', 'ontology' or a graph IRI), of every links
    graph ('links') or of all data graphs (documents, agencies, links). A document's graph refers to its agencies by IRI;
    their names are in the agencies graph."""
    if graph == "links":
        graphs = store.links_graphs()
    elif graph is not None:
        graphs = [str(graph_iri(store, graph))]
    else:
        fixed = [store.iris.agencies_graph] + ([store.iris.ontology_graph] if include_ontology else [])
        graphs = (sorted(store._versions()) + [str(g) for g in fixed if store.backend.has_graph(str(g))]
                  + store.links_graphs())
    return [q for g in graphs for q in store.backend.quads(g)]
