"""The backend interface: the little a store must do so that ``graph.layout.GraphStore`` can keep
policykg's named-graph layout on it (rdflib's Store-plugin shape: one API, plugins behind it).

A backend reads and writes quads and runs SPARQL; it knows nothing of documents, catalogs,
agencies or write counters. Two implement it: ``graph.backends.oxigraph`` (embedded, the default)
and ``graph.backends.sparql_http`` (any SPARQL 1.1 Query + Update server, e.g. Virtuoso). Both
raise the errors of ``graph.errors``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyoxigraph as ox
from rdflib.query import Result
from rdflib.term import Node

RDF_FORMATS: dict[str, ox.RdfFormat] = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                                        "trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS}
"""The RDF syntaxes stores load and export, by file extension."""


@runtime_checkable
class Backend(Protocol):
    """Quads in named graphs, SPARQL over their union."""

    read_only: bool
    closed: bool
    batch_triples: int | None
    """Most triples one update request may carry (None: no limit); the layout stages bigger writes."""
    exclusive: bool
    """True when no other process can write to the store while this one has it open (an embedded
    store opened for writing): what it last wrote is then what it holds, and reads of the write
    counter can be answered from memory."""

    def query(self, sparql: str, *, bindings: Mapping[str, Node] | None = None,
              prefixes: Mapping[str, str] | None = None) -> Result:
        """Evaluate a read-only query over the union of the named graphs; ``bindings`` (variable
        name -> term) are never formatted into the text as they come; ``prefixes`` are known to
        the query without being declared in it."""
        ...

    def update(self, sparql: str) -> None:
        """Run one SPARQL update request: one transaction on Oxigraph and Virtuoso."""
        ...

    def quads(self, graph: str) -> Iterator[ox.Quad]:
        """Every quad of the named graph ``graph``."""
        ...

    def has_graph(self, graph: str) -> bool: ...

    def graphs(self, prefix: str) -> list[str]:
        """The named graphs whose IRI starts with ``prefix`` (a scan: for upgrades, not for reads)."""
        ...

    def bulk_load(self, source: Path | bytes, *, format: ox.RdfFormat, graph: str | None) -> bool:
        """Load a large file with the store's own loader, outside any transaction; False when the
        backend has none (the layout then sends it in batches of updates)."""
        ...

    def close(self) -> None: ...
