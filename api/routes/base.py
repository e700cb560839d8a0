"""What every view shares: one dict feeds both the HTML page and its JSON twin (Datasette style).

A view builds its data, then calls ``respond``: a browser (``Accept: text/html``, or
``?format=html``) gets the template rendered with that data and a ``<link rel="alternate">`` to
the JSON; anyone else gets the same data as JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from api import document_page
from api.deps import wants_html
from api.i18n import lang_of, translator
from common.jsonout import json_bytes


def _i18n(request: Request) -> dict[str, Any]:
    """Every page's language (``?lang=en``), its words and the link to the other language."""
    lang = lang_of(request)
    other = dict(request.query_params)
    other["lang"] = "zh" if lang == "en" else "en"
    return {"lang": lang, "t": translator(lang), "lang_url": f"{request.url.path}?{urlencode(other)}"}


TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"),
                            context_processors=[_i18n])


def _local_path(iri: str | None, base: str) -> str | None:
    """The path on this server of a graph IRI minted under ``base`` (else the IRI itself)."""
    if iri and iri.startswith(base + "/"):
        return iri[len(base):]
    return iri


def _short(value: Any, n: int = 80) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= n else text[: n - 1] + "…"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


TEMPLATES.env.globals.update(metadata_rows=document_page.metadata_rows, mark_citations=document_page.mark_citations,
                             mark_words=document_page.mark_words, pair_classes=document_page.pair_classes)
TEMPLATES.env.filters["short"] = _short
TEMPLATES.env.filters["as_list"] = _as_list
TEMPLATES.env.filters["tojson_pretty"] = lambda v: json.dumps(v, ensure_ascii=False, indent=2)


def json_url(request: Request) -> str:
    """This page's URL asking for JSON."""
    params = dict(request.query_params)
    params["format"] = "json"
    return f"{request.url.path}?{urlencode(params)}"


class JSONUTF8Response(JSONResponse):
    """JSON with Chinese characters as they are (not ``\\uXXXX``)."""

    def render(self, content: Any) -> bytes:
        return json_bytes(content)


def respond(request: Request, template: str, data: Any, *, media_type: str = "application/json",
            extra: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    """``data`` as JSON, or the page ``template`` rendered with it for a browser."""
    if wants_html(request):
        base = request.app.state.service.settings.base_iri.rstrip("/")
        context = {"data": data, "json_url": json_url(request), **_page_context(request, base), **(extra or {})}
        return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)
    return JSONUTF8Response(data, media_type=media_type, status_code=status_code)


def html_page(request: Request, template: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    base = request.app.state.service.settings.base_iri.rstrip("/")
    return TEMPLATES.TemplateResponse(request, template, {**_page_context(request, base), **context},
                                      status_code=status_code)


def _page_context(request: Request, base: str) -> dict[str, Any]:
    """What every page's template uses: local paths of graph IRIs."""
    return {"local": lambda iri: _local_path(iri, base)}


# ---------------------------------------------------------------- OpenAPI pieces


class ErrorBody(BaseModel):
    """The one error shape of every endpoint."""

    error: str = Field(description="A short code for programs.", examples=["not-found"])
    message: str = Field(description="What was wrong, for a person.", examples=["Nothing at /nowhere."])
    hint: str | None = Field(None, description="What to do next.", examples=["See /docs for what this server has."])
    status: int = Field(description="The HTTP status, repeated.", examples=[404])


def errors_doc(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for the error statuses an endpoint can answer with."""
    text = {400: "Malformed request or query", 401: "Missing or wrong API key", 403: "Refused",
            404: "Not found", 413: "Too large", 415: "Unsupported type or encoding",
            422: "Invalid parameters", 503: "Unavailable or over the time limit"}
    return {c: {"model": ErrorBody, "description": text.get(c, "Error") + " (an HTML page for browsers)",
                "content": {"text/html": {"schema": {"type": "string"}}}} for c in codes}
