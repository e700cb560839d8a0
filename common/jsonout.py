"""The one JSON encoding of response bodies, shared by the server and its search processes."""

from __future__ import annotations

from typing import Any

import orjson

_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_DATACLASS)


def json_bytes(content: Any) -> bytes:
    """orjson: UTF-8 as it is (not ``\\uXXXX``); numpy numbers as numbers; what JSON has no type for
    (dates, dataclasses, paths) as its ``str``, as the standard encoder with ``default=str`` did."""
    return orjson.dumps(content, default=str, option=_OPTIONS)
