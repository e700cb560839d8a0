"""Loading a large RDF file into the layout, in batches a rerun can resume (``GraphStore.bulk_load``).

Apart from ``graph.layout`` for its size only: it writes the same meta graph through the store's
own helpers. Each batch is sent with the count of quads loaded so far, in one update request, so
a rerun with the same input continues after the last batch the store acknowledged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import PROV, VOID

from graph.backend import RDF_FORMATS
from graph.errors import ExportFormatError, ReadOnlyStoreError, StoreError

if TYPE_CHECKING:
    from graph.layout import GraphStore


def bulk_load(store: GraphStore, source: Path | bytes, *, format: str = "nq", graph: URIRef | None = None,
              progress: Callable[[int], None] | None = None) -> str:
    """Load a large N-Quads (or N-Triples/Turtle/TriG) file, outside transactions: with the
    backend's own loader, or in batches of ``batch_triples`` quads, each sent with the count
    loaded so far, so a rerun with the same input continues after the last batch the store
    acknowledged. The document graphs are registered when all is in. ``progress`` gets the
    running quad count of a batched load."""
    if store.read_only:
        raise ReadOnlyStoreError("The graph store was opened read-only; writes need the writing process.")
    fmt = RDF_FORMATS.get(format)
    if fmt is None:
        raise ExportFormatError(f"Cannot bulk-load format '{format}'; use one of {', '.join(RDF_FORMATS)}.")
    ops: list[str] = []
    if not store.backend.bulk_load(source, format=fmt, graph=str(graph) if graph is not None else None):
        done = _load_in_batches(store, source, fmt, graph, progress)
        if done is None:
            return store.write_state()
        ops = done
    store._register(store._unregistered(), "bulk")
    return store._write(ops)


def _load_in_batches(store: GraphStore, source: Path | bytes, fmt: ox.RdfFormat, graph: URIRef | None,
                     progress: Callable[[int], None] | None) -> list[str] | None:
    """Send ``source`` in batches; the ops that mark the load finished, or None when it was already."""
    digest = hashlib.sha256(str(graph or "").encode())
    if isinstance(source, bytes):
        digest.update(source)
    else:
        with open(source, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    load = f"<{store.iris.meta_graph}/load/{digest.hexdigest()[:24]}>"
    if store._meta_value(load, PROV.endedAtTime):
        return None
    done = int(store._meta_value(load, VOID.triples) or 0)
    quads = ox.parse(source, format=fmt) if isinstance(source, bytes) else ox.parse(path=str(source), format=fmt)
    limit = store.backend.batch_triples or 1
    batch: dict[str, list[str]] = {}
    count = size = 0

    def send() -> None:
        nonlocal size
        body = " ".join(f"GRAPH <{g}> {{\n{''.join(lines)}}}" for g, lines in batch.items())
        store.backend.update(" ;\n".join([f"INSERT DATA {{ {body} }}", *store._set_meta(load, VOID.triples, str(count))]))
        batch.clear()
        size = 0
        if progress is not None:
            progress(count)

    for q in quads:
        g = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else (str(graph) if graph else None)
        if g is None:
            raise StoreError("The input has triples outside a named graph; give graph= to load them into one.")
        count += 1
        if count <= done:
            continue
        batch.setdefault(g, []).append(f"{q.subject} {q.predicate} {q.object} .\n")
        size += 1
        if size >= limit:
            send()
    if batch:
        send()
    return store._set_meta(load, PROV.endedAtTime, str(count))
