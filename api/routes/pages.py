"""``/``: the home page (the search box) for browsers; an index of the endpoints for programs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import wants_html
from api.routes.base import JSONUTF8Response

router = APIRouter(tags=["pages"])

ENDPOINTS = {
    "sparql": "/sparql", "search": "/search?q=", "documents": "/documents", "links": "/links",
    "coverage": "/coverage", "health": "/health", "openapi": "/openapi.json", "docs": "/docs",
}


@router.get("/", summary="Home", response_class=Response)
def home(request: Request) -> Response:
    """A browser goes to the search page; anyone else gets the list of endpoints."""
    if wants_html(request):
        return RedirectResponse("/search", status_code=303)
    return JSONUTF8Response({"name": "policykg", "endpoints": ENDPOINTS})
