"""Browser tests reuse the API fixtures (the served corpus)."""

from tests.api.conftest import server, service  # noqa: F401
