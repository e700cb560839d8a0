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
from graph.pairs import provision_facts, shared
from graph.queries import internal_query
from graph.store import GraphStore
from ontology.namespaces import REGION
from ontology.regions import divisions

DOCUMENT_FIELDS = ("doc", "id", "number", "date", "level", "region", "regionCode", "doctype", "partial",
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
    GB/T 2260 code (440000), ``year`` the start of the date of issue. The whole list is read once
    per store write and filtered in memory."""
    out = []
    for item in store.kept("documents", lambda: _all_documents(store)):
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


def title_fields(row: Any) -> dict[str, Any]:
    """The stated title, else the one inferred from the text (``titleInferred``: the page marks it),
    from a row's ``?statedTitle`` and ``?inferredTitle``: the rule every read model uses."""
    stated, inferred = row.statedTitle, row.inferredTitle
    return {"title": None if stated is None and inferred is None else str(stated or inferred),
            "titleInferred": stated is None and inferred is not None}


def _all_documents(store: GraphStore) -> list[dict[str, Any]]:
    out = []
    for row in store.query(internal_query("documents")):
        item = {**_plain(row, DOCUMENT_FIELDS), **title_fields(row)}
        item["date"] = None if row.date is None else str(row.date)
        out.append(item)
    return out


def document_iri(store: GraphStore, doc_id: str) -> str:
    """The IRI of a stored document by its id (one indexed lookup); NotFoundError when there is none."""
    for row in store.query(internal_query("document-by-id"), bindings={"id": Literal(doc_id)}):
        return str(row.doc)
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


# ---------------------------------------------------------------- the staff web page's read models

LEVELS = ("national", "provincial", "municipal")


def _region_name(code: str | None) -> str | None:
    region = divisions().by_code.get(code or "")
    return None if region is None else region.name


def overview(store: GraphStore) -> dict[str, Any]:
    """What is in the store, for the home page: documents by level, province -> city and year, the
    latest documents, the top issuers, link counts and the search filters' options. One aggregate
    query; the answer is kept until the store's write counter moves."""
    return store.kept("overview", lambda: _overview(store))


def _overview(store: GraphStore) -> dict[str, Any]:
    docs, issuers, link_counts = [], [], {"implements": 0, "asserted": 0, "documents": 0, "correspondsTo": 0}
    for row in store.query(internal_query("overview")):
        if str(row.kind) == "document":
            doc = {**_plain(row, ("id", "number", "level", "regionCode", "doctype")), **title_fields(row)}
            doc["date"] = None if row.date is None else str(row.date)
            doc["region"] = _region_name(doc["regionCode"])
            docs.append(doc)
        elif str(row.kind) == "issuer":
            issuers.append({"name": str(row.name), "documents": int(row.n.toPython())})
        else:
            link_counts[str(row.name)] = int(row.n.toPython())
    data = {
        "documents": len(docs),
        "byLevel": {lv: n for lv in LEVELS if (n := sum(d["level"] == lv for d in docs))},
        "byYear": _count_by(docs, lambda d: (d["date"] or "")[:4] or None, reverse=True),
        "byType": _count_by(docs, lambda d: d["doctype"]),
        "regions": _region_tree(docs),
        "latest": sorted((d for d in docs if d["date"]), key=lambda d: d["date"], reverse=True)[:8],
        "issuers": sorted(issuers, key=lambda i: (-i["documents"], i["name"]))[:10],
        "links": link_counts,
        "state": store.write_state(),
    }
    return data


def _count_by(docs: list[dict[str, Any]], key: Any, *, reverse: bool = False) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for d in docs:
        if (k := key(d)) is not None:
            counts[k] = counts.get(k, 0) + 1
    return [{"value": k, "documents": counts[k]} for k in sorted(counts, reverse=reverse)]


def _region_tree(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The regions documents are about, as provinces with their cities (and the country first)."""
    tree: dict[str, dict[str, Any]] = {}
    for d in docs:
        code = d["regionCode"]
        province = divisions().province(code)
        top = province.code if province is not None else code
        if top is None:
            continue
        node = tree.setdefault(top, {"code": top, "name": _region_name(top) or top, "documents": 0, "children": {}})
        node["documents"] += 1
        if code != top:
            child = node["children"].setdefault(code, {"code": code, "name": d["region"] or code, "documents": 0})
            child["documents"] += 1
    return [{**n, "children": sorted(n["children"].values(), key=lambda c: c["code"])}
            for n in sorted(tree.values(), key=lambda n: n["code"])]


def document_links(store: GraphStore, doc_iri: str) -> dict[str, Any]:
    """A document's links at document level: the documents it implements and those implementing it.
    Each carries the linker's document-level decision when there is one (``document``: probability,
    method, evidence, asserted) and its aligned provision pairs (best first, with how many are
    asserted and whether one is a citation), each side with its agencies and targets and the pair
    with those both sides state (``shared``, ``graph.pairs``). Asserted documents come first, then
    by probability."""
    require_iri(doc_iri, hint="Pass a document IRI, e.g. from /documents.")
    focus = {"focusDoc": URIRef(doc_iri)}
    sides: dict[str, dict[str, dict[str, Any]]] = {"implements": {}, "implementedBy": {}}

    def group(outgoing: bool, other: str) -> dict[str, Any]:
        return sides["implements" if outgoing else "implementedBy"].setdefault(other, {
            "document": other, "id": None, "title": None, "titleInferred": False, "regionCode": None,
            "decision": None, "best": 0.0, "asserted": 0, "citation": False, "pairs": []})

    for row in store.query(internal_query("document-parents"), bindings=focus):
        outgoing = str(row.localDoc) == doc_iri
        g = group(outgoing, str(row.targetDoc if outgoing else row.localDoc))
        g["decision"] = {"probability": float(row.score.toPython()), "method": str(row.method),
                         "evidence": None if row.evidence is None else str(row.evidence),
                         "asserted": bool(row.asserted.toPython())}
        g["citation"] = g["citation"] or str(row.method) == "citation"
    keys = [row.al for row in store.query(internal_query("document-links"), bindings=focus)]
    rows = sorted(_for_iris(store, "alignment-details", "al", keys), key=lambda r: (-r.score.toPython(), str(r.local), str(r.target)))
    details = _provisions(store, {str(r[end]) for r in rows for end in ("local", "target")})
    facts = provision_facts(store, list(details), _for_iris)
    for row in rows:
        outgoing = details[str(row.local)]["docIri"] == doc_iri
        g = group(outgoing, details[str(row.target if outgoing else row.local)]["docIri"])
        pair = {"score": float(row.score.toPython()), "rank": int(row.rank.toPython()), "method": str(row.method),
                "evidence": None if row.evidence is None else str(row.evidence),
                "asserted": bool(row.asserted.toPython()),
                "local": {**details[str(row.local)]["side"], **facts[str(row.local)]},
                "national": {**details[str(row.target)]["side"], **facts[str(row.target)]}}
        pair["shared"] = shared(facts[str(row.local)], facts[str(row.target)])
        g["pairs"].append(pair)
        g["best"] = max(g["best"], pair["score"])
        g["asserted"] += pair["asserted"]
        g["citation"] = g["citation"] or pair["method"] == "citation"
    named = {g["document"]: g for groups in sides.values() for g in groups.values()}
    for iri, label in document_labels(store, list(named)).items():
        named[iri].update(label)

    def order(g: dict[str, Any]) -> tuple[Any, ...]:
        decision = g["decision"] or {}
        return (-bool(decision.get("asserted")), -decision.get("probability", 0.0), -g["citation"], -g["asserted"],
                -g["best"])

    for g in named.values():
        g["confidence"] = _confidence(g)
    return {side: sorted(groups.values(), key=order) for side, groups in sides.items()}


def _confidence(group: dict[str, Any]) -> str:
    """high: asserted by the document model; medium: probability ≥ 0.5, a citation or an asserted
    provision pair; low: only topical neighbours (shown folded on the page)."""
    decision = group["decision"]
    if decision and decision["asserted"]:
        return "high"
    if (decision and decision["probability"] >= 0.5) or group["citation"] or group["asserted"]:
        return "medium"
    return "low"


def document_labels(store: GraphStore, iris: list[str]) -> dict[str, dict[str, Any]]:
    """Document IRI -> id, title (stated, else inferred: ``titleInferred``) and region code, for the
    documents one page names: one indexed lookup, not the whole document list."""
    return {str(row.doc): {"id": str(row.id), **title_fields(row),
                           "regionCode": None if row.regionCode is None else str(row.regionCode)}
            for row in _for_iris(store, "document-labels", "doc", [URIRef(d) for d in sorted(set(iris))])}


def _for_iris(store: GraphStore, query: str, var: str, iris: list[URIRef]) -> list[Any]:
    """Rows of internal ``query`` for the listed IRIs, put in its empty ``VALUES ?var { }`` block:
    a lookup per IRI, where a join with the rest of the page's query made the engine scan."""
    if not iris:
        return []
    empty = f"VALUES ?{var} {{ }}"
    sparql = internal_query(query)
    assert empty in sparql, f"{query}.rq has no '{empty}' block"
    return list(store.query(sparql.replace(empty, f"VALUES ?{var} {{ {' '.join(i.n3() for i in iris)} }}", 1)))


def _provisions(store: GraphStore, iris: set[str]) -> dict[str, dict[str, Any]]:
    """Provision IRI -> its document's IRI and the side-by-side fields, in one indexed lookup."""
    out = {}
    for row in _for_iris(store, "provision-details", "p", [URIRef(i) for i in sorted(iris)]):
        out[str(row.p)] = {"docIri": str(row.doc), "side": {
            "iri": str(row.p), "doc": str(row.docId), "path": str(row.path),
            "heading": None if row.heading is None else str(row.heading),
            "text": None if row.text is None else str(row.text)}}
    return out
