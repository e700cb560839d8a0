"""The store interface: what the rest of policykg uses of a graph store, and nothing more.

Two implementations: ``graph.store.GraphStore`` (embedded Oxigraph, the default) and
``graph.remote.RemoteStore`` (any SPARQL 1.1 Query + Update server, e.g. Virtuoso). Both raise
the errors defined here (re-exported by ``graph.store``, where the rest of the code imports them
from), return rdflib ``Result`` objects from ``query`` and pyoxigraph quads from ``export_quads``.

``open_store`` in ``graph.store`` picks one from a store spec (the ``store`` setting,
``POLICYKG_STORE``): ``oxigraph`` (in the data directory), ``oxigraph:PATH`` or
``sparql+http://host:port/sparql`` (credentials from ``POLICYKG_STORE_USER`` and
``POLICYKG_STORE_PASSWORD``, never from the spec).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal as TypingLiteral
from typing import Protocol, runtime_checkable

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.query import Result
from rdflib.term import Node

from common import errors
from graph.build import BuiltDocument, Catalog, Triple
from graph.iris import Iris
from ingest.model import Document

ExportFormat = TypingLiteral["ttl", "nt", "trig", "nq", "jsonld"]
EXPORT_FORMATS: tuple[str, ...] = ("ttl", "nt", "trig", "nq", "jsonld")

_UPDATE_KEYWORDS = re.compile(
    r"^\s*(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE)
_PROLOGUE = re.compile(r"^\s*(?:(?:#[^\n]*\n)|(?:BASE\s*<[^>]*>)|(?:PREFIX\s+[^\s:]*:\s*<[^>]*>)|\s+)*",
                       re.IGNORECASE)


# ---------------------------------------------------------------- errors


class StoreError(errors.StoreError):
    """Base of the store's errors; the message says what was wrong and what to do next."""


class StoreLockedError(StoreError):
    """Another process (or another handle in this one) holds the store for writing."""

    status = 409
    code = "store-locked"


class QuerySyntaxError(StoreError, errors.QueryError):
    """The SPARQL text does not parse; the message carries the parser's."""

    status = 400
    code = "bad-query"


class UpdateRefusedError(StoreError, errors.ForbiddenError):
    """``query`` was given a SPARQL update; the graph changes only through ingest/remove."""

    status = 403
    code = "update-refused"


class UnknownDocumentError(StoreError, errors.NotFoundError):
    """No named graph for the document id."""

    status = 404
    code = "not-found"


class ExportFormatError(StoreError, errors.InputError):
    """Unknown export format."""

    status = 400
    code = "bad-format"


class ReadOnlyStoreError(StoreError):
    """A write on a store opened read-only."""


class QueryTimeoutError(StoreError):
    """The store did not answer within its timeout (a remote store's partial answer counts as none)."""

    status = 503
    code = "query-timeout"


def refuse_updates(sparql: str) -> None:
    """``UpdateRefusedError`` when ``sparql`` (after its prologue) is a SPARQL update."""
    body = sparql[_PROLOGUE.match(sparql).end():]  # type: ignore[union-attr]
    if _UPDATE_KEYWORDS.match(body):
        raise UpdateRefusedError(
            "This is a SPARQL update; the sparql command only reads. "
            "The graph changes through \"policykg ingest\" and \"policykg remove\"."
        )


# ---------------------------------------------------------------- results


@dataclass
class IngestSummary:
    documents: int = 0
    provisions: int = 0
    tasks: int = 0
    actions: int = 0
    targets: int = 0
    citations: int = 0
    citations_resolved: int = 0
    agencies: int = 0
    triples: int = 0
    graph_state: str = ""
    _agencies: set[URIRef] = field(default_factory=set, repr=False)

    def add(self, built: BuiltDocument) -> None:
        self.documents += 1
        self.provisions += built.provisions
        self.tasks += built.tasks
        self.actions += built.actions
        self.targets += built.targets
        self.citations += built.citations
        self.citations_resolved += built.citations_resolved
        self.triples += len(built.triples)
        self._agencies |= built.agencies
        self.agencies = len(self._agencies)

    def to_dict(self) -> dict[str, int | str]:
        d = asdict(self)
        d.pop("_agencies")
        return d


@dataclass
class StoreStats:
    documents: int
    quads: int  # all quads except the meta graph's
    graphs: dict[str, int]  # graph IRI -> triple count
    counts: dict[str, int]  # class local name -> instances (documents, provisions, tasks, ...)
    graph_state: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


STAT_CLASSES = ("documents", "provisions", "tasks", "actions", "targets", "citations", "agencies", "alignments")


# ---------------------------------------------------------------- the interface


@runtime_checkable
class Store(Protocol):
    """A named-graph RDF store for policykg: one graph per document, plus agencies, links,
    ontology and a meta graph holding the write counter. Writes replace whole graphs."""

    iris: Iris
    read_only: bool
    closed: bool

    # lifecycle
    def close(self) -> None: ...
    def __enter__(self) -> Store: ...
    def __exit__(self, *exc: object) -> None: ...

    # state: a token that changes on every write ("0" for an empty store)
    def graph_state(self) -> str: ...

    # writes
    def replace_graph(self, graph: URIRef, triples: Iterable[Triple]) -> str: ...
    def replace_document(self, doc: Document, *, catalog: Catalog | None = None) -> BuiltDocument: ...
    def ingest(self, docs: Iterable[Document], *,
               progress: Callable[[Document, BuiltDocument], None] | None = None) -> IngestSummary: ...
    def remove_document(self, doc_id: str) -> str: ...
    def bulk_load(self, source: Path | bytes, *, format: str = "nq", graph: URIRef | None = None) -> str: ...

    # reads
    def query(self, sparql: str, *, bindings: Mapping[str, Node] | None = None) -> Result: ...
    def documents(self) -> list[str]: ...
    def catalog(self) -> Catalog: ...
    def stats(self) -> StoreStats: ...
    def export_quads(self, graph: str | None = None, *, include_ontology: bool = False) -> list[ox.Quad]: ...
    def export(self, format: str, graph: str | None = None, *, include_ontology: bool = False) -> bytes: ...
