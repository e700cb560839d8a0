"""``/search``: hybrid search, the same hits as ``policykg search --json``; the search page for browsers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import ServiceDep, wants_html
from api.routes.base import errors_doc, respond


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


PAGE_SIZE = 10


@router.get("/search", response_model=list[HitModel], responses=errors_doc(400, 422, 503),
            summary="Hybrid search over provisions and actions")
def search(request: Request, service: ServiceDep, q: Q = None, level: Level = None, region: Region = None,
           doc_type: DocType = None, kind: Kind = None, k: K = 10,
           year: Annotated[str | None, Query(pattern=r"^(\d{4})?$", description="Page only: documents of this year.")] = None,
           page: Annotated[int, Query(ge=1, le=10, description="Page only: which page of documents.")] = 1) -> Response:
    """Dense (e5) and lexical (BM25) retrieval fused by rank; the same hits as `policykg search --json`.

    Without `q` there are no hits (a browser gets the empty search page). A browser sees the hits
    grouped by document, 10 documents a page, with facet counts.
    """
    html = wants_html(request)
    hits: list[dict[str, Any]] = []
    if q:
        hits = [h.to_dict() for h in service.search(q or "", k=100 if html else k, level=level, region=region,
                                                    doc_type=doc_type, kind=kind)]
    if not html:
        return respond(request, "search.html", hits)
    form = {"q": q or "", "level": level or "", "region": region or "", "type": doc_type or "",
            "kind": kind or "", "year": year or "", "page": page}
    return respond(request, "search.html", hits,
                   extra={"form": form, "ov": service.overview(), "results": by_document(hits, year=year, page=page)})


def by_document(hits: list[dict[str, Any]], *, year: str | None, page: int) -> dict[str, Any]:
    """Hits grouped by document, best document first, with a relevance a person reads (share of the
    best fused score: 高 / 中 / 低), facet counts and one page of ``PAGE_SIZE`` documents.
    (Stop-gap until the search API returns document-grouped hits itself.)"""
    groups: dict[str, dict[str, Any]] = {}
    for h in hits:
        u = h["unit"]
        if year and not (u["date"] or "").startswith(year):
            continue
        g = groups.setdefault(u["doc_id"], {"doc_id": u["doc_id"], "title": u["doc_title"], "number": u["doc_number"],
                                            "level": u["level"], "region": u["region"], "date": u["date"],
                                            "doc_type": u["doc_type"], "score": h["score"], "hits": []})
        if len(g["hits"]) < 3:
            g["hits"].append(h)
    ranked = list(groups.values())
    top = ranked[0]["score"] if ranked else 1.0
    for g in ranked:
        share = g["score"] / top if top else 0.0
        g["relevance"] = round(100 * share)
        g["band"] = "high" if share >= 0.8 else "medium" if share >= 0.6 else "low"
    facets = {name: _facet(ranked, name) for name in ("level", "region", "date")}
    pages = max(1, -(-len(ranked) // PAGE_SIZE))
    return {"documents": ranked[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], "total": len(ranked),
            "page": min(page, pages), "pages": pages, "facets": facets}


def _facet(groups: list[dict[str, Any]], name: str) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for g in groups:
        value = (g[name] or "")[:4] if name == "date" else g[name]
        if value:
            counts[value] = counts.get(value, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
