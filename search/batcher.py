"""Concurrent query embeddings: one forward pass for queries that arrive together, and an LRU.

Why: on 2 cores one short-query forward pass takes ~5-15 ms, but 20 clients embedding one query
each in their own thread run 20 passes that fight over the same cores (and over the runtime's
thread pool), so every request waits for all of them. ``MicroBatcher`` runs one pass at a time
over whatever queries are waiting: under load the batch grows by itself (queries that arrive while
a pass runs go into the next one), and the threads a pass uses stay bounded by the runtime's own
setting, whatever the number of callers. ``VectorCache`` keeps the vectors of
recent query texts (a search page reloaded, a link run re-asking the same sentence).
``length_batches`` is the other side: how many passages (ingest, linking) are cut into passes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence

import numpy as np

Encode = Callable[[list[str]], np.ndarray]


class VectorCache:
    """A thread-safe LRU of text -> vector (read-only rows)."""

    def __init__(self, maxsize: int = 2048) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, text: str) -> np.ndarray | None:
        with self._lock:
            vector = self._items.get(text)
            if vector is None:
                self.misses += 1
                return None
            self._items.move_to_end(text)
            self.hits += 1
            return vector

    def put(self, text: str, vector: np.ndarray) -> None:
        if self.maxsize <= 0:
            return
        row = np.array(vector, dtype=np.float32)
        row.setflags(write=False)
        with self._lock:
            self._items[text] = row
            self._items.move_to_end(text)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class _Call:
    """One caller's texts, its result, and the event that wakes it: when its vectors are ready,
    or when it is its turn to run the next pass."""

    __slots__ = ("error", "lead", "texts", "vectors", "wake")

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.vectors: np.ndarray | None = None
        self.error: BaseException | None = None
        self.lead = False
        self.wake = threading.Event()

    @property
    def done(self) -> bool:
        return self.vectors is not None or self.error is not None


class MicroBatcher:
    """Embeds the texts of concurrent callers together, one forward pass at a time.

    Leader/followers, no extra thread: a caller that finds no pass running runs one itself, over
    every text waiting (up to ``max_batch``), its own included; callers that arrive meanwhile wait,
    and when the pass ends its leader hands the next one to the oldest waiting caller, over all
    that queued up. A lone caller thus pays no hand-off between threads, and under load the batch
    grows by itself. Each caller is woken exactly once or twice (its turn to lead, its result):
    waking every waiter after each pass cost a tenth of the GIL's time at 20 clients. Each caller
    gets back exactly the rows of its own texts, in its order; an exception in ``encode`` is
    raised to every caller whose texts were in that pass.
    """

    def __init__(self, encode: Encode, *, max_batch: int = 32) -> None:
        self._encode = encode
        self.max_batch = max_batch
        self._pending: deque[_Call] = deque()
        self._lock = threading.Lock()
        self._leading = False
        self.batches = 0  # forward passes run, for benches and tests
        self.largest = 0

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        call = _Call(list(texts))
        with self._lock:
            self._pending.append(call)
            if not self._leading:  # nothing runs, so nothing else waits: this call is the oldest
                self._leading = call.lead = True
        while not call.done:
            if not call.lead:
                call.wake.wait()
                call.wake.clear()
                continue
            with self._lock:
                taken = self._take()
            try:
                self._run(taken)
            finally:
                with self._lock:
                    if self._pending:
                        successor = self._pending[0]
                        successor.lead = True
                        successor.wake.set()
                    else:
                        self._leading = False
        if call.error is not None:
            raise call.error
        assert call.vectors is not None
        return call.vectors

    def _take(self) -> list[_Call]:
        """The oldest waiting calls, up to ``max_batch`` texts (at least one call). Lock held."""
        taken: list[_Call] = []
        size = 0
        while self._pending and (not taken or size + len(self._pending[0].texts) <= self.max_batch):
            call = self._pending.popleft()
            taken.append(call)
            size += len(call.texts)
        return taken

    def _run(self, taken: list[_Call]) -> None:
        texts = [t for call in taken for t in call.texts]
        try:
            vectors = self._encode(texts)
        except BaseException as e:  # every caller in this pass hears about it
            for call in taken:
                call.error = e
                call.wake.set()
            return
        self.batches += 1
        self.largest = max(self.largest, len(texts))
        start = 0
        for call in taken:
            call.vectors = vectors[start : start + len(call.texts)]
            start += len(call.texts)
            call.wake.set()


def length_batches(lengths: Sequence[int], *, rows: int, tokens: int) -> list[list[int]]:
    """Indices of ``lengths`` (token counts) in batches for many passages: longest first, texts of
    similar length together (little padding), each batch at most ``rows`` texts and, past its first
    text, at most ``tokens`` padded tokens.

    Why a token cap: attention is quadratic in length and its fp32 score tensors outgrow the CPU's
    caches; 16 texts of 512 tokens cost more per token than 2 (measured on real units:
    ``bench/passage_bench.py``, ~0.8x the CPU of a fixed 16 rows). Short texts still go 16 at a time.
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    for i in order:
        last = batches[-1] if batches else None
        if last is None or len(last) >= rows or (len(last) + 1) * lengths[last[0]] > tokens:
            batches.append([i])
        else:
            last.append(i)
    return batches


def padded(encodings: Sequence[Sequence[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Token ids of one pass padded to the longest, and the attention mask (int64, batch x longest)."""
    width = max(len(e) for e in encodings)
    ids = np.full((len(encodings), width), pad_id, np.int64)
    mask = np.zeros((len(encodings), width), np.int64)
    for row, e in enumerate(encodings):
        ids[row, : len(e)] = e
        mask[row, : len(e)] = 1
    return ids, mask
