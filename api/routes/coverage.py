"""``/coverage``: national documents and tasks x regions, from the links graph; CSV export and
the drill-down from one cell to the local provisions behind it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import ServiceDep
from api.render import csv_rows
from api.routes.base import JSONUTF8Response, errors_doc, respond
from ontology.regions import divisions

router = APIRouter(tags=["links"])


class RegionModel(BaseModel):
    code: str = Field(examples=["440000"])
    name: str = Field(examples=["广东省"])


class CellModel(BaseModel):
    links: int = Field(description="Alignments from this region's provisions to the task.")
    likely: int = Field(description="How many of them are likely (probability ≥ 0.5, or asserted).")
    implements: int = Field(description="How many of them are asserted as eli:implements.")


class TaskRow(BaseModel):
    task: str = Field(description="The national task's IRI.")
    document: str
    documentTitle: str | None
    path: str = Field(examples=["二/（一）"])
    title: str | None
    regions: dict[str, CellModel] = Field(description="Region code -> counts (regions with none are absent).")
    total: int


class DocumentCell(BaseModel):
    tasks: int = Field(description="The document's tasks this region has taken up (a likely alignment).")
    candidates: int = Field(description="The document's tasks this region's provisions are aligned to at all.")
    links: int
    implements: int


class DocumentRow(BaseModel):
    document: str = Field(description="The national document's id.")
    title: str | None
    tasks: int = Field(description="Its tasks.")
    covered: int = Field(description="Its tasks any region has taken up (a likely alignment).")
    regions: dict[str, DocumentCell]


class ProvinceCount(BaseModel):
    name: str = Field(examples=["山东省"])
    tasks: int = Field(description="National tasks the province (or a city in it) has taken up.")


class Coverage(BaseModel):
    regions: list[RegionModel]
    documents: list[DocumentRow]
    tasks: list[TaskRow]
    provinces: list[ProvinceCount]


All = Annotated[bool, Query(alias="all", description="Also rows and columns without any link.")]


@router.get("/coverage", response_model=Coverage, summary="National documents and tasks x regions",
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}})
def coverage(request: Request, service: ServiceDep, all_rows: All = False) -> Response:
    """Which regions take up which national document and task, with counts of alignments and
    asserted links; only rows and columns with data unless `all=true`; `format=csv` for a table."""
    data = service.coverage_by_document(all_rows=all_rows)
    if request.query_params.get("format") == "csv":
        return Response(_csv(data), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="coverage.csv"'})
    return respond(request, "coverage.html", data, extra={"all_rows": all_rows})


def _csv(data: dict[str, Any]) -> str:
    names = {r["code"]: r["name"] for r in data["regions"]}
    rows = [[t["document"], t["documentTitle"] or "", t["path"], t["title"] or "", code, names.get(code, code),
             str(cell["links"]), str(cell["likely"]), str(cell["implements"])]
            for t in data["tasks"] for code, cell in t["regions"].items()]
    return "\ufeff" + csv_rows(["document", "document_title", "task_path", "task_title", "region_code", "region",
                                "alignments", "likely_alignments", "asserted_implements"], rows)


@router.get("/coverage/cities", responses=errors_doc(404), summary="Cities that took up each national task, directly or through their province")
def cities(service: ServiceDep,
           document: Annotated[str | None, Query(description="Only this national document's tasks (its id).")] = None,
           ) -> Response:
    """Per national task, the cities that take it up and by which route: `direct` (a provision of
    the city's own document is aligned to the task) or `province` (the city's document implements a
    provincial document that takes the task up; `via` names it), with alignment counts and asserted
    eli:implements. Only tasks some city takes up."""
    if document:
        service.document_iri(document)  # an unknown id is a 404 saying so, not an empty answer
    return JSONUTF8Response(service.coverage_chains(document))


@router.get("/coverage/{doc_id}/{region}", responses=errors_doc(404), summary="The local provisions behind one coverage cell")
def cell(request: Request, service: ServiceDep, doc_id: str, region: str) -> Response:
    """The provisions of one region's documents aligned to the tasks of one national document."""
    iri = service.document_iri(doc_id)
    links = service.document_links(iri)
    groups = [g for g in links["implementedBy"] if g["regionCode"] == region]
    known = divisions().by_code.get(region)
    return respond(request, "coverage_cell.html", {"document": doc_id, "title": service.document_label(iri).get("title"),
                                                   "region": region,
                                                   "regionName": known.name if known else region, "groups": groups})
