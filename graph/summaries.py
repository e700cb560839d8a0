"""What the store reports: an ingest's counts and the store's statistics."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from rdflib import URIRef

from graph.build import BuiltDocument

_COUNTED = ("provisions", "tasks", "actions", "targets", "citations", "citations_resolved")
"""What a ``BuiltDocument`` counts and an ingest sums."""
STAT_CLASSES = ("documents", "provisions", "tasks", "actions", "targets", "citations", "agencies", "alignments")


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
    write_state: str = ""
    _agencies: set[URIRef] = field(default_factory=set, repr=False)

    def add(self, built: BuiltDocument) -> None:
        self.documents += 1
        for name in _COUNTED:
            setattr(self, name, getattr(self, name) + getattr(built, name))
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
    quads: int  # all quads of the data graphs (the meta graph's excluded)
    graphs: dict[str, int]  # graph IRI -> triple count
    counts: dict[str, int]  # class local name -> instances (documents, provisions, tasks, ...)
    write_state: str  # the store's write counter (GraphStore.write_state)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)
