"""What was computed for a unit text, kept by a hash of the text: its vector and its search tokens.

Why: the index is derived data, rebuilt whenever a document changes; embedding is by far the
dearest step (50-95 units/s on 2 cores). With vectors kept per text hash, re-ingesting,
removing or adding one document embeds only the texts that are new, identical texts (repeated
provisions, an action equal to its provision, replicated documents) are embedded once, and a
killed build keeps every chunk it finished: the rerun continues from there.

On disk (``{data}/index-cache/``), per model and per tokenizer: vectors in ``.npz`` chunks
written whole (temporary file, then rename) and tokens in one append-only JSON-lines file
whose unfinished last line a kill may leave is skipped on reading.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import orjson
from tqdm import tqdm

from search.lexical import TOKENIZERS

CHUNK = 1024  # texts embedded between two saves: what a kill can lose at most


def text_key(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _slug(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:16]


class UnitCache:
    """Vectors (for one model) and tokens (for one tokenizer) of texts, read and extended on disk."""

    def __init__(self, directory: Path, *, model: str, tokenizer: str) -> None:
        self.directory = Path(directory)
        self.model = model
        self.vector_dir = self._vector_dir("passage")
        self.token_file = Path(directory) / f"tokens-{_slug(tokenizer)}.jsonl"
        self._tokenize = TOKENIZERS.get(tokenizer)  # (none for a cache of vectors only)
        self.embedded = 0  # texts embedded by this cache object (what a test or a bench counts)
        self._keys: set[str] | None = None  # the vectors' keys, read once by ``fill``
        self.tokenized = 0

    # ------------------------------------------------------------------ vectors

    def _vector_dir(self, kind: str) -> Path:
        return self.directory / f"vectors-{_slug(self.model)}-{kind}"

    def for_queries(self) -> UnitCache:
        """The same cache for query vectors (e5 embeds a text as a query differently): linking
        asks with every local provision's text, so a re-link embeds only new provisions."""
        other = UnitCache(self.directory, model=self.model, tokenizer="")
        other.vector_dir = self._vector_dir("query")
        return other

    def for_documents(self) -> UnitCache:
        """The same cache for the passage vectors of whole-document profiles (the document index),
        apart from the units' so that compacting one never drops the other: a write rebuilds the
        document index, and only the profiles of changed documents are embedded again."""
        other = UnitCache(self.directory, model=self.model, tokenizer="")
        other.vector_dir = self._vector_dir("document")
        return other

    def _chunks(self, *arrays: str) -> Iterator[tuple[np.ndarray, ...]]:
        """The named arrays of every saved chunk, oldest first."""
        for path in sorted(self.vector_dir.glob("chunk-*.npz")):
            try:
                with np.load(path) as chunk:
                    yield tuple(chunk[name] for name in arrays)
            except FileNotFoundError:  # compacted away by another process meanwhile: a text missed is embedded again
                continue

    def _read_vectors(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for keys, vectors in self._chunks("keys", "vectors"):
            out.update(zip(keys.tolist(), vectors, strict=True))
        return out

    def _write_chunk(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        self.vector_dir.mkdir(parents=True, exist_ok=True)
        target = self.vector_dir / f"chunk-{time.time_ns()}-{os.getpid()}.npz"  # names sort by age
        tmp = target.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keys), vectors=vectors.astype(np.float32))
        os.replace(tmp, target)

    def vectors(self, texts: Sequence[str], embed: Callable[[list[str]], np.ndarray], *, dim: int,
                progress: bool = False, every: bool = True) -> np.ndarray:
        """One vector per text: from the cache, or from ``embed`` (each distinct text once, longest
        texts together so batches pad little), saved chunk by chunk as they are made. ``every``: the
        texts are all the cache serves now (an index build), so the others may be compacted away;
        False for a caller that asks for some (a re-link asks with the documents it relinks only)."""
        keys = [text_key(t) for t in texts]
        known = self._read_vectors()
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in known:
                missing.setdefault(key, text)
        todo = sorted(missing, key=lambda k: -len(missing[k]))
        with tqdm(total=len(todo), desc="embedding", unit="unit", disable=not progress or not todo) as bar:
            for i in range(0, len(todo), CHUNK):
                chunk = todo[i:i + CHUNK]
                vectors = np.asarray(embed([missing[k] for k in chunk]), dtype=np.float32)
                self._write_chunk(chunk, vectors)
                known.update(zip(chunk, vectors, strict=True))
                self.embedded += len(chunk)
                bar.update(len(chunk))
        if not keys:
            return np.zeros((0, dim), np.float32)
        self._compact(known, set(keys) if every else set(known))
        return np.stack([known[k] for k in keys])

    def fill(self, texts: Sequence[str], embed: Callable[[list[str]], np.ndarray]) -> int:
        """Embed the texts the cache lacks and save them, without reading the vectors it holds or
        compacting it: many small calls while an ingest runs (``search.prefetch``), one chunk each.
        Returns how many texts were embedded."""
        if self._keys is None:
            self._keys = self._read_keys()
        missing = {text_key(t): t for t in texts}
        todo = [k for k in missing if k not in self._keys]
        if todo:
            vectors = np.asarray(embed([missing[k] for k in todo]), dtype=np.float32)
            self._write_chunk(todo, vectors)
            self._keys.update(todo)
            self.embedded += len(todo)
        return len(todo)

    def _read_keys(self) -> set[str]:
        return {key for (keys,) in self._chunks("keys") for key in keys.tolist()}

    def _compact(self, known: dict[str, np.ndarray], live: set[str]) -> None:
        """Rewrite the cache as one chunk when most of it belongs to texts no longer indexed or it
        has grown into many small chunks (one per incremental update)."""
        chunks = sorted(self.vector_dir.glob("chunk-*.npz"))
        if len(known) <= 2 * len(live) + CHUNK and len(chunks) <= 64:
            return
        keep = sorted(live & known.keys())
        self._write_chunk(keep, np.stack([known[k] for k in keep]) if keep else np.zeros((0, 0), np.float32))
        for path in chunks:
            path.unlink(missing_ok=True)

    # ------------------------------------------------------------------ tokens

    def _read_tokens(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        if not self.token_file.exists():
            return out
        with self.token_file.open("rb") as f:
            for line in f:
                try:
                    key, tokens = orjson.loads(line)
                except ValueError:
                    continue  # the last line of a killed write
                out[key] = tokens
        return out

    def tokens(self, texts: Sequence[str]) -> list[list[str]]:
        """Each text cut by the cache's tokenizer (``search.lexical.TOKENIZERS``), from the cache or
        computed (and appended to it): units' search tokens, documents' whole words."""
        keys = [text_key(t) for t in texts]
        known = self._read_tokens()
        new: dict[str, list[str]] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in known and key not in new:
                new[key] = self._tokenize(text)  # type: ignore[misc]
        if new:
            self.token_file.parent.mkdir(parents=True, exist_ok=True)
            with self.token_file.open("a", encoding="utf-8") as f:
                f.write("\n" + "".join(json.dumps([k, v], ensure_ascii=False) + "\n" for k, v in new.items()))
            self.tokenized += len(new)
            known.update(new)
        return [known[k] for k in keys]
