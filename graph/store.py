"""Opening the graph store: ``open_store`` picks a backend from the settings and keeps one handle
per location for the process.

The store spec (the ``store`` setting, ``POLICYKG_STORE``): ``oxigraph`` keeps an embedded
Oxigraph store in the data directory, ``oxigraph:PATH`` in ``PATH``, and
``sparql+http://host:port/sparql`` (or ``sparql+https://``) uses a SPARQL 1.1 server with the
``store_*`` settings (user, password, update URL, timeout, batch size; never in the spec).

The names callers use live here: ``GraphStore`` (``graph.layout``), its results
(``graph.summaries``), its errors (``graph.errors``) and the export formats (``graph.export``).
"""

from __future__ import annotations

import threading
from pathlib import Path

from common.settings import Settings
from graph.errors import (
    ExportFormatError,
    QuerySyntaxError,
    QueryTimeoutError,
    ReadOnlyStoreError,
    StoreError,
    StoreLockedError,
    UnknownDocumentError,
    UpdateRefusedError,
)
from graph.export import EXPORT_FORMATS, ExportFormat, serialize_quads
from graph.iris import DEFAULT_BASE
from graph.layout import GraphStore
from graph.summaries import IngestSummary, StoreStats

__all__ = [
    "EXPORT_FORMATS", "ExportFormat", "ExportFormatError", "GraphStore", "IngestSummary", "QuerySyntaxError",
    "QueryTimeoutError", "ReadOnlyStoreError", "StoreError", "StoreLockedError", "StoreStats",
    "UnknownDocumentError", "UpdateRefusedError", "open_store", "serialize_quads",
]

_OPEN: dict[object, GraphStore] = {}
_OPEN_LOCK = threading.Lock()


def open_store(data_dir: Path | None = None, *, base: str | None = None, read_only: bool = False,
               store: str | None = None, settings: Settings | None = None) -> GraphStore:
    """The process's store, opened once per location.

    ``store`` overrides the ``store`` setting and ``data_dir`` the ``data`` one; ``settings``
    defaults to what the environment says now (``POLICYKG_*``).
    """
    settings = settings or Settings()
    spec = (store or settings.store).strip()
    if spec.startswith(("sparql+http://", "sparql+https://")):
        key: object = (spec, base)
        with _OPEN_LOCK:
            opened = _OPEN.get(key)
            if opened is None or opened.closed:
                from graph.backends.sparql_http import (  # httpx: 0.1 s
                    DEFAULT_BATCH_TRIPLES,
                    SparqlHttpBackend,
                )

                backend = SparqlHttpBackend(
                    spec.removeprefix("sparql+"), read_only=read_only, update_endpoint=settings.store_update_url,
                    user=settings.store_user, password=settings.store_password, timeout_s=settings.store_timeout_s,
                    batch_triples=settings.store_batch or DEFAULT_BATCH_TRIPLES)
                opened = _OPEN[key] = GraphStore(backend, base=base or DEFAULT_BASE)
            return opened
    if spec == "oxigraph":
        location = data_dir or settings.data
    elif spec.startswith("oxigraph:"):
        location = Path(spec.removeprefix("oxigraph:"))
    else:
        raise StoreError(f"Unknown store '{spec}'.", hint="Use 'oxigraph', 'oxigraph:PATH' or "
                         "'sparql+http://host:port/sparql' (POLICYKG_STORE or the store setting).")
    path = Path(location).resolve()
    with _OPEN_LOCK:
        opened = _OPEN.get(path)
        if opened is None or opened.closed:
            opened = _OPEN[path] = GraphStore(path, base=base, read_only=read_only)
        return opened
