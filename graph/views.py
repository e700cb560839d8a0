"""Read models: the rows the web page, the HTTP API and the CLI show, read from the graph.

Each view is one internal query (``graph/queries/internal``) turned into plain JSON-ready dicts;
the linked-entity JSON-LD of one IRI is ``graph.entities``.
"""

from __future__ import annotations

from typing import Any

from rdflib import URIRef

from common.errors import NotFoundError
from graph.queries import internal_query
from graph.store import GraphStore

DOCUMENT_FIELDS = ("doc", "id", "title", "number", "date", "level", "region", "regionCode", "doctype", "partial",
                   "provisions")
LINK_FIELDS = ("local", "target", "relation", "score", "rank", "method", "model", "evidence", "generated",
               "asserted", "localDoc", "localPath", "localHeading", "targetDoc", "targetPath", "targetHeading")


def require_iri(iri: str, *, hint: str) -> None:
    """NotFoundError when ``iri`` is not a valid IRI (so nothing in the graph can be called that)."""
    import pyoxigraph as ox

    try:
        ox.NamedNode(iri)
    except ValueError as e:
        raise NotFoundError(f"Nothing in the graph is called <{iri}>: it is not a valid IRI.", hint=hint) from e


def _plain(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: (None if row[name] is None else row[name].toPython()) for name in names}


def documents(store: GraphStore, *, level: str | None = None, region: str | None = None, year: str | None = None,
              doc_type: str | None = None) -> list[dict[str, Any]]:
    """The stored documents with their metadata; ``region`` matches the name (广东省) or the
    GB/T 2260 code (440000), ``year`` the start of the date of issue."""
    out = []
    for row in store.query(internal_query("documents")):
        item = _plain(row, DOCUMENT_FIELDS)
        item["date"] = None if row.date is None else str(row.date)
        if level and item["level"] != level:
            continue
        if region and region not in (item["region"], item["regionCode"]):
            continue
        if year and not (item["date"] or "").startswith(year):
            continue
        if doc_type and item["doctype"] != doc_type:
            continue
        out.append(item)
    return out


def document_iri(store: GraphStore, doc_id: str) -> str:
    """The IRI of a stored document by its id; NotFoundError when there is none."""
    for item in documents(store):
        if item["id"] == doc_id:
            return str(item["doc"])
    raise NotFoundError(f"No document '{doc_id}' in the store.",
                        hint="See /documents for the ids, or ingest it first.")


def links(store: GraphStore, *, from_iri: str | None = None) -> list[dict[str, Any]]:
    """Computed links, optionally only those touching one provision IRI."""
    if from_iri is not None:
        require_iri(from_iri, hint="Pass a provision IRI, e.g. from a /search hit.")
    bindings = {"focus": URIRef(from_iri)} if from_iri else None
    out = []
    for row in store.query(internal_query("links"), bindings=bindings):
        item = _plain(row, LINK_FIELDS)
        item["local_label"] = f"{item['localDoc']} {item['localPath'] or ''} {item['localHeading'] or ''}".strip()
        item["target_label"] = f"{item['targetDoc']} {item['targetPath'] or ''} {item['targetHeading'] or ''}".strip()
        out.append(item)
    return out


def coverage(store: GraphStore) -> dict[str, Any]:
    """National tasks x regions: which regions' provisions are aligned to which national task,
    with the number of alignments and of asserted eli:implements links."""
    tasks: dict[str, dict[str, Any]] = {}
    regions: dict[str, str] = {}
    for row in store.query(internal_query("coverage")):
        task = tasks.setdefault(str(row.task), {
            "task": str(row.task), "document": str(row.taskDoc),
            "documentTitle": None if row.taskDocTitle is None else str(row.taskDocTitle),
            "path": str(row.taskPath), "title": None if row.taskTitle is None else str(row.taskTitle),
            "regions": {}, "total": 0})
        if row.regionCode is not None:
            code = str(row.regionCode)
            regions[code] = str(row.region)
            count, implements = int(row.links.toPython()), int(row.implements.toPython() or 0)
            task["regions"][code] = {"links": count, "implements": implements}
            task["total"] += count
    return {"regions": [{"code": c, "name": n} for c, n in sorted(regions.items())],
            "tasks": list(tasks.values())}
