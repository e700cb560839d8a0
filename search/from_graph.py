"""The graph as search sees it: retrieval units and citation hints, read with SPARQL.

The index is derived from the graph, so it records a hash of exactly what it was built from
(the units); a change to any provision, action or document field that search uses makes the
index stale, while writing the links graph does not.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from graph.store import GraphStore
from search.units import Unit

_QUERIES = Path(__file__).resolve().parent.parent / "graph" / "queries" / "internal"


@cache
def internal_query(name: str) -> str:
    """An internal query of ``graph/queries/internal`` by name."""
    return (_QUERIES / f"{name}.rq").read_text(encoding="utf-8")


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


def cited_documents(store: GraphStore) -> dict[str, set[str]]:
    """Provision IRI, or citing document id for preamble citations -> ids of the cited documents."""
    out: dict[str, set[str]] = {}
    for row in store.query(internal_query("cited-documents")):
        source = str(row.source)
        key = str(row.citingId) if source.rstrip("/").endswith(str(row.citingId)) else source
        out.setdefault(key, set()).add(str(row.citedId))
    return out


def document_issuers(store: GraphStore) -> dict[str, list[str]]:
    """Document id -> the names of its issuers (``eli:passed_by``), for the document index."""
    out: dict[str, list[str]] = {}
    for row in store.query(internal_query("search-documents")):
        out.setdefault(str(row.docId), []).append(str(row.issuer))
    return out
