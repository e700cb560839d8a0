"""The graph layer's errors: one module every graph module (backends included) raises from.

Each one is a ``common.errors`` class, so the HTTP layer and the CLI turn it into the one error
shape without knowing the graph layer; ``status``/``code`` are what a client sees.
"""

from __future__ import annotations

from pathlib import Path

from common.errors import ForbiddenError, InputError, NotFoundError, QueryError, StoreError


class NoStoreError(StoreError):
    """The data folder holds no graph store: nothing was ingested there, or --data names another folder."""

    def __init__(self, data_dir: Path, *, hint: str | None = None) -> None:
        super().__init__(f"No graph store in {data_dir}; run \"policykg ingest\" first.", hint=hint)


class StoreLockedError(StoreError):
    """Another process (or another handle in this one) holds the store for writing."""

    status = 409
    code = "store-locked"


class QuerySyntaxError(QueryError):
    """The SPARQL text does not parse, or a value cannot be bound; the message carries the parser's."""

    code = "bad-query"


class UpdateRefusedError(ForbiddenError):
    """``query`` was given a SPARQL update (or SERVICE, or a server pragma); the graph changes only
    through ingest/remove."""

    code = "update-refused"


class UnknownDocumentError(NotFoundError):
    """No named graph for the document id."""


class ExportFormatError(InputError):
    """Unknown export or load format."""

    code = "bad-format"


class ReadOnlyStoreError(StoreError):
    """A write on a store opened read-only."""


class QueryTimeoutError(StoreError):
    """The store did not answer within its timeout (a remote store's partial answer counts as none)."""

    code = "query-timeout"
