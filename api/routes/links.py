"""``/links``: the computed national<->local links (the same rows as ``policykg links --json``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import ServiceDep
from api.routes.base import errors_doc, respond

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


@router.get("/links", response_model=list[LinkModel], responses=errors_doc(404, 422), summary="Computed links")
def links(request: Request, service: ServiceDep,
          from_iri: Annotated[str | None, Query(alias="from", description="Only links touching this provision IRI.", pattern=r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|^`\\]+$",
                                                max_length=500)] = None) -> Response:
    """Qualified alignments (score, rank, method, evidence) and horizontal correspondences, by local document."""
    rows = jsonable_encoder(service.links(from_iri=from_iri))
    return respond(request, "links.html", rows)
