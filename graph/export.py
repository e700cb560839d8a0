"""Serializing quads for export, the same for every store: sorted, so two exports of the same
graph are byte for byte the same."""

from __future__ import annotations

import json
from typing import Literal as TypingLiteral

import pyoxigraph as ox

from graph.backend import RDF_FORMATS
from graph.errors import ExportFormatError
from ontology.loader import context
from ontology.namespaces import PREFIXES

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
