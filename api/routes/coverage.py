"""``/coverage``: national tasks x regions, from the links graph."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import ServiceDep
from api.routes.base import respond

router = APIRouter(tags=["links"])


class RegionModel(BaseModel):
    code: str = Field(examples=["440000"])
    name: str = Field(examples=["广东省"])


class CellModel(BaseModel):
    links: int = Field(description="Alignments from this region's provisions to the task.")
    implements: int = Field(description="How many of them are asserted as eli:implements.")


class TaskRow(BaseModel):
    task: str = Field(description="The national task's IRI.")
    document: str
    documentTitle: str | None
    path: str = Field(examples=["二/（一）"])
    title: str | None
    regions: dict[str, CellModel] = Field(description="Region code -> counts (regions with none are absent).")
    total: int


class Coverage(BaseModel):
    regions: list[RegionModel]
    tasks: list[TaskRow]


@router.get("/coverage", response_model=Coverage, summary="National tasks x regions")
def coverage(request: Request, service: ServiceDep,
             every_task: Annotated[bool, Query(alias="all", description="Every national task, also those no region takes up.")] = False) -> Response:
    """Which regions implement which national task, with counts of alignments and asserted links;
    only the tasks and regions that have links unless ``all=1``."""
    return respond(request, "coverage.html", service.coverage(every_task=every_task))
