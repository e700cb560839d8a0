"""The graph as search sees it: retrieval units, read with SPARQL.

The index is derived from the graph, so it records a hash of exactly what it was built from
(the units); a change to any provision, action or document field that search uses makes the
index stale, while writing the links graph does not.
"""

from __future__ import annotations

import hashlib
import json

from graph.queries import internal_query
from graph.store import GraphStore
from search.units import Unit


def _value(row: object, name: str) -> str | None:
    term = getattr(row, name, None)
    return None if term is None else str(term)


def units_from_store(store: GraphStore) -> list[Unit]:
    """Every provision and action in the store, in document order."""
    units = []
    for row in store.query(internal_query("search-units")):
        path = _value(row, "path") or ""
        units.append(
            Unit(
                iri=str(row.iri),
                text=str(row.text),
                doc_id=str(row.docId),
                doc_title=_value(row, "title") or "",
                doc_number=_value(row, "number"),
                level=_value(row, "level") or "",
                region=_value(row, "region") or "",
                date=_value(row, "date"),
                doc_type=_value(row, "doctype"),
                path=path.split("/") if path else [],
                heading=_value(row, "heading"),
                kind=str(row.kind),  # type: ignore[arg-type]
            )
        )
    return units


def units_hash(units: list[Unit]) -> str:
    """A content hash of the units: the index's ``graph_state``."""
    h = hashlib.sha256()
    for unit in units:
        h.update(json.dumps(unit.to_dict(), ensure_ascii=False, sort_keys=True).encode())
    return f"units-{len(units)}-{h.hexdigest()[:16]}"
