"""``/links``: the computed national<->local links (the same rows as ``policykg links --json``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import ServiceDep
from api.routes.base import errors_doc, respond
from graph.views import MAX_PAGE, LinkFilter

router = APIRouter(tags=["links"])


class LinkModel(BaseModel):
    local: str = Field(description="The local provision (or action) IRI, or the local document's for a document-level link.")
    target: str = Field(description="The national provision (implements) or the other region's provision.")
    relation: str = Field(examples=["implements", "correspondsTo"])
    score: float | None
    rank: int | None
    method: str | None = Field(examples=["hybrid", "citation"])
    model: str | None
    evidence: str | None
    generated: str | None
    asserted: bool | None = Field(description="Whether the plain eli:implements triple is stated.")
    localDoc: str
    localPath: str | None = Field(description="The local provision's path; none for a document-level link.")
    localHeading: str | None
    targetDoc: str
    targetPath: str | None = Field(description="The target provision's path; none for a document-level link.")
    targetHeading: str | None
    local_label: str
    target_label: str


@router.get("/links", response_model=list[LinkModel], responses=errors_doc(400, 404, 422), summary="Computed links")
def links(request: Request, service: ServiceDep,
          from_iri: Annotated[str | None, Query(alias="from", description="Only links touching this provision IRI.", pattern=r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|^`\\]+$",
                                                max_length=500)] = None,
          document: Annotated[str | None, Query(description="Only links from this (local) document id.", max_length=200)] = None,
          target: Annotated[str | None, Query(description="Only links to this document id.", max_length=200)] = None,
          region: Annotated[str | None, Query(description="Only links from this region's documents: a name (山东省) or a GB/T 2260 code.", max_length=100)] = None,
          relation: Annotated[Literal["implements", "correspondsTo"] | None, Query(description="Only this relation.")] = None,
          asserted: Annotated[bool | None, Query(description="Only links whose eli:implements is (true) or is not (false) stated.")] = None,
          limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Links per page.")] = 100,
          offset: Annotated[int, Query(ge=0, description="Links to skip.")] = 0) -> Response:
    """One page of qualified alignments (score, rank, method, evidence) and horizontal correspondences,
    by local document; the next page is in the ``Link: <…>; rel="next"`` header (and linked on the HTML page)."""
    where = LinkFilter(focus=from_iri, document=document, target_document=target, region=region, relation=relation,
                       asserted=asserted)
    page = service.links(where, limit=limit, offset=offset)
    nxt = None if page.next_offset is None else str(request.url.include_query_params(offset=page.next_offset))
    response = respond(request, "links.html", jsonable_encoder(page.rows), extra={"page": page, "next_url": nxt})
    if nxt is not None:
        response.headers["Link"] = f'<{nxt}>; rel="next"'
    return response
