"""Dependencies shared by the routers: the service, the API key check and content negotiation.

Dependencies are ``Annotated`` aliases (``ServiceDep``, ``ApiKeyDep``), as in the FastAPI
template; the service itself is created once, in the app's lifespan, and kept on ``app.state``.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from api.service import Service
from common.errors import ForbiddenError, PolicyKGError
from common.settings import Settings


class UnauthorizedError(PolicyKGError):
    status = 401
    code = "unauthorized"


# async: FastAPI runs a plain ``def`` dependency on a worker thread, one hand-off per request
async def get_service(request: Request) -> Service:
    return request.app.state.service


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.service.settings


ServiceDep = Annotated[Service, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="The key set in POLICYKG_API_KEY; needed to upload documents.")


def require_api_key(settings: SettingsDep, key: Annotated[str | None, Security(api_key_header)] = None) -> None:
    """Accept the request only with the configured API key (constant-time comparison)."""
    expected = settings.api_key
    if not expected:
        raise ForbiddenError("Uploads are disabled on this server: no API key is configured.",
                             hint="Set POLICYKG_API_KEY and restart the server.")
    if key is None:
        raise UnauthorizedError("This needs an API key.", hint="Send it in the X-API-Key header.")
    if not hmac.compare_digest(key.encode("utf-8"), expected.encode("utf-8")):
        raise UnauthorizedError("The API key is wrong.", hint="Send the key set in POLICYKG_API_KEY.")


ApiKeyDep = Annotated[None, Depends(require_api_key)]


# ---------------------------------------------------------------- content negotiation


def _accept_ranges(accept: str) -> list[tuple[str, float, int]]:
    """``(media range, q, position)`` for each entry of an Accept header."""
    out = []
    for pos, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        out.append((media, q, pos))
    return out


def _quality(offer: str, ranges: list[tuple[str, float, int]]) -> float:
    """q of the most specific range matching ``offer`` (0 when none does)."""
    main = offer.partition("/")[0]
    best, specificity = 0.0, -1
    for media, q, _ in ranges:
        rmain, _, rsub = media.partition("/")
        if media == offer:
            spec = 2
        elif rmain == main and rsub == "*":
            spec = 1
        elif media in ("*/*", "*"):
            spec = 0
        else:
            continue
        if spec > specificity:
            best, specificity = q, spec
    return best


def negotiate(accept: str | None, offers: list[str]) -> str | None:
    """The offer the client prefers (server order breaks ties); None when it accepts none.

    A missing or empty Accept header accepts anything, so the first offer wins.
    """
    if not accept or not accept.strip():
        return offers[0]
    ranges = _accept_ranges(accept)
    scored = [(_quality(o, ranges), -i, o) for i, o in enumerate(offers)]
    q, _, offer = max(scored)
    return offer if q > 0 else None


def wants_html(request: Request) -> bool:
    """A browser (Accept prefers text/html) or ``?format=html``; ``?format=json`` forces JSON."""
    fmt = request.query_params.get("format")
    if fmt:
        return fmt == "html"
    return negotiate(request.headers.get("accept"), ["application/json", "text/html"]) == "text/html"
