"""What one search reads, all of one store state: the unit index, the document index that goes with
it, the names other texts cite documents by, and the copy groups.

Why a value of its own: a server answers searches in more than one process (``api.search_pool``),
and every process must answer from the same state. The writing process makes a snapshot, gives it
a serial, and hands the others what they need to hold the same one: the two index states (the
indexes themselves are read from where the writer saved them) and the two small read models.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from search.citations import CitedNames
from search.documents import DocumentHit, DocumentIndex, collapse_copies
from search.filters import Filters
from search.hybrid import Hit, HybridIndex

_SERIALS = itertools.count(1)


@dataclass(frozen=True)
class Snapshot:
    """One state's search read model; ``serial`` tells snapshots of one process apart."""

    units: HybridIndex
    documents: DocumentIndex
    cited: dict[str, CitedNames]
    copies: dict[str, str]
    serial: int = field(default_factory=lambda: next(_SERIALS))

    def same_parts(self, units: HybridIndex, documents: DocumentIndex, cited: dict[str, CitedNames],
                   copies: dict[str, str]) -> bool:
        """True when this snapshot holds exactly these objects (so its serial still stands for them)."""
        return (self.units is units and self.documents is documents and self.cited is cited
                and self.copies is copies)

    def search(self, query: str, *, k: int, filters: Filters | None) -> list[Hit]:
        """Provisions and actions, best first (``group=provision``)."""
        return self.units.search(query, k=k, filters=filters)

    def search_documents(self, query: str, *, k: int, filters: Filters | None) -> list[DocumentHit]:
        """Documents, best first, one hit per document (copies folded in), each with its best units."""
        hits = self.documents.rank(query, self.units, k=2 * k, filters=filters, cited=self.cited)
        return collapse_copies(hits, self.copies)[:k]
