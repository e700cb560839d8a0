"""``/sparql``: a read-only SPARQL 1.1 Protocol endpoint.

GET ``?query=``, POST form-encoded ``query=``, or POST ``application/sparql-query``; the result
format follows ``Accept`` (or ``?format=``). Updates are refused (403), and so are ``SERVICE``
(the server never fetches on a user's behalf) and datasets given by ``default-graph-uri`` /
``named-graph-uri``. Each query runs in a worker thread with a deadline
(``POLICYKG_QUERY_TIMEOUT_S``) and may return at most ``POLICYKG_RESULT_CAP`` rows or triples.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from rdflib.query import Result

from api.deps import ServiceDep, negotiate, wants_html
from api.render import serialize
from api.routes.base import errors_doc, html_page
from common.errors import ForbiddenError, InputError, QueryError
from graph.errors import QueryTimeoutError
from graph.layout import GraphStore
from graph.sparql_text import refuse_service, with_values

router = APIRouter(tags=["sparql"])


class ResultCapError(QueryError):
    status = 422
    code = "result-cap"


class UnsupportedMediaError(InputError):
    status = 415
    code = "unsupported-media-type"


SELECT_MEDIA = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
GRAPH_MEDIA = {
    "text/turtle": "ttl", "application/x-turtle": "ttl", "application/ld+json": "jsonld",
    "application/n-triples": "nt", "text/plain": "nt", "application/rdf+xml": "xml",
    "application/json": "jsonld", "application/xml": "xml", "text/xml": "xml",
}
FORMAT_ALIASES = {"turtle": "ttl", "json-ld": "jsonld", "ntriples": "nt", "n-triples": "nt", "rdfxml": "xml"}

QUERY_EXAMPLE = ("PREFIX eli: <http://data.europa.eu/eli/ontology#>\nPREFIX dcterms: <http://purl.org/dc/terms/>\n"
                 "SELECT ?doc ?title WHERE { ?doc a eli:LegalResource ; dcterms:title ?title } LIMIT 5")


def _format(result: Result, fmt: str | None, accept: str | None) -> str:
    graph = result.type in ("CONSTRUCT", "DESCRIBE")
    if fmt:
        fmt = FORMAT_ALIASES.get(fmt, fmt)
        allowed = ("ttl", "jsonld", "nt", "xml") if graph else ("json", "xml", "csv", "tsv")
        if graph and fmt == "json":
            return "jsonld"
        if fmt not in allowed:
            raise InputError(f"Unknown format '{fmt}' for a {result.type} result; use one of {', '.join(allowed)}.")
        return fmt
    table = GRAPH_MEDIA if graph else SELECT_MEDIA
    chosen = negotiate(accept, list(table))
    return table[chosen] if chosen else ("ttl" if graph else "json")


def execute(store: GraphStore, query: str, *, fmt: str | None, accept: str | None, cap: int,
            deadline: float, timeout: float) -> tuple[bytes, str]:
    """Run, cap and serialize one query (in a worker thread); checks the deadline between rows."""
    result = store.query(query)
    if result.type == "SELECT":
        rows = []
        for i, row in enumerate(result):
            if i >= cap:
                raise ResultCapError(
                    f"The query returned more than {cap} rows, this server's cap (POLICYKG_RESULT_CAP).",
                    hint="Add LIMIT (and OFFSET to page through the rest), or aggregate with COUNT/GROUP BY.")
            if i % 500 == 0 and time.monotonic() > deadline:
                raise _timeout(timeout)
            rows.append({v: t for v, t in zip(result.vars or [], row, strict=False) if t is not None})
        capped = Result("SELECT")
        capped.vars = result.vars
        capped.bindings = rows
        result = capped
    elif result.type in ("CONSTRUCT", "DESCRIBE") and result.graph is not None and len(result.graph) > cap:
        raise ResultCapError(
            f"The query built more than {cap} triples, this server's cap (POLICYKG_RESULT_CAP).",
            hint="Narrow the pattern or add LIMIT.")
    chosen = _format(result, fmt, accept)
    if result.type == "ASK" and chosen == "csv":
        return f"_askResult\n{'true' if result.askAnswer else 'false'}\n".encode(), "text/csv; charset=utf-8"
    return serialize(result, chosen)


def _timeout(timeout: float) -> QueryTimeoutError:
    return QueryTimeoutError(
        f"The query ran longer than this server's limit of {timeout:g} s (POLICYKG_QUERY_TIMEOUT_S) "
        "and was abandoned.",
        hint="Add LIMIT, make the patterns more selective, or run it on a local copy (policykg sparql).")


async def run_sparql(request: Request, service: Any, query: str, fmt: str | None) -> Response:
    if not query.strip():
        raise QueryError("The query is empty.", hint="Pass a SPARQL query in 'query'.")
    refuse_service(query)
    settings = service.settings
    timeout = float(settings.query_timeout_s)
    deadline = time.monotonic() + timeout
    future = request.app.state.sparql_pool.submit(
        execute, service.store, query, fmt=fmt, accept=request.headers.get("accept"), cap=settings.result_cap,
        deadline=deadline, timeout=timeout)
    try:
        body, media = await asyncio.wait_for(asyncio.wrap_future(future), timeout)
    except TimeoutError as e:
        raise _timeout(timeout) from e
    return Response(content=body, media_type=media, headers={"Vary": "Accept"})


def _refuse_dataset(request: Request, params: dict[str, Any]) -> None:
    graphs = [v for k, v in params.items() if k in ("default-graph-uri", "named-graph-uri")]
    if any(v and v != "urn:x-rdflib:default" for v in graphs):
        raise QueryError("default-graph-uri and named-graph-uri are not supported: the default graph is "
                         "the union of all graphs.", hint="Use GRAPH ?g { ... } or FROM in the query instead.")


RESULT_CONTENT: dict[str, Any] = {
    "application/sparql-results+json": {"example": {"head": {"vars": ["doc", "title"]}, "results": {"bindings": [
        {"doc": {"type": "uri", "value": "http://127.0.0.1:8000/eli/cn/100000/2023/2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"},
         "title": {"type": "literal", "value": "工业和信息化部办公厅 商务部办公厅关于开展2023纺织服装优供给促升级活动的通知"}}]}}},
    "application/sparql-results+xml": {"schema": {"type": "string"}},
    "text/csv": {"schema": {"type": "string"}, "example": "doc,title\nhttp://…,工业和信息化部办公厅…\n"},
    "text/tab-separated-values": {"schema": {"type": "string"}},
    "text/turtle": {"schema": {"type": "string"}, "example": "<http://…/2-1> a eli:LegalResourceSubdivision ."},
    "application/ld+json": {"schema": {"type": "object"}},
    "application/n-triples": {"schema": {"type": "string"}},
}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The result, in the format asked for by Accept or ?format", "content": RESULT_CONTENT},
    **errors_doc(400, 403, 415, 422, 503),
}
QueryParam = Annotated[str | None, Query(description="A SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE).",
                                         examples=[QUERY_EXAMPLE])]
FormatParam = Annotated[str | None, Query(
    description="Overrides Accept: json | xml | csv | tsv (SELECT/ASK); ttl | jsonld | nt | xml (graphs).",
    pattern=r"^(json|xml|csv|tsv|ttl|turtle|jsonld|json-ld|nt|n-triples|ntriples|html)$", examples=["json"])]


@router.get("/sparql", responses=RESPONSES, summary="SPARQL query (GET)")
async def sparql_get(request: Request, service: ServiceDep, query: QueryParam = None,
                     format: FormatParam = None) -> Response:
    """Run a read-only SPARQL query given in `query`. Without a query, a browser gets the editor page."""
    if query is None:
        if wants_html(request):
            return sparql_page(request)
        raise QueryError("No query: pass a SPARQL query in the 'query' parameter.",
                         hint="e.g. /sparql?query=ASK{?s ?p ?o}; browsers get an editor at /sparql.")
    _refuse_dataset(request, dict(request.query_params))
    return await run_sparql(request, service, query, None if format == "html" else format)


POST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "required": ["query"],
                           "properties": {"query": {"type": "string", "description": "The SPARQL query."}}},
                "example": {"query": QUERY_EXAMPLE},
            },
            "application/sparql-query": {"schema": {"type": "string"}, "example": QUERY_EXAMPLE},
        },
    }
}


@router.post("/sparql", responses=RESPONSES, openapi_extra=POST_BODY, summary="SPARQL query (POST)")
async def sparql_post(request: Request, service: ServiceDep, format: FormatParam = None) -> Response:
    """Run a read-only SPARQL query sent form-encoded (`query=`) or as `application/sparql-query`.

    SPARQL updates (form field `update`, or `application/sparql-update`) are refused with 403.
    """
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/sparql-update":
        raise ForbiddenError("This endpoint is read-only: SPARQL updates are refused.",
                             hint="The graph changes through \"policykg ingest\" or POST /documents.")
    if ctype == "application/sparql-query":
        raw = await request.body()
        try:
            query = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise UnsupportedMediaError("The query is not UTF-8.", hint="Send the query text as UTF-8.") from e
    elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        if form.get("update") is not None:
            raise ForbiddenError("This endpoint is read-only: SPARQL updates are refused.",
                                 hint="The graph changes through \"policykg ingest\" or POST /documents.")
        value = form.get("query")
        if not isinstance(value, str):
            raise QueryError("No query: send the SPARQL query in the form field 'query'.")
        _refuse_dataset(request, dict(form))
        query = value
    else:
        raise UnsupportedMediaError(
            f"Cannot read a query sent as '{ctype or 'no content type'}'.",
            hint="Send application/x-www-form-urlencoded (query=...) or application/sparql-query.")
    _refuse_dataset(request, dict(request.query_params))
    return await run_sparql(request, service, query, None if format == "html" else format)


def sparql_page(request: Request) -> Response:
    """The editor page, preloaded with the cookbook queries, their example parameters as VALUES blocks."""
    from graph.queries import EXAMPLES, list_queries

    cookbook = [{"name": q.name, "title": q.title, "description": q.description,
                 "editor": with_values(q.sparql, q.bindings(EXAMPLES.get(q.name, {})))}
                for q in list_queries()]
    return html_page(request, "sparql.html", {"cookbook": cookbook, "query": request.query_params.get("query", "")})

