"""Hybrid search: dense (e5 + faiss) and lexical (BM25) fused by reciprocal rank fusion.

Why fusion by rank: e5 cosines sit in a narrow band (0.84-0.95) and BM25 scores are unbounded,
so the two scores cannot be added; ranks can (RRF, k=60). Filters are applied inside each
retriever before ranking, so a filtered search still returns ``k`` hits when ``k`` units match.
Queries are converted Traditional -> Simplified (OpenCC t2s) before both retrievers, because
the indexed text is Simplified: a query in either script gives the same hits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ingest.script import t2s
from search import unit_records
from search.dense import (
    FORMAT_VERSION,
    DenseIndex,
    Found,
    IndexKind,
    IndexMismatchError,
    IndexNotFoundError,
    atomic_dir,
    check_saved,
)
from search.filters import Filters, regions_inside
from search.highlight import SNIPPET_WIDTH, mark, marked_terms, window
from search.lexical import LexicalIndex
from search.tokenize import search_tokens
from search.unit_records import Columns, UnitRecords
from search.units import SearchError, Unit, check_units

if TYPE_CHECKING:
    from search.embedder import Embedder

RRF_K = 60
Mode = Literal["hybrid", "dense", "lexical"]
_NONE: Found = (np.zeros(0, np.int64), np.zeros(0, np.float32))  # a retriever not asked


class SearchQueryError(SearchError):
    """The query cannot be searched (empty, or needs a retriever that is not loaded)."""

    code = "bad-search-query"


def prepare_query(query: str) -> str:
    """The query as both retrievers see it: Simplified, whitespace collapsed."""
    text = re.sub(r"\s+", " ", t2s(query)).strip()
    if not text:
        raise SearchQueryError("The query is empty; type a few words to search for.")
    return text


@dataclass
class Hit:
    """One result: where it came from (IRI, which retrievers, their ranks and scores) and a snippet.

    The snippet and the matches are made from ``terms`` (the query's tokens) when first asked for:
    a document search reads a hundred unit hits and shows a few of them."""

    iri: str
    score: float  # fused RRF score (or the single retriever's score in dense/lexical mode)
    rank: int
    unit: Unit
    dense_rank: int | None = None
    dense_score: float | None = None
    lexical_rank: int | None = None
    lexical_score: float | None = None
    terms: tuple[str, ...] = ()  # the query tokens the snippet marks
    # marked on first read: the terms found (linking reads them for ~15k hits a run) apart from the
    # snippet window (search shows it for a few), which costs twice as much
    _marks: tuple[bytearray, list[tuple[int, int]], list[str]] | None = field(default=None, init=False, repr=False,
                                                                               compare=False)
    _window: tuple[str, str] | None = field(default=None, init=False, repr=False, compare=False)

    def _mark(self) -> tuple[bytearray, list[tuple[int, int]], list[str]]:
        if self._marks is None:
            self._marks = mark(self.unit.text, marked_terms(self.terms))
        return self._marks

    def _snippet(self) -> tuple[str, str]:
        if self._window is None:
            covered, merged, _ = self._mark()
            self._window = window(self.unit.text, covered, merged, width=SNIPPET_WIDTH)
        return self._window

    @property
    def snippet(self) -> str:
        """HTML-escaped window of the text, matched query tokens in <mark>…</mark>."""
        return self._snippet()[0]

    @property
    def snippet_text(self) -> str:
        """The same window as plain text."""
        return self._snippet()[1]

    @property
    def spans(self) -> list[tuple[int, int]]:
        """Matched spans in unit.text."""
        return self._mark()[1]

    @property
    def matched(self) -> list[str]:
        """Query tokens found in unit.text."""
        return self._mark()[2]

    def to_dict(self) -> dict[str, Any]:
        (snippet, plain), (_, spans, matched) = self._snippet(), self._mark()
        return {
            "iri": self.iri, "score": self.score, "rank": self.rank, "unit": self.unit.to_dict(),
            "dense_rank": self.dense_rank, "dense_score": self.dense_score,
            "lexical_rank": self.lexical_rank, "lexical_score": self.lexical_score,
            "snippet": snippet, "snippet_text": plain, "spans": [list(s) for s in spans], "matched": list(matched),
            "retrievers": {
                name: {"rank": rank, "score": score}
                for name, rank, score in (
                    ("dense", self.dense_rank, self.dense_score),
                    ("lexical", self.lexical_rank, self.lexical_score),
                )
                if rank is not None
            },
        }


@dataclass(frozen=True)
class Ranked:
    """Fused unit rows, best first, before any unit record is read: a document search weighs a
    hundred and shows a few (``HybridIndex.hits`` makes hits of those). ``dense``/``lexical``: each
    row's (rank, score) in that retriever, ``None`` where it did not find the row."""

    rows: list[int]
    scores: list[float]
    dense: list[tuple[int, float] | None]
    lexical: list[tuple[int, float] | None]
    terms: tuple[str, ...]


class HybridIndex:
    """Units plus their dense and lexical indexes, saved and loaded together."""

    def __init__(
        self,
        units: Sequence[Unit],
        dense: DenseIndex,
        lexical: LexicalIndex,
        *,
        graph_state: str,
        embedder: Embedder | None = None,
        columns: Columns | None = None,
    ) -> None:
        # a saved index reads its records on demand (``search.unit_records``); a built one holds a list
        self.units: Sequence[Unit] = units if isinstance(units, UnitRecords) else list(units)
        same = len(dense.iris) == len(self.units) if isinstance(units, UnitRecords) else \
            dense.iris == [u.iri for u in self.units]
        if not same or dense.iris != lexical.iris:
            raise IndexMismatchError("Dense and lexical indexes do not hold the same units; rebuild them.")
        self.dense = dense
        self.lexical = lexical
        self.graph_state = graph_state
        self.embedder = embedder
        # ``search_tokens`` of many query texts, when a cache has them (``IndexStore.for_linking``)
        self.query_tokens: Callable[[Sequence[str]], list[list[str]]] | None = None
        self._row = dense.rows
        self._columns = columns or Columns.of(self.units)
        self._masks: dict[tuple[Any, ...], np.ndarray] = {}

    @property
    def model(self) -> str:
        return self.dense.config.model

    @property
    def columns(self) -> Columns:
        """The filter fields of every unit, without reading the unit records."""
        return self._columns

    def __len__(self) -> int:
        return len(self.units)

    # ------------------------------------------------------------------ build / persist

    @classmethod
    def build(
        cls,
        units: Sequence[Unit],
        embedder: Embedder,
        *,
        graph_state: str,
        progress: bool = False,
        dense_kind: IndexKind | Literal["auto"] = "auto",
    ) -> HybridIndex:
        """Embed and index ``units`` (texts are embedded as passages)."""
        units = check_units(units)
        iris = [u.iri for u in units]
        texts = [u.text for u in units]
        vectors = embedder.embed_passages(texts, progress=progress)
        dense = DenseIndex.build(iris, vectors, model=embedder.model_name, graph_state=graph_state, kind=dense_kind)
        lexical = LexicalIndex.build(iris, texts, graph_state=graph_state)
        return cls(units, dense, lexical, graph_state=graph_state, embedder=embedder)

    def save(self, directory: Path) -> None:
        """Write ``config.json``, ``units.jsonl``, ``dense/`` and ``lexical/``; replaces atomically."""
        directory = Path(directory)
        with atomic_dir(directory) as tmp:
            self.dense.save(tmp / "dense")
            self.lexical.save(tmp / "lexical")
            unit_records.save(tmp, self.units)
            config = {
                "model": self.model, "dimension": self.dense.config.dimension, "count": len(self.units),
                "graph_state": self.graph_state, "dense_kind": self.dense.config.kind, "rrf_k": RRF_K,
                "format_version": FORMAT_VERSION,
            }
            (tmp / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(
        cls, directory: Path, *, embedder: Embedder | None = None, graph_state: str | None = None
    ) -> HybridIndex:
        """Read a saved index. ``IndexMismatchError`` when it was built with a model other than
        ``embedder``'s or from another ``graph_state``: the caller rebuilds."""
        directory = Path(directory)
        config_path = directory / "config.json"
        if not config_path.exists():
            raise IndexNotFoundError(f"No search index at {directory}; build it first.")
        config = json.loads(config_path.read_text(encoding="utf-8"))
        model = embedder.model_name if embedder is not None else None
        check_saved(config, directory, model=model, graph_state=graph_state)
        if embedder is not None and config.get("dimension") != embedder.dim:
            raise IndexMismatchError(
                f"Index at {directory} holds {config.get('dimension')}-d vectors, the model makes "
                f"{embedder.dim}-d ones; rebuild the index."
            )
        dense = DenseIndex.load(directory / "dense", model=model, graph_state=graph_state)
        lexical = LexicalIndex.load(directory / "lexical", graph_state=graph_state)
        units, columns = unit_records.load(directory)
        return cls(units, dense, lexical, graph_state=config["graph_state"], embedder=embedder, columns=columns)

    # ------------------------------------------------------------------ search

    def mask(self, filters: Filters | None) -> np.ndarray | None:
        """Boolean mask of the units a filter lets through (``None``: all of them)."""
        if filters is None or filters.is_empty():
            return None
        key = filters.key()
        cached = self._masks.get(key)
        if cached is not None:
            return cached
        level, region, doc_type, kind, exclude = key
        mask = np.ones(len(self.units), bool)
        for name, values in (("level", level), ("doc_type", doc_type), ("kind", kind)):
            if values is not None:
                mask &= self._columns.isin(name, values)
        if region is not None:
            mask &= self._columns.isin("region", regions_inside(self._columns.distinct("region"), region))
        if exclude is not None:
            mask &= ~self._columns.isin("doc_id", exclude)
        if len(self._masks) > 128:
            self._masks.clear()
        self._masks[key] = mask
        return mask

    def unit(self, iri: str) -> Unit | None:
        row = self._row.get(iri)
        return None if row is None else self.units[row]

    def search(self, query: str, **options: Any) -> list[Hit]:
        """The best units for ``query`` as hits; ``options`` are those of ``ranked``."""
        return self.hits(self.ranked(query, **options))

    def ranked(
        self,
        query: str,
        *,
        k: int = 10,
        filters: Filters | None = None,
        mode: Mode = "hybrid",
        fetch: int | None = None,
        vector: np.ndarray | None = None,
        tokens: Sequence[str] | None = None,
    ) -> Ranked:
        """The ``k`` best units for ``query`` as rows and scores, before any unit record is read
        (``hits`` makes them hits); each retriever over-fetches ``fetch`` candidates.

        ``vector`` and ``tokens`` (``search_tokens`` of the query) are the query's embedding and
        BM25 tokens when the caller already has them (batch linking, the document search)."""
        text = prepare_query(query)
        if k <= 0 or not self.units:
            return Ranked([], [], [], [], ())
        allowed = self.mask(filters)
        fetch = max(k, fetch or max(3 * k, 50))
        tokens = search_tokens(text) if tokens is None else tokens
        dense_hits = lexical_hits = _NONE
        if mode in ("hybrid", "dense"):
            if vector is None:
                if self.embedder is None:
                    raise SearchQueryError("Dense search needs the embedding model; load the index with an embedder.")
                vector = self.embedder.embed_queries([text])[0]
            dense_hits = self.dense.found(vector, fetch, allowed=allowed)
        if mode in ("hybrid", "lexical"):
            lexical_hits = self.lexical.found(tokens, fetch, allowed=allowed)
        return self._rank(dense_hits, lexical_hits, k=k, mode=mode, terms=tokens)

    def search_many(
        self,
        queries: Sequence[str],
        *,
        k: int = 10,
        filters: Sequence[Filters | None] | None = None,
        mode: Mode = "hybrid",
        vectors: np.ndarray | Sequence[np.ndarray | None] | None = None,
        chunk: int = 256,
    ) -> list[list[Hit]]:
        """``search`` for many queries, each with its own filters: queries that share a filter are
        answered together, by one matrix product per retriever and chunk (``DenseIndex.found_many``,
        ``LexicalIndex.scores_many``). Linking asks with every local provision this way; a hit
        marks its terms only when read (``Hit.snippet``, ``matched``)."""
        texts = [prepare_query(q) for q in queries]
        if k <= 0 or not self.units or not texts:
            return [[] for _ in texts]
        wanted = list(filters) if filters is not None else [None] * len(texts)
        if vectors is None and mode != "lexical":
            if self.embedder is None:
                raise SearchQueryError("Dense search needs the embedding model; load the index with an embedder.")
            vectors = self.embedder.embed_queries(texts)
        fetch = max(k, 3 * k, 50)
        tokens = self.query_tokens(texts) if self.query_tokens is not None else [search_tokens(t) for t in texts]
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i, f in enumerate(wanted):
            groups.setdefault(f.key() if f is not None else (), []).append(i)
        out: list[list[Hit]] = [[] for _ in texts]
        for members in groups.values():
            allowed = self.mask(wanted[members[0]])
            for start in range(0, len(members), chunk):
                part = members[start:start + chunk]
                dense: list[Found] = [_NONE] * len(part)
                lexical: list[Found] = [_NONE] * len(part)
                if mode in ("hybrid", "dense") and vectors is not None:
                    dense = self.dense.found_many(np.stack([vectors[i] for i in part]), fetch, allowed=allowed)
                if mode in ("hybrid", "lexical"):
                    scores = self.lexical.scores_many([tokens[i] for i in part])
                    lexical = [self.lexical.top_found(row, fetch, allowed=allowed) for row in scores]
                for i, d, lx in zip(part, dense, lexical, strict=True):
                    out[i] = self.hits(self._rank(d, lx, k=k, mode=mode, terms=tokens[i]))
        return out

    def search_vector(self, vector: np.ndarray, *, k: int = 10, filters: Filters | None = None) -> list[Hit]:
        """Dense-only search by a ready vector (e.g. a local provision's, for linking)."""
        if k <= 0 or not self.units:
            return []
        hits = self.dense.found(vector, k, allowed=self.mask(filters))
        return self.hits(self._rank(hits, _NONE, k=k, mode="dense", terms=[]))

    def hits(self, ranked: Ranked, at: Sequence[int] | None = None) -> list[Hit]:
        """The hits of ``ranked`` (at positions ``at``: default all), their unit records read now."""
        out = []
        for i in range(len(ranked.rows)) if at is None else at:
            unit = self.units[ranked.rows[i]]
            (d_rank, d_score), (l_rank, l_score) = ranked.dense[i] or (None, None), ranked.lexical[i] or (None, None)
            out.append(Hit(iri=unit.iri, score=ranked.scores[i], rank=i + 1, unit=unit, dense_rank=d_rank,
                           dense_score=d_score, lexical_rank=l_rank, lexical_score=l_score, terms=ranked.terms))
        return out

    def doc_ids(self, ranked: Ranked) -> list[str]:
        """The document of each ranked row, without reading a unit record."""
        return self._columns.values_at("doc_id", ranked.rows)

    def _rank(self, dense_hits: Found, lexical_hits: Found, *, k: int, mode: Mode, terms: Sequence[str]) -> Ranked:
        terms = tuple(terms)
        if mode != "hybrid":  # one retriever: its own order
            rows, scores = (dense_hits if mode == "dense" else lexical_hits)
            kept = scores[:k].tolist()
            ranks = list(enumerate(kept, start=1))
            return Ranked(rows[:k].tolist(), kept, ranks if mode == "dense" else [None] * len(kept),
                          ranks if mode == "lexical" else [None] * len(kept), terms)
        # reciprocal rank fusion over arrays: ~20 clients' searches share one GIL
        n_dense, n_found = len(dense_hits[0]), len(dense_hits[0]) + len(lexical_hits[0])
        found = np.concatenate([dense_hits[1], lexical_hits[1]]).astype(np.float64)
        rows, where = np.unique(np.concatenate([dense_hits[0], lexical_hits[0]]), return_inverse=True)
        ranks = np.concatenate([np.arange(1, n_dense + 1), np.arange(1, n_found - n_dense + 1)])
        rrf = np.zeros(rows.size)
        rank_of = np.zeros((2, rows.size), np.int64)  # 0: not found by that retriever
        score_of = np.zeros((2, rows.size))
        for side, part in ((0, slice(0, n_dense)), (1, slice(n_dense, None))):
            at = where[part]
            rrf[at] += 1.0 / (RRF_K + ranks[part])  # dense first: the same sums as adding scalars
            rank_of[side, at], score_of[side, at] = ranks[part], found[part]
        tie = np.where(rank_of[0] > 0, rank_of[0], 10**9)  # ties: the better dense rank, then the row
        best = np.lexsort((rows, tie, -rrf))[:k]
        d_rank, l_rank = rank_of[0, best].tolist(), rank_of[1, best].tolist()
        d_score, l_score = score_of[0, best].tolist(), score_of[1, best].tolist()
        return Ranked(rows[best].tolist(), rrf[best].tolist(),
                      [(r, s) if r else None for r, s in zip(d_rank, d_score, strict=True)],
                      [(r, s) if r else None for r, s in zip(l_rank, l_score, strict=True)], terms)
