"""The embedded backend: Oxigraph (pyoxigraph) on disk in a data directory, or in memory.

The only module that knows the pyoxigraph ``Store``. Queries go to Oxigraph as *strings* with the
default graph being the union of the named graphs and values bound as Oxigraph substitutions;
an update request is one transaction, so a reader never sees half a write.

One process holds the store for writing (RocksDB's lock); a second one gets ``StoreLockedError``
with what to do, or opens it ``read_only``.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib.query import Result
from rdflib.term import Node

from graph.errors import NoStoreError, QuerySyntaxError, ReadOnlyStoreError, StoreError, StoreLockedError
from graph.terms import result_from_ox, to_ox


def recorded_base(data_dir: Path, base: str | None, *, default: str, read_only: bool) -> str:
    """The base IRI of the store in ``data_dir``: recorded at creation in ``store.json``.

    Every IRI in the store, the ontology and meta graphs included, is minted under one base;
    opening it with another would start a second ontology graph beside the first, and joins
    over the union graph would count every scheme label twice. So a different base is refused.
    """
    record = Path(data_dir) / "store.json"
    try:
        recorded = json.loads(record.read_text(encoding="utf-8")).get("base") if record.is_file() else None
    except (OSError, ValueError) as e:
        raise StoreError(f"Cannot read {record}: {e}", hint="Restore the file or ingest into a new data directory.") from e
    if recorded and base and recorded.rstrip("/") != base.rstrip("/"):
        raise StoreError(
            f"The graph store in {data_dir} was built with base IRI {recorded}, not {base}.",
            hint=f"Set POLICYKG_BASE_IRI={recorded}, or ingest into a new data directory.",
        )
    chosen = recorded or base or default
    if recorded is None and not read_only:
        try:
            Path(data_dir).mkdir(parents=True, exist_ok=True)
            tmp = record.with_suffix(".tmp")
            tmp.write_text(json.dumps({"base": chosen}) + "\n", encoding="utf-8")
            tmp.replace(record)
        except OSError as e:
            raise StoreError(f"Cannot write to the data directory {data_dir}: {e}",
                             hint="Check that --data or POLICYKG_DATA is a folder you can write.") from e
    return chosen


class OxigraphBackend:
    """An Oxigraph store in ``data_dir / "oxigraph"``; ``data_dir=None`` keeps it in memory."""

    batch_triples: int | None = None  # one update of any size is one transaction

    def __init__(self, data_dir: Path | None, *, read_only: bool = False) -> None:
        self.read_only = read_only
        self.exclusive = not read_only  # RocksDB's lock: one writing process at a time
        self.closed = False
        self.path = (Path(data_dir) / "oxigraph") if data_dir is not None else None
        try:
            if self.path is None:
                self.ox = ox.Store()
            elif read_only:
                if not self.path.exists():
                    raise NoStoreError(self.path.parent)
                self.ox = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self.ox = ox.Store(str(self.path))
        except OSError as e:
            if "lock hold by current process" in str(e):
                raise StoreLockedError(
                    f"The graph store in {self.path} is already open in this process; "
                    "share one handle through graph.store.open_store()."
                ) from e
            if "lock" in str(e).lower():
                raise StoreLockedError(
                    f"The graph store in {self.path} is in use by another process (an ingest or the server). "
                    "Wait for it or stop it; to only read, open the store read-only (e.g. through the server)."
                ) from e
            raise StoreError(f"Cannot open the graph store in {self.path}: {e}",
                             hint="Check that the data directory (--data or POLICYKG_DATA) is a folder you can write.") from e

    def __repr__(self) -> str:
        return f"OxigraphBackend({str(self.path) if self.path else 'in memory'!r})"

    def close(self) -> None:
        if not self.closed:
            if not self.read_only:
                self.ox.flush()
            self.closed = True
            del self.ox
            gc.collect()  # RocksDB (and its lock) go when the last reference to the store does

    def query(self, sparql: str, *, bindings: Mapping[str, Node] | None = None,
              prefixes: Mapping[str, str] | None = None) -> Result:
        try:
            substitutions = {ox.Variable(k): to_ox(v) for k, v in (bindings or {}).items()}
        except ValueError as e:  # e.g. an IRI with a character IRIs cannot have
            raise QuerySyntaxError(f"Cannot bind a query parameter: {e}.") from e
        try:
            raw = self.ox.query(sparql, prefixes=dict(prefixes or {}), use_default_graph_as_union=True,
                                substitutions=substitutions)
            return result_from_ox(raw)
        except SyntaxError as e:
            raise QuerySyntaxError(f"SPARQL syntax error: {e}") from e
        except RuntimeError as e:  # e.g. a bound variable that is not in the projection
            raise StoreError(f"The query cannot run: {e}") from e
        except OSError as e:
            raise StoreError(f"The query failed: {e}") from e

    def update(self, sparql: str) -> None:
        if self.read_only:
            raise ReadOnlyStoreError("The graph store was opened read-only; writes need the writing process.")
        self.ox.update(sparql)

    def quads(self, graph: str) -> Iterator[ox.Quad]:
        return iter(self.ox.quads_for_pattern(None, None, None, ox.NamedNode(graph)))

    def has_graph(self, graph: str) -> bool:
        return self.ox.contains_named_graph(ox.NamedNode(graph))

    def graphs(self, prefix: str) -> list[str]:
        return sorted(g.value for g in self.ox.named_graphs()
                      if isinstance(g, ox.NamedNode) and g.value.startswith(prefix))

    def bulk_load(self, source: Path | bytes, *, format: ox.RdfFormat, graph: str | None) -> bool:
        if self.read_only:
            raise ReadOnlyStoreError("The graph store was opened read-only; writes need the writing process.")
        kwargs: dict[str, object] = {"format": format}
        if graph is not None:
            kwargs["to_graph"] = ox.NamedNode(graph)
        if isinstance(source, bytes):
            self.ox.bulk_load(input=source, **kwargs)
        else:
            self.ox.bulk_load(path=str(source), **kwargs)
        return True
