"""Dereferenceable IRIs: ``/eli/...``, ``/org/...`` and ``/link/...`` are the graph's own IRIs.

JSON-LD (with ``@context``) is the default; ``Accept: text/turtle`` gives Turtle,
``application/n-triples`` N-Triples (both from the same JSON-LD, through pyld), and a browser the
HTML page (provision, document or a generic entity page).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.deps import ServiceDep, negotiate
from api.routes.base import JSONUTF8Response, errors_doc, html_page, json_url
from graph.entities import to_rdf

router = APIRouter(tags=["entities"])

OFFERS = {"application/ld+json": "jsonld", "application/json": "jsonld", "text/html": "html",
          "text/turtle": "ttl", "application/n-triples": "nt"}
FORMATS = {"json": "jsonld", "jsonld": "jsonld", "html": "html", "ttl": "ttl", "turtle": "ttl", "nt": "nt"}

ENTITY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The entity with its linked entities",
          "content": {
              "application/ld+json": {"schema": {"type": "object"}, "example": {
                  "@context": ["…"], "@id": "http://127.0.0.1:8000/eli/cn/100000/2023/2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi/2-1",
                  "@type": ["Provision", "Task"], "path": "二/（一）", "title": "聚焦高端化智能化绿色化，加快产业体系升级发展",
                  "document": {"@id": "http://127.0.0.1:8000/eli/cn/100000/2023/2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"},
                  "implementedBy": [{"@type": "Alignment", "score": 0.0325, "rank": 1,
                                     "local": {"@id": "http://127.0.0.1:8000/eli/cn/440000/…/1-1"}}]}},
              "text/turtle": {"schema": {"type": "string"}},
              "application/n-triples": {"schema": {"type": "string"}},
              "text/html": {"schema": {"type": "string"}},
          }},
    **errors_doc(404),
}
Fmt = Annotated[str | None, Query(description="Overrides Accept: jsonld | ttl | nt | html.",
                                  pattern=r"^(json|jsonld|ttl|turtle|nt|html)$")]


def entity_response(request: Request, service: Any, iri: str, fmt: str | None) -> Response:
    node = service.entity(iri)
    chosen = FORMATS[fmt] if fmt else OFFERS.get(negotiate(request.headers.get("accept"), list(OFFERS)) or "",
                                                  "jsonld")
    if chosen == "html":
        types = set(node.get("@type", []))
        template = ("document.html" if "Document" in types else
                    "provision.html" if "Provision" in types else "entity.html")
        extra = {"doclinks": service.document_links(iri)} if template == "document.html" else {}
        return html_page(request, template, {"data": node, "json_url": json_url(request), **extra})
    if chosen in ("ttl", "nt"):
        return Response(to_rdf(node, chosen), media_type="text/turtle; charset=utf-8" if chosen == "ttl"
                        else "application/n-triples", headers={"Vary": "Accept"})
    return JSONUTF8Response(node, media_type="application/ld+json", headers={"Vary": "Accept"})


def _iri(service: Any, request: Request) -> str:
    return service.settings.base_iri.rstrip("/") + request.url.path


@router.get("/eli/{path:path}", responses=ENTITY_RESPONSES, response_class=Response,
            summary="A document, provision or extracted fact")
def eli(request: Request, service: ServiceDep,
        path: Annotated[str, Path(description="The rest of the ELI IRI: cn/{region}/{year}/{doc}[/{provision}...]",
                                  examples=["cn/100000/2023/2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi/2-1"])],
        format: Fmt = None) -> Response:
    """The entity whose IRI is this URL, as JSON-LD with its linked entities (Turtle, N-Triples or HTML by Accept)."""
    return entity_response(request, service, _iri(service, request), format)


@router.get("/org/{slug}", responses=ENTITY_RESPONSES, response_class=Response, summary="An agency")
def org(request: Request, service: ServiceDep,
        slug: Annotated[str, Path(description="The agency's slug.", examples=["miit"])], format: Fmt = None) -> Response:
    """An agency with its names and every mention of it, with roles."""
    return entity_response(request, service, _iri(service, request), format)


@router.get("/link/{key}", responses=ENTITY_RESPONSES, response_class=Response, summary="A computed alignment")
def alignment(request: Request, service: ServiceDep,
              key: Annotated[str, Path(description="The alignment's hash.", examples=["81877ec5a5a1f60a"])],
              format: Fmt = None) -> Response:
    """One qualified national<->local alignment: score, rank, method, evidence."""
    return entity_response(request, service, _iri(service, request), format)
