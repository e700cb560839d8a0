"""``/``: the home page (an overview of the store and the search box) for browsers; the index of
the endpoints, with the same overview, for programs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import ServiceDep
from api.routes.base import respond

router = APIRouter(tags=["pages"])

ENDPOINTS = {
    "sparql": "/sparql", "search": "/search?q=", "documents": "/documents", "links": "/links",
    "coverage": "/coverage", "health": "/health", "openapi": "/openapi.json", "docs": "/docs",
}


@router.get("/", summary="Home", response_class=Response)
def home(request: Request, service: ServiceDep) -> Response:
    """What is in the store (documents by level, region and year; latest; issuers; link counts).
    A browser gets the page with the search box; anyone else the endpoints and the overview as JSON."""
    return respond(request, "home.html", {"name": "policykg", "endpoints": ENDPOINTS, **service.overview()})
