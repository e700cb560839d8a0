"""Read models: the rows the web page, the HTTP API and the CLI show, read from the graph.

Each view is one internal query (``graph/queries/internal``) turned into plain JSON-ready dicts;
the linked-entity JSON-LD of one IRI is ``graph.entities``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rdflib import Literal, URIRef
from rdflib.term import Node

from common.errors import InputError, NotFoundError
from graph.queries import internal_query
from graph.store import GraphStore
from ontology.namespaces import REGION
from ontology.regions import divisions

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


RELATIONS = ("implements", "correspondsTo")
MAX_PAGE = 1000
"""The most links one page may hold."""


@dataclass(frozen=True)
class LinkFilter:
    """Which links a page shows: ``focus`` a provision IRI at either end, ``document`` the local
    document's id, ``target_document`` the target's, ``region`` the local document's region (a
    name or a GB/T 2260 code), ``relation`` one of ``RELATIONS``, ``asserted`` whether the plain
    ``eli:implements`` triple is stated."""

    focus: str | None = None
    document: str | None = None
    target_document: str | None = None
    region: str | None = None
    relation: str | None = None
    asserted: bool | None = None

    def bindings(self) -> dict[str, Node]:
        """The query bindings; InputError for a relation or region nobody could mean."""
        out: dict[str, Node] = {}
        if self.document:
            out["localDoc"] = Literal(self.document)
        if self.target_document:
            out["targetDoc"] = Literal(self.target_document)
        if self.region:
            found = divisions().lookup(self.region)
            if found is None:
                raise InputError(f"No region '{self.region}' (or more than one region has that name).",
                                 hint="Give a GB/T 2260 code (370000) or a full name (山东省).")
            out["onlyRegion"] = REGION[found.code]
        if self.relation:
            if self.relation not in RELATIONS:
                raise InputError(f"No relation '{self.relation}'; links are {' or '.join(RELATIONS)}.")
            out["onlyRelation"] = Literal(self.relation)
        if self.asserted is not None:
            out["onlyAsserted"] = Literal(self.asserted)
        return out


@dataclass
class LinkPage:
    """One page of links and where the next one starts (None on the last page)."""

    rows: list[dict[str, Any]]
    offset: int
    limit: int
    next_offset: int | None


def _paged(sparql: str, *, limit: int, offset: int) -> str:
    """``sparql`` with its sub-select's page replaced (ints only: LIMIT and OFFSET cannot be bound)."""
    return _PAGE.sub(f"LIMIT {int(limit)} OFFSET {int(offset)}", sparql, count=1)


_PAGE = re.compile(r"LIMIT \d+ OFFSET \d+")


def links(store: GraphStore, where: LinkFilter | None = None, *, limit: int = 100, offset: int = 0) -> LinkPage:
    """One page of computed links, ordered by local document, local provision, relation and rank.

    Only the page's rows are labelled: the filters select by index (a bound document, region or
    provision is looked up first) and the sort runs over the matching links' keys alone."""
    where = where or LinkFilter()
    if not 1 <= limit <= MAX_PAGE:
        raise InputError(f"limit must be between 1 and {MAX_PAGE}, not {limit}.")
    if offset < 0:
        raise InputError(f"offset must be 0 or more, not {offset}.")
    bindings = where.bindings()
    if where.focus is None:
        rows = _link_rows(store, bindings, limit=limit + 1, offset=offset)
    else:  # either end: two index lookups, merged (a provision has few links)
        require_iri(where.focus, hint="Pass a provision IRI, e.g. from a /search hit.")
        ends = [_link_rows(store, {**bindings, end: URIRef(where.focus)}, limit=offset + limit + 1, offset=0)
                for end in ("local", "target")]
        merged = {(r["local"], r["target"], r["relation"]): r for end in ends for r in end}
        rows = sorted(merged.values(), key=_order)[offset:offset + limit + 1]
    more = len(rows) > limit
    return LinkPage(rows[:limit], offset, limit, offset + limit if more else None)


def _order(row: dict[str, Any]) -> tuple[str, str, str, int, str]:
    return (row["localDoc"], row["local"], row["relation"], row["rank"] or 0, row["target"])


def _link_rows(store: GraphStore, bindings: dict[str, Node], *, limit: int, offset: int) -> list[dict[str, Any]]:
    out = []
    for row in store.query(_paged(internal_query("links"), limit=limit, offset=offset), bindings=bindings or None):
        item = _plain(row, LINK_FIELDS)
        item["local_label"] = f"{item['localDoc']} {item['localPath'] or ''} {item['localHeading'] or ''}".strip()
        item["target_label"] = f"{item['targetDoc']} {item['targetPath'] or ''} {item['targetHeading'] or ''}".strip()
        out.append(item)
    return out


def coverage(store: GraphStore, *, every_task: bool = False) -> dict[str, Any]:
    """National tasks x regions: which regions' provisions are aligned to which national task,
    with the number of alignments and of asserted eli:implements links. Only the tasks and
    regions that have links, unless ``every_task`` (then every national task, in document order)."""
    tasks: dict[str, dict[str, Any]] = {}
    regions: dict[str, str] = {}

    def task_of(row: Any) -> dict[str, Any]:
        return tasks.setdefault(str(row.task), {
            "task": str(row.task), "document": str(row.taskDoc),
            "documentTitle": None if row.taskDocTitle is None else str(row.taskDocTitle),
            "path": str(row.taskPath), "title": None if row.taskTitle is None else str(row.taskTitle),
            "regions": {}, "total": 0})

    if every_task:
        for row in store.query(internal_query("national-tasks")):
            task_of(row)
    for row in store.query(internal_query("coverage")):
        task = task_of(row)
        code = str(row.regionCode)
        regions[code] = str(row.region)
        count, implements = int(row.links.toPython()), int(row.implements.toPython() or 0)
        task["regions"][code] = {"links": count, "implements": implements}
        task["total"] += count
    return {"regions": [{"code": c, "name": n} for c, n in sorted(regions.items())],
            "tasks": list(tasks.values())}
