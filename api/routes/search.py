"""``/search``: hybrid search, the same hits as ``policykg search --json``; the search page for browsers.

By default one hit per document (its best provisions grouped under it, copies folded in);
``group=provision`` gives the flat list of units.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import ServiceDep, wants_html
from api.routes.base import errors_doc, respond
from api.search_pool import Ask
from api.service import Service, search_filters


class UnitModel(BaseModel):
    iri: str = Field(examples=["http://127.0.0.1:8000/eli/cn/100000/2023/2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi/2-1"])
    text: str
    doc_id: str
    doc_title: str
    doc_number: str | None
    level: str = Field(examples=["national"])
    region: str = Field(examples=["全国"])
    date: str | None
    doc_type: str | None
    path: list[str] = Field(examples=[["二", "（一）"]])
    heading: str | None
    kind: Literal["provision", "action"]


class RetrieverModel(BaseModel):
    rank: int
    score: float


class HitModel(BaseModel):
    """One search hit: the unit, the fused score and rank, each retriever's rank and score, a snippet."""

    iri: str
    score: float
    rank: int
    unit: UnitModel
    dense_rank: int | None
    dense_score: float | None
    lexical_rank: int | None
    lexical_score: float | None
    snippet: str = Field(description="HTML-escaped window of the text, matches in <mark>.",
                         examples=["支持企业加大<mark>设备更新</mark>和技术改造力度"])
    snippet_text: str
    spans: list[list[int]] = Field(description="Matched [start, end) character spans in unit.text.")
    matched: list[str]
    retrievers: dict[str, RetrieverModel]


class DocumentModel(BaseModel):
    doc_id: str
    title: str
    title_inferred: bool = Field(False, description="The text states no title; this one is inferred from it (推断标题).")
    number: str | None = Field(examples=["工信厅联消费函〔2023〕87号"])
    level: str
    region: str
    date: str | None
    doc_type: str | None
    issuers: list[str]


class DocumentHitModel(BaseModel):
    """One document: its metadata, a relevance relative to the best hit, what of the query it
    matches (region, level, issuer, kind, year, doc_number) or its title contradicts, and its best
    provisions."""

    doc: DocumentModel
    score: float
    relevance: float = Field(description="score / the best hit's score: 1.0 for the top hit.", examples=[1.0, 0.62])
    rank: int
    matched: dict[str, list[str]] = Field(examples=[{"region": ["广东省"], "kind": ["行动方案"]}])
    conflicts: list[str] = Field(default=[], description="What of the query the title contradicts (a soft penalty): "
                                 "kind (a 通知 when a 指导意见 is asked for), year (another edition or period).",
                                 examples=[["year"]])
    views: dict[str, int] = Field(description="Rank of the document in each view: head, body, profile, units.")
    copies: list[str] = Field(description="Ids of duplicate copies folded into this hit.")
    provisions: list[HitModel]


router = APIRouter(tags=["search"])

Q = Annotated[str | None, Query(description="Words to search for, Simplified or Traditional Chinese "
                                "(missing or empty: no hits).", max_length=1000, pattern=r"^$|\S",
                                examples=["设备更新", "設備更新"])]
Level = Annotated[str | None, Query(description="Only documents of this level (empty: all).",
                                    pattern=r"^(national|provincial|municipal)?$", examples=["national"])]
Region = Annotated[str | None, Query(description="Only documents of this region (广东省 matches its cities).",
                                     max_length=50, examples=["广东省"])]
DocType = Annotated[str | None, Query(alias="type", description="Document type, e.g. 通知, 方案, 解读.",
                                      max_length=20, examples=["通知"])]
Kind = Annotated[str | None, Query(description="Only provisions, or only actions (empty: both).",
                                   pattern=r"^(provision|action)?$")]
K = Annotated[int, Query(ge=1, le=100, description="How many hits.")]
Group = Annotated[Literal["document", "provision"], Query(
    description="document: one hit per document with its best provisions; provision: the flat list of units.")]


@router.get("/search", response_model=list[DocumentHitModel] | list[HitModel], responses=errors_doc(400, 422, 503),
            summary="Search documents (default) or provisions and actions")
async def search(request: Request, service: ServiceDep, q: Q = None, level: Level = None, region: Region = None,
                 doc_type: DocType = None, kind: Kind = None, k: K = 10, group: Group = "document",
                 year: Annotated[str | None, Query(pattern=r"^(\d{4})?$", description="Page only: hits of this year.")] = None,
                 page: Annotated[int, Query(ge=1, le=5, description="Page only: which page of ten.")] = 1) -> Response:
    """Dense (e5) and lexical (BM25) retrieval fused by rank; the same hits as `policykg search --json`.

    Places, issuers, kinds of document, years and 文号 named in the query raise the documents
    that match them (soft boosts; the filters are the hard ones). Without `q` there are no hits
    (a browser gets the empty search page). A browser sees ten hits a page, with facet counts.
    """
    # on a worker thread, at most ``search_threads`` at once (first come, first served)
    answer = partial(_answer, request, service, q=q, level=level, region=region, doc_type=doc_type, kind=kind,
                     k=k, group=group, year=year, page=page)
    return await anyio.to_thread.run_sync(answer, limiter=request.app.state.search_limiter)


def _answer(request: Request, service: Service, *, q: str | None, level: str | None, region: str | None,
            doc_type: str | None, kind: str | None, k: int, group: str, year: str | None, page: int) -> Response:
    html = wants_html(request)
    hits: list[dict[str, Any]] = []
    if q:
        depth = PAGE_DEPTH if html else k
        filters = search_filters(q, depth, level=level, region=region, doc_type=doc_type, kind=kind)
        got = request.app.state.search_pool.answer(service, Ask(group, q, depth, filters, as_json=not html))
        if not html:
            return Response(got, media_type="application/json")
        hits = got
    if not html:
        return respond(request, "search.html", hits)
    form = {"q": q or "", "level": level or "", "region": region or "", "type": doc_type or "",
            "kind": kind or "", "group": group, "year": year or "", "page": page}
    return respond(request, "search.html", hits,
                   extra={"form": form, "ov": service.overview(), "results": paged(hits, year=year, page=page)})


PAGE_SIZE = 10
PAGE_DEPTH = 50  # hits a browser's search asks for: five pages, and the facets counted over them


def paged(hits: list[dict[str, Any]], *, year: str | None, page: int) -> dict[str, Any]:
    """One page of ``PAGE_SIZE`` hits (documents, or units with group=provision), only those of
    ``year`` when given, and the facet counts (level, region, year) over all of them."""
    meta = [h["doc"] if "doc" in h else {**h["unit"], "number": h["unit"]["doc_number"]} for h in hits]
    kept = [(h, m) for h, m in zip(hits, meta, strict=True) if not year or (m["date"] or "").startswith(year)]
    facets = {name: _facet([m for _, m in kept], name) for name in ("level", "region", "date")}
    pages = max(1, -(-len(kept) // PAGE_SIZE))
    page = min(page, pages)
    return {"hits": [h for h, _ in kept[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]], "total": len(kept),
            "page": page, "pages": pages, "offset": (page - 1) * PAGE_SIZE, "facets": facets}


def _facet(meta: list[dict[str, Any]], name: str) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for m in meta:
        value = (m[name] or "")[:4] if name == "date" else m[name]
        if value:
            counts[value] = counts.get(value, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
