"""The FastAPI app: ``create_app(settings)`` (``policykg serve`` runs it with the command line's settings).

The service (store, model, index) is opened once in the lifespan, never at import. One exception
handler turns every error into one JSON shape, ``{"error", "message", "hint", "status"}``, or an
HTML page for a browser.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import wants_html
from api.routes import coverage, documents, entities, health, links, pages, search, sparql
from api.routes.base import TEMPLATES, JSONUTF8Response
from api.search_pool import SearchPool, process_count
from api.service import Service
from common import errors
from common.settings import Settings, get_settings

log = logging.getLogger("policykg.api")
STATIC = Path(__file__).resolve().parent / "static"

DESCRIPTION = """
Knowledge graph and semantic search over Chinese policy documents.

* **SPARQL** — `/sparql` is a read-only SPARQL 1.1 Protocol endpoint (GET, POST form,
  POST `application/sparql-query`), results by `Accept`.
* **Search** — `/search?q=` hybrid (embedding + BM25) search, Simplified or Traditional.
* **Entities** — every graph IRI (`/eli/...`, `/org/...`, `/link/...`) dereferences here:
  JSON-LD by default, Turtle or N-Triples by `Accept`, an HTML page for browsers.
* **Documents, links, coverage** — `/documents`, `/links`, `/coverage`; `POST /documents`
  uploads a text (API key in `X-API-Key`).

Every error has the same JSON shape: `{"error", "message", "hint", "status"}`.
"""


def error_response(request: Request, err: errors.PolicyKGError) -> Response:
    body = err.to_dict()
    headers = {"Retry-After": "5"} if err.status == 503 else None
    if wants_html(request):
        return TEMPLATES.TemplateResponse(request, "error.html", {"error": body}, status_code=err.status,
                                          headers=headers)
    return JSONUTF8Response(body, status_code=err.status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(errors.PolicyKGError)
    async def _policykg(request: Request, exc: errors.PolicyKGError) -> Response:
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}"
                             for e in exc.errors())
        err = errors.InputError(f"The request is not valid: {problems}.", hint="See /docs for the parameters.")
        err.status = 422
        return error_response(request, err)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        err: errors.PolicyKGError
        if exc.status_code == 404:
            err = errors.NotFoundError(f"Nothing at {request.url.path}.", hint="See /docs for what this server has.")
        else:
            err = errors.PolicyKGError(str(exc.detail))
            err.status = exc.status_code
            err.code = "http-error"
        return error_response(request, err)

    @app.exception_handler(Exception)
    async def _other(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        err = errors.PolicyKGError("The server failed on this request; it has been logged.",
                                   hint="Try again; if it persists, report it with the request.")
        err.status, err.code = 500, "internal"
        return error_response(request, err)


def open_service(settings: Settings) -> Service:
    """The service for the server: writable, or read-only when another process holds the store."""
    from graph.errors import StoreLockedError

    service = Service(settings)
    try:
        _ = service.store
    except StoreLockedError:
        log.warning("graph store is in use by another process; serving read-only (uploads refused)")
        service = Service(settings, read_only=True)
        _ = service.store
    return service


def create_app(settings: Settings | None = None, *, service: Service | None = None) -> FastAPI:
    """The app. ``service`` (tests, benchmarks) replaces the one the lifespan would open."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import rdflib.plugins.sparql

        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # never fetch a FROM <url> on a user's behalf
        svc = service or open_service(settings or get_settings())
        app.state.service = svc
        pool = app.state.search_pool = SearchPool(svc.settings, process_count(svc.settings))
        app.state.search_limiter = anyio.CapacityLimiter(pool.capacity)
        app.state.sparql_pool = ThreadPoolExecutor(max_workers=svc.settings.sparql_workers,
                                                   thread_name_prefix="sparql")
        try:  # load (or build) both search indexes and the model now, not on the first searches
            svc.warm()
        except errors.PolicyKGError as e:
            log.warning("search index not ready: %s", e)
        # What start-up loaded lives as long as the server: keep it out of the collector's full
        # passes, which hold the GIL and so stall every search in flight (bench/gc_pause_bench.py on
        # the real corpus: the longest pause in 1,500 searches 58.9 -> 12.8 ms of CPU). Indexes
        # replaced by a write are still freed: they hold no reference cycles. Garbage first, so none
        # is kept; thawed at shutdown, so an app that ends in a longer process (tests) leaves nothing.
        gc.collect()
        gc.freeze()
        pool.start(svc)  # after the warm-up: each search process reads the indexes it saved
        yield
        pool.close()
        gc.unfreeze()
        app.state.sparql_pool.shutdown(wait=False, cancel_futures=True)
        if service is None:
            svc.close()

    app = FastAPI(title="policykg", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
                  openapi_tags=[
                      {"name": "sparql", "description": "SPARQL 1.1 Protocol, read-only."},
                      {"name": "search", "description": "Hybrid search over provisions and actions."},
                      {"name": "entities", "description": "Dereferenceable graph IRIs (linked-entity JSON-LD)."},
                      {"name": "documents", "description": "Documents: list, one, upload."},
                      {"name": "links", "description": "National <-> local links and coverage."},
                      {"name": "health", "description": "Liveness and what is loaded."},
                      {"name": "pages", "description": "Web pages for people."},
                  ])
    cors = (settings or get_settings()).cors_origins if service is None else service.settings.cors_origins
    if cors:
        app.add_middleware(CORSMiddleware, allow_origins=cors, allow_methods=["GET", "POST"],
                           allow_headers=["Accept", "Content-Type", "X-API-Key"])
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (pages, sparql, search, documents, links, coverage, health, entities):
        app.include_router(module.router)
    return app
