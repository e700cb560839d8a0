"""The lexical index: BM25 (``bm25s``) over protected jieba tokens.

Why beside the dense index: e5 embeddings blur exact identifiers, and a researcher who types
``工信厅联消费函〔2023〕87号``, ``15家以上`` or an agency name wants the units that say exactly
that. Tokens come from ``search.tokenize.search_tokens`` so 文号, titles, dates and quantities
are whole tokens in both the units and the query.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import bm25s
import numpy as np
from scipy import sparse

from search.dense import (
    FORMAT_VERSION,
    Found,
    IndexMismatchError,
    IndexNotFoundError,
    as_pairs,
    atomic_dir,
    check_saved,
)
from search.tokenize import QueryCut, Token, cut, search_tokens
from search.units import SearchError

# bm25s >= 0.3.16 sets its logger to DEBUG on import, so once anything configures logging every
# index build prints "Building index from tokens"; its progress is ours to report.
logging.getLogger("bm25s").setLevel(logging.WARNING)

# A label saved with the index, not an import path (it keeps the tokenizer's first home,
# ingest.segment, so indexes built before the move stay valid): bump the number when the
# tokens change, and every saved index is then rebuilt.
TOKENIZER = "ingest.segment.search_tokens/1"
# Whole words only (no sub-grams): better over whole documents, where the sub-grams of every long
# word swamp the length normalisation (real corpus, document R@1 0.44 with sub-grams, 0.53 without).
WORDS = "search.tokenize.words/1"


def words(text: str, tokens: Sequence[Token] | None = None) -> list[str]:
    """The whole words of ``text`` (of its ``cut``, ``tokens``, when cut already)."""
    return [t.text for t in (cut(text) if tokens is None else tokens) if t.text.strip()]


TOKENIZERS: dict[str, Callable[[str], list[str]]] = {TOKENIZER: search_tokens, WORDS: words}


@dataclass(frozen=True)
class LexicalConfig:
    """What built a lexical index; written as ``config.json`` beside it."""

    count: int
    graph_state: str
    tokenizer: str = TOKENIZER
    k1: float = 1.5
    b: float = 0.75
    method: str = "lucene"
    format_version: int = FORMAT_VERSION


class LexicalIndex:
    """BM25 over unit texts; row ``i`` is ``iris[i]``."""

    def __init__(self, bm25: bm25s.BM25, iris: Sequence[str], config: LexicalConfig) -> None:
        self.bm25 = bm25
        self.iris = list(iris)
        self.config = config

    @classmethod
    def build(
        cls, iris: Sequence[str], texts: Sequence[str], *, graph_state: str, k1: float = 1.5, b: float = 0.75,
        tokenizer: str = TOKENIZER,
    ) -> LexicalIndex:
        """Tokenize ``texts`` with the ``tokenizer`` of ``TOKENIZERS`` (``search_tokens``) and index them."""
        return cls.from_tokens(iris, [TOKENIZERS[tokenizer](t) for t in texts], graph_state=graph_state, k1=k1, b=b,
                               tokenizer=tokenizer)

    @classmethod
    def from_tokens(
        cls, iris: Sequence[str], tokens: Sequence[Sequence[str]], *, graph_state: str, k1: float = 1.5,
        b: float = 0.75, tokenizer: str = TOKENIZER,
    ) -> LexicalIndex:
        """Index texts already cut by ``tokenizer`` (kept per text by ``search.unit_cache``)."""
        if len(iris) != len(tokens):
            raise SearchError(f"{len(iris)} IRIs but {len(tokens)} token lists.")
        bm25 = bm25s.BM25(k1=k1, b=b, method="lucene")
        corpus = [list(t) or [""] for t in tokens]
        if corpus:
            bm25.index(corpus, show_progress=False)
        return cls(bm25, iris, LexicalConfig(len(iris), graph_state, tokenizer=tokenizer, k1=k1, b=b))

    def tokens(self, text: str, query: QueryCut | None = None) -> list[str]:
        """A query's tokens as this index's tokenizer cuts them; from ``query``, its one cut, when given."""
        if query is not None and self.config.tokenizer == WORDS:
            return words(text, query.tokens)
        if query is not None and self.config.tokenizer == TOKENIZER:
            return list(query.search)
        return TOKENIZERS[self.config.tokenizer](text)

    def __len__(self) -> int:
        return len(self.iris)

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every row for the query tokens (0 where no token occurs)."""
        known = [t for t in query_tokens if t in self.bm25.vocab_dict] if self.iris else []
        if not known:
            return np.zeros(len(self.iris), np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    def scores_many(self, queries: Sequence[Sequence[str]]) -> np.ndarray:
        """``scores`` of many queries at once (one row each): one sparse product of the queries'
        token counts with bm25s' token x row score matrix, instead of one pass per query."""
        out = np.zeros((len(queries), len(self.iris)), np.float32)
        vocab = self.bm25.vocab_dict if self.iris else {}
        ids = [[vocab[t] for t in q if t in vocab] for q in queries]
        if not any(ids):
            return out
        s = self.bm25.scores
        matrix = sparse.csr_matrix((s["data"], s["indices"], s["indptr"]), shape=(len(s["indptr"]) - 1, len(self.iris)))
        counts = sparse.csr_matrix((np.ones(sum(map(len, ids)), np.float32),
                                    np.fromiter((t for q in ids for t in q), np.int64),
                                    np.cumsum([0, *map(len, ids)])), shape=(len(queries), matrix.shape[0]))
        counts.sum_duplicates()
        out[:] = (counts @ matrix).toarray()
        return out

    def search(
        self, query_tokens: Sequence[str], k: int, *, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` rows with a positive score as ``(row, score)``, best first, within ``allowed``."""
        return self.top(self.scores(query_tokens), k, allowed=allowed)

    def found(self, query_tokens: Sequence[str], k: int, *, allowed: np.ndarray | None = None) -> Found:
        """``search`` as arrays (rows, scores), as ``DenseIndex.found``."""
        return self.top_found(self.scores(query_tokens), k, allowed=allowed)

    @classmethod
    def top(cls, scores: np.ndarray, k: int, *, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``k`` best rows of one query's ``scores`` with a positive score, within ``allowed``."""
        return as_pairs(cls.top_found(scores, k, allowed=allowed))

    @staticmethod
    def top_found(scores: np.ndarray, k: int, *, allowed: np.ndarray | None = None) -> Found:
        """``top`` as arrays (rows, scores)."""
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if candidates.size == 0 or k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, scores.dtype)
        if candidates.size > k:
            part = np.argpartition(-scores[candidates], k - 1)[:k]
            candidates = candidates[part]
        order = candidates[np.lexsort((candidates, -scores[candidates]))]  # score desc, row asc
        return order.astype(np.int64, copy=False), scores[order]

    def save(self, directory: Path) -> None:
        """Write the bm25s files, ``iris.json`` and ``config.json``; replaces atomically."""
        directory = Path(directory)
        with atomic_dir(directory) as tmp:
            if self.iris:
                self.bm25.save(str(tmp / "bm25"), show_progress=False)
            (tmp / "iris.json").write_text(json.dumps(self.iris, ensure_ascii=False), encoding="utf-8")
            (tmp / "config.json").write_text(json.dumps(asdict(self.config), indent=2), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, *, graph_state: str | None = None, tokenizer: str = TOKENIZER) -> LexicalIndex:
        """Read a saved index; ``IndexMismatchError`` if built from another graph or tokenizer."""
        directory = Path(directory)
        config_path = directory / "config.json"
        if not config_path.exists():
            raise IndexNotFoundError(f"No lexical index at {directory}; build the search index first.")
        raw = json.loads(config_path.read_text(encoding="utf-8"))
        check_saved(raw, directory, model=None, graph_state=graph_state)
        if raw.get("tokenizer") != tokenizer:
            raise IndexMismatchError(
                f"Lexical index at {directory} was tokenized by {raw.get('tokenizer')!r}, this code "
                f"uses {tokenizer!r}; rebuild the index."
            )
        config = LexicalConfig(**raw)
        iris = json.loads((directory / "iris.json").read_text(encoding="utf-8"))
        bm25 = bm25s.BM25(k1=config.k1, b=config.b, method=config.method)
        if iris:
            bm25 = bm25s.BM25.load(str(directory / "bm25"), show_progress=False, verbosity=0)
        return cls(bm25, iris, config)
