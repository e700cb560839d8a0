"""``/health``: is the store open, is the index loaded and fresh, what is in the graph."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from api.deps import ServiceDep
from api.routes.base import JSONUTF8Response

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str = Field(examples=["ok", "degraded"])
    read_only: bool
    graph_state: str
    counts: dict[str, int] = Field(description="documents, provisions, tasks, targets, agencies, alignments, ...")
    index: dict[str, Any] = Field(description="units, model, graph_state; or error")
    search_processes: dict[str, int] = Field(
        description="processes that answer searches beside the server, and how many hold its current state")


@router.get("/health", response_model=Health, summary="Health and contents")
def health(request: Request, service: ServiceDep) -> JSONUTF8Response:
    """`ok` when the store answers and the search index matches the graph; `degraded` otherwise."""
    stats = service.store.stats()
    index: dict[str, Any]
    status = "ok"
    try:
        idx = service.index()
        index = {"units": len(idx), "model": idx.model, "graph_state": idx.graph_state}
    except Exception as e:  # reported, not raised: health must answer
        index, status = {"error": str(e)}, "degraded"
    return JSONUTF8Response({"status": status, "read_only": service.read_only, "graph_state": stats.write_state,
                             "counts": stats.counts, "index": index,
                             "search_processes": request.app.state.search_pool.status()})
