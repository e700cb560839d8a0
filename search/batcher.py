"""Concurrent query embeddings: one forward pass for queries that arrive together, and an LRU.

Why: on 2 cores one short-query forward pass takes ~5-15 ms, but 20 clients embedding one query
each in their own thread run 20 passes that fight over the same cores (and over the runtime's
thread pool), so every request waits for all of them. ``MicroBatcher`` runs one pass at a time
over whatever queries are waiting: under load the batch grows by itself (queries that arrive while
a pass runs go into the next one), and the threads a pass uses stay bounded by the runtime's own
setting, whatever the number of callers. ``VectorCache`` keeps the vectors of
recent query texts (a search page reloaded, a link run re-asking the same sentence).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future

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


class MicroBatcher:
    """Embeds the texts of concurrent callers together, one forward pass at a time.

    Leader/followers, no extra thread: a caller that finds no pass running runs one itself, over
    every text waiting (up to ``max_batch``), its own included; callers that arrive meanwhile wait,
    and when the pass ends one of them leads the next, over all that queued up. A lone caller
    thus pays no hand-off between threads, and under load the batch grows by itself. Each caller
    gets back exactly the rows of its own texts, in its order; an exception in ``encode`` is
    raised to every caller whose texts were in that pass.
    """

    def __init__(self, encode: Encode, *, max_batch: int = 32) -> None:
        self._encode = encode
        self.max_batch = max_batch
        self._pending: list[tuple[list[str], Future[np.ndarray]]] = []
        self._cond = threading.Condition()
        self._leading = False
        self.batches = 0  # forward passes run, for benches and tests
        self.largest = 0

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        future: Future[np.ndarray] = Future()
        with self._cond:
            self._pending.append((list(texts), future))
        while not future.done():
            with self._cond:
                while self._leading and not future.done():
                    self._cond.wait()
                if future.done():
                    break
                self._leading = True
                taken = self._take()
            try:
                self._run(taken)
            finally:
                with self._cond:
                    self._leading = False
                    self._cond.notify_all()
        return future.result()

    def _take(self) -> list[tuple[list[str], Future[np.ndarray]]]:
        """The oldest waiting calls, up to ``max_batch`` texts (at least one call). Lock held."""
        taken: list[tuple[list[str], Future[np.ndarray]]] = []
        size = 0
        while self._pending and (not taken or size + len(self._pending[0][0]) <= self.max_batch):
            texts, future = self._pending.pop(0)
            taken.append((texts, future))
            size += len(texts)
        return taken

    def _run(self, taken: list[tuple[list[str], Future[np.ndarray]]]) -> None:
        texts = [t for batch, _ in taken for t in batch]
        try:
            vectors = self._encode(texts)
        except BaseException as e:  # every caller in this pass hears about it
            for _, future in taken:
                future.set_exception(e)
            return
        self.batches += 1
        self.largest = max(self.largest, len(texts))
        start = 0
        for batch, future in taken:
            future.set_result(vectors[start : start + len(batch)])
            start += len(batch)
