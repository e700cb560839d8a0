"""The dense (embedding) index: faiss inner product over L2-normalised vectors.

Why two kinds: exact ``IndexFlatIP`` costs ~6 ms a query at 100k x 384 and is exact, so it is
used up to ``FLAT_LIMIT`` vectors; above that an HNSW graph answers in about a millisecond at
high recall (measure it on real embeddings: ``bench/search_bench.py``). The index is derived
data: ``config.json`` records the model, dimension and the graph state it was built from, and
``load`` refuses a folder built from anything else, so a stale index is rebuilt, never served.
Filters are applied inside the search (a faiss ID selector, or an exact scan of the allowed
rows), so a filter never returns fewer than ``k`` hits when ``k`` rows match.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import faiss
import numpy as np

from common.errors import NotFoundError, StaleIndexError
from search.units import SearchError

IndexKind = Literal["flat", "flat16", "hnsw"]
FLAT_KINDS = ("flat", "flat16")
FORMAT_VERSION = 1
# Above this many vectors, build HNSW. A flat scan is exact at ~6 ms a query at 100k, and it is
# built in a blink (24k x 384: 0.3 s) where HNSW took 251 s on 2 busy cores; every document added
# rebuilds the index, so HNSW pays only where a flat scan gets slow. The default flat index keeps
# the vectors as float16 ("flat16"): one query's scan reads memory, not arithmetic, so half the
# bytes is 0.63x the time a query over 24k units (bench/dense_bench.py). Scores stay within ~1e-3
# of float32, so only near-ties swap; the gold sets were checked (README "Search under load").
FLAT_LIMIT = 100_000
EXACT_SCAN_LIMIT = 20_000  # filtered HNSW searches over at most this many rows scan them exactly


_omp = threading.local()


def _omp_threads(n: int) -> None:
    """Let faiss use ``n`` OpenMP threads in the calling thread (OpenMP keeps the setting per
    thread): one query is fastest single-threaded (measured: flat 100k x 384 takes 7 ms on one
    thread, 35 ms on two, where the threads contend with the model's); building uses every core.
    Set only when it changes: each call is a trip through the GIL, and a search made four of them,
    ~6% of a server's samples at 20 clients."""
    if getattr(_omp, "threads", None) != n:
        faiss.omp_set_num_threads(n)
        _omp.threads = n


Found = tuple[np.ndarray, np.ndarray]
"""A retriever's answer as arrays: rows (int64) and their scores (float32), best first."""


def as_pairs(found: Found) -> list[tuple[int, float]]:
    """A retriever's answer as ``(row, score)`` pairs of Python numbers."""
    rows, scores = found
    return list(zip(rows.tolist(), scores.tolist(), strict=True))


def _found(rows: np.ndarray, scores: np.ndarray) -> Found:
    """faiss' answer as arrays, rows of -1 (none) left out."""
    kept = rows >= 0
    return (rows, scores) if kept.all() else (rows[kept], scores[kept])


class IndexNotFoundError(SearchError, NotFoundError):
    """No index where one was expected."""

    code = "no-index"


class IndexMismatchError(SearchError, StaleIndexError):
    """A saved index was built from another model, dimension or graph state: rebuild it."""

    code = "stale-index"


@dataclass(frozen=True)
class DenseConfig:
    """What built a dense index; written as ``config.json`` beside it."""

    model: str
    dimension: int
    count: int
    kind: IndexKind
    graph_state: str
    metric: str = "inner_product"
    hnsw_m: int | None = None
    ef_construction: int | None = None
    ef_search: int | None = None
    format_version: int = FORMAT_VERSION


def check_saved(config: dict[str, object], path: Path, *, model: str | None, graph_state: str | None) -> None:
    """Raise ``IndexMismatchError`` when a saved index does not match what the caller serves."""
    if config.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"Index at {path} has format {config.get('format_version')}, this code reads "
            f"{FORMAT_VERSION}; rebuild the index."
        )
    if model is not None and config.get("model") != model:
        raise IndexMismatchError(
            f"Index at {path} was built with model {config.get('model')!r}, not {model!r}; rebuild the index."
        )
    if graph_state is not None and config.get("graph_state") != graph_state:
        raise IndexMismatchError(
            f"Index at {path} was built from graph state {config.get('graph_state')!r}, the graph is "
            f"now {graph_state!r}; rebuild the index."
        )


def replace_dir(tmp: Path, target: Path) -> None:
    """Move a fully written ``tmp`` folder to ``target``, replacing an older one."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
    tmp.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """A fresh folder beside ``target`` (same filesystem) to write into; it replaces ``target``
    only when the block finishes, so a crash leaves the old folder, never a half-written one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield tmp
        replace_dir(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class DenseIndex:
    """Vectors keyed by unit IRI; row ``i`` of the index is ``iris[i]``."""

    def __init__(self, index: faiss.Index, iris: Sequence[str], config: DenseConfig) -> None:
        if index.ntotal != len(iris):
            raise SearchError(f"Dense index has {index.ntotal} vectors but {len(iris)} IRIs.")
        self.index = index
        self.iris = list(iris)
        self.config = config
        self._row = {iri: i for i, iri in enumerate(self.iris)}

    @classmethod
    def build(
        cls,
        iris: Sequence[str],
        vectors: np.ndarray,
        *,
        model: str,
        graph_state: str,
        kind: IndexKind | Literal["auto"] = "auto",
        flat_limit: int = FLAT_LIMIT,
        hnsw_m: int = 32,
        ef_construction: int = 200,
        ef_search: int = 256,
    ) -> DenseIndex:
        """Index ``vectors`` (rows L2-normalised, one per IRI): flat when small, HNSW when large."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(iris):
            raise SearchError(f"Expected {len(iris)} vectors as rows, got an array of shape {vectors.shape}.")
        dim = vectors.shape[1]
        if kind == "auto":
            kind = "flat16" if len(iris) <= flat_limit else "hnsw"
        if kind == "flat":
            index: faiss.Index = faiss.IndexFlatIP(dim)
            config = DenseConfig(model, dim, len(iris), "flat", graph_state)
        elif kind == "flat16":
            index = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
            config = DenseConfig(model, dim, len(iris), "flat16", graph_state)
        else:
            index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = ef_construction
            index.hnsw.efSearch = ef_search
            config = DenseConfig(model, dim, len(iris), "hnsw", graph_state, hnsw_m=hnsw_m,
                                 ef_construction=ef_construction, ef_search=ef_search)
        if len(iris):
            _omp_threads(max(1, len(os.sched_getaffinity(0))))
            index.add(vectors)
        return cls(index, iris, config)

    def __len__(self) -> int:
        return len(self.iris)

    def row(self, iri: str) -> int | None:
        return self._row.get(iri)

    @property
    def rows(self) -> dict[str, int]:
        """IRI -> row, for every row (shared, not to be changed)."""
        return self._row

    def vectors(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Stored vectors (all rows, or the given ones): both index kinds keep them exactly."""
        if rows is None:
            rows = np.arange(len(self.iris))
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return np.zeros((0, self.config.dimension), np.float32)
        return self.index.reconstruct_batch(rows)

    def search(
        self, query: np.ndarray, k: int, *, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` rows for one query vector as ``(row, inner product)``, best first.

        ``allowed`` is a boolean mask over rows; only those rows can be returned, and
        ``min(k, allowed.sum())`` of them always are.
        """
        return as_pairs(self.found(query, k, allowed=allowed))

    def found(self, query: np.ndarray, k: int, *, allowed: np.ndarray | None = None) -> Found:
        """``search`` as arrays (rows, scores): the hybrid search fuses them as arrays, and a hundred
        pairs of Python numbers made and turned back into an array cost a tenth of a millisecond."""
        _omp_threads(1)
        rows, scores = self._search(query, k, allowed)
        return rows.astype(np.int64, copy=False), scores.astype(np.float32, copy=False)

    def _search(self, query: np.ndarray, k: int, allowed: np.ndarray | None) -> Found:
        none = np.zeros(0, np.int64), np.zeros(0, np.float32)
        q = np.ascontiguousarray(np.asarray(query, dtype=np.float32).reshape(1, -1))
        if q.shape[1] != self.config.dimension:
            raise SearchError(
                f"Query vector has dimension {q.shape[1]}, the index {self.config.dimension}."
            )
        n = len(self.iris)
        if allowed is None:
            k = min(k, n)
            if k <= 0:
                return none
            scores, rows = self.index.search(q, k)
            return _found(rows[0], scores[0])
        rows_allowed = np.flatnonzero(allowed)
        k = min(k, rows_allowed.size)
        if k <= 0:
            return none
        if self.config.kind == "hnsw" and rows_allowed.size > EXACT_SCAN_LIMIT:
            params = faiss.SearchParametersHNSW(
                sel=faiss.IDSelectorBitmap(np.packbits(allowed, bitorder="little")),
                efSearch=max(self.config.ef_search or 0, 2 * k),
            )
            scores, rows = self.index.search(q, k, params=params)
            hits = _found(rows[0], scores[0])
            if len(hits[0]) == k:
                return hits
        if self.config.kind in FLAT_KINDS:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(rows_allowed.astype(np.int64)))
            scores, rows = self.index.search(q, k, params=params)
            return _found(rows[0], scores[0])
        # few allowed rows (or the graph walk came up short): scan them exactly
        sims = self.vectors(rows_allowed) @ q[0]
        top = np.argpartition(-sims, k - 1)[:k] if k < sims.size else np.arange(sims.size)
        top = top[np.argsort(-sims[top], kind="stable")]
        return rows_allowed[top], sims[top]

    def found_many(self, queries: np.ndarray, k: int, *, allowed: np.ndarray | None = None) -> list[Found]:
        """``found`` for each row of ``queries``, in one faiss call on a flat index (linking asks
        with every local provision: one search per query took 8.5 s for 2,236 on the real corpus).
        The same kernel and selector as ``search``, so ties between identical texts fall the same
        way (an exact scan of our own ordered them otherwise, and moved the bundled gold's
        document R@1). An HNSW index is searched query by query."""
        q = np.ascontiguousarray(np.asarray(queries, dtype=np.float32).reshape(-1, self.config.dimension))
        if self.config.kind not in FLAT_KINDS:
            return [self.found(v, k, allowed=allowed) for v in q]
        k = min(k, len(self.iris) if allowed is None else int(allowed.sum()))
        if k <= 0 or not len(q):
            return [(np.zeros(0, np.int64), np.zeros(0, np.float32)) for _ in range(len(q))]
        params = None if allowed is None else faiss.SearchParameters(
            sel=faiss.IDSelectorBatch(np.flatnonzero(allowed).astype(np.int64)))
        _omp_threads(1)
        scores, rows = self.index.search(q, k, params=params)
        return [_found(rr.astype(np.int64, copy=False), ss) for rr, ss in zip(rows, scores, strict=True)]

    def save(self, directory: Path) -> None:
        """Write ``index.faiss``, ``iris.json`` and ``config.json``; replaces atomically."""
        directory = Path(directory)
        with atomic_dir(directory) as tmp:
            faiss.write_index(self.index, str(tmp / "index.faiss"))
            (tmp / "iris.json").write_text(json.dumps(self.iris, ensure_ascii=False), encoding="utf-8")
            (tmp / "config.json").write_text(json.dumps(asdict(self.config), indent=2), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, *, model: str | None = None, graph_state: str | None = None) -> DenseIndex:
        """Read a saved index; ``IndexMismatchError`` if it was built from another model or graph."""
        directory = Path(directory)
        config_path = directory / "config.json"
        if not config_path.exists():
            raise IndexNotFoundError(f"No dense index at {directory}; build the search index first.")
        raw = json.loads(config_path.read_text(encoding="utf-8"))
        check_saved(raw, directory, model=model, graph_state=graph_state)
        config = DenseConfig(**raw)
        index = faiss.read_index(str(directory / "index.faiss"))
        if config.kind == "hnsw" and config.ef_search:
            faiss.downcast_index(index).hnsw.efSearch = config.ef_search
        iris = json.loads((directory / "iris.json").read_text(encoding="utf-8"))
        if index.ntotal != config.count or index.d != config.dimension:
            raise IndexMismatchError(f"Index at {directory} does not match its config.json; rebuild it.")
        return cls(index, iris, config)
