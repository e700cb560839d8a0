"""Browser tests reuse the API fixtures (the served corpus)."""

from tests.api.conftest import api_settings, server, service  # noqa: F401
