"""The e5 (XLM-R Unigram) tokenizer for short texts, with only the pieces a text contains.

Why: ``tokenizer.json`` holds 250k pieces; loading it took 0.8 s of a 2-3 s cold search, holding
the GIL, to cut one query. A Unigram model finds the best split of a word among the pieces that
are substrings of it, scored against the smallest score of the vocabulary (the unknown-piece
penalty), so a model holding just those pieces, the special tokens and the lowest-scored piece
splits the text the same way. The pieces are read from a ``search.lookup_table`` written beside
``tokenizer.json`` the first time the whole file is loaded; ids are mapped back to the full
vocabulary's. A tokenizer of another kind (WordPiece, BPE) or with a post-processor this module
does not know is always loaded whole.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from tokenizers import Tokenizer
from tokenizers.models import Unigram

from search.lookup_table import LookupTable, open_table

TABLE = "tokenizer.pieces.sqlite"
FORMAT = 1
# Characters cut from the table before the whole tokenizer is cheaper (a read costs ~2 ms a query)
TABLE_BUDGET = 20_000
_POST_PROCESSORS = {None, "TemplateProcessing", "RobertaProcessing", "BertProcessing"}


def _source(path: Path) -> dict[str, Any]:
    stat = path.stat()
    return {"format": FORMAT, "tokenizer": [stat.st_size, stat.st_mtime_ns]}


def _skeleton(spec: dict[str, Any]) -> tuple[dict[str, Any], list[int]] | None:
    """``spec`` with only the pieces every text needs (special tokens, the unknown piece and the
    lowest score), renumbered from 0, and their ids in the full vocabulary; ``None`` when the
    tokenizer is not a Unigram one this module can cut with a part of its vocabulary."""
    model, post = spec.get("model") or {}, spec.get("post_processor")
    if model.get("type") != "Unigram" or (post or {}).get("type") not in _POST_PROCESSORS:
        return None
    vocab = model["vocab"]
    lowest = min(range(len(vocab)), key=lambda i: vocab[i][1])
    fixed = sorted({t["id"] for t in spec.get("added_tokens") or []} | {model.get("unk_id") or 0, lowest})
    mini = {g: i for i, g in enumerate(fixed)}
    out = copy.deepcopy({k: v for k, v in spec.items() if k != "model"})
    out["model"] = {**model, "vocab": [vocab[g] for g in fixed]}
    if model.get("unk_id") is not None:
        out["model"]["unk_id"] = mini[model["unk_id"]]
    for token in out.get("added_tokens") or []:
        token["id"] = mini[token["id"]]
    if out.get("padding"):
        out["padding"]["pad_id"] = mini.get(out["padding"]["pad_id"], 0)
    if post and post["type"] == "TemplateProcessing":
        for special in out["post_processor"]["special_tokens"].values():
            special["ids"] = [mini[i] for i in special["ids"]]
    elif post:
        for part in ("sep", "cls"):
            out["post_processor"][part][1] = mini[post[part][1]]
    return out, fixed


class SubwordTokenizer:
    """A ``tokenizer.json``: ``encode`` cuts few short texts from the piece table while the whole
    tokenizer is not loaded, and everything else with the whole tokenizer."""

    def __init__(self, path: Path, *, max_length: int) -> None:
        self._path, self._max_length = path, max_length
        self._full: Tokenizer | None = None
        self._lock = threading.Lock()
        self._table = open_table(path.with_name(TABLE), meta=_source(path))
        self._table_chars = 0
        self._skeleton_text: str | None = None  # the tokenizer without its vocabulary, as JSON

    def full(self) -> Tokenizer:
        """The whole tokenizer, loaded once (and the piece table written, when it can be)."""
        with self._lock:
            if self._full is None:
                text = self._path.read_text(encoding="utf-8")
                tok = Tokenizer.from_str(text)
                tok.no_padding()
                tok.enable_truncation(max_length=self._max_length)
                if self._table is None:
                    self._write_table(json.loads(text))
                self._full = tok
            return self._full

    def _write_table(self, spec: dict[str, Any]) -> None:
        made = _skeleton(spec)
        if made is None:
            return
        skeleton, fixed = made
        pieces = ((piece, [i, score]) for i, (piece, score) in enumerate(spec["model"]["vocab"]))
        try:
            LookupTable.write(self._path.with_name(TABLE), pieces,
                              meta=_source(self._path) | {"skeleton": skeleton, "fixed": fixed})
        except (OSError, sqlite3.Error):
            return  # a read-only model folder: texts are cut with the whole tokenizer, as before

    def encode(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text, special tokens added, truncated to the model's length."""
        table = self._table
        if self._full is None and table is not None and self._table_chars <= TABLE_BUDGET:
            self._table_chars += sum(len(t) for t in texts)
            return [self._encode_short(table, text) for text in texts]
        return [e.ids for e in self.full().encode_batch(texts, add_special_tokens=True)]

    def _encode_short(self, table: LookupTable, text: str) -> list[int]:
        skeleton, fixed = table.meta["skeleton"], table.meta["fixed"]
        if self._skeleton_text is None:
            self._skeleton_text = json.dumps(skeleton)
        tok = Tokenizer.from_str(self._skeleton_text)
        tok.no_padding()
        tok.enable_truncation(max_length=self._max_length)
        normalized = tok.normalizer.normalize_str(text) if tok.normalizer is not None else text
        words = [w for w, _ in tok.pre_tokenizer.pre_tokenize_str(normalized)] if tok.pre_tokenizer else [normalized]
        found = {i: (piece, score) for piece, (i, score) in table.substrings(*words).items() if i not in fixed}
        extra = sorted(found)
        model = skeleton["model"]
        vocab = [tuple(v) for v in model["vocab"]] + [found[i] for i in extra]
        tok.model = Unigram(vocab, model.get("unk_id"), model.get("byte_fallback", False))
        ids = fixed + extra
        return [ids[i] for i in tok.encode(text, add_special_tokens=True).ids]
