"""Embed an ingest's passages while it parses and writes, so the index update after it finds them done.

Why: parsing, the shape check and the store writes are Python on one core (~35 s for the real
corpus) while embedding, three quarters of an ingest's CPU, used to wait for them. A background
thread embeds each parsed document's passages (``Document.passages``) into the unit cache
meanwhile (ONNX Runtime releases the GIL), and the index update embeds only what is still missing.
It only warms a cache keyed by text: a text guessed wrong is never read, one missed is embedded by
the update as before, and a failure here costs time, never a result (the update reports it).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable

import numpy as np
from tqdm import tqdm

from search.unit_cache import CHUNK, UnitCache

Embed = Callable[[list[str]], np.ndarray]


class Prefetcher:
    """A thread that embeds the texts it is given into ``cache``, ``batch`` distinct texts at a time."""

    def __init__(self, start: Callable[[], tuple[UnitCache, Embed]], *, batch: int = CHUNK) -> None:
        self.cache: UnitCache | None = None  # set on the thread by ``start`` (which may build the model)
        self._start, self._batch = start, batch
        self._queue: queue.SimpleQueue[list[str] | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._seen: set[str] = set()
        self.done = 0  # distinct texts given and handled (found in the cache or embedded)
        # a daemon: a process that ends without indexing must not wait for it (chunks are written whole)
        self._thread = threading.Thread(target=self._run, name="prefetch", daemon=True)
        self._thread.start()

    @property
    def given(self) -> int:
        """Distinct texts given so far."""
        return len(self._seen)

    def add(self, texts: Iterable[str]) -> None:
        new = [t for t in dict.fromkeys(texts) if t.strip() and t not in self._seen]
        self._seen.update(new)
        self._queue.put(new)

    def _run(self) -> None:
        try:
            cache, embed = self._start()
        except Exception:  # the index update builds the model again and reports what goes wrong
            return
        self.cache = cache
        pending: list[str] = []
        while not self._stop.is_set():
            item = self._queue.get()
            if item is None:
                break
            pending += item
            # a full batch, or whatever there is once the writer has nothing more for now (a small
            # corpus, the first document): while a batch runs, the next fills up
            if len(pending) >= self._batch or (len(pending) >= self._batch // 16 and self._queue.empty()):
                self._fill(pending, cache, embed)
        if pending and not self._stop.is_set():
            self._fill(pending, cache, embed)

    def _fill(self, pending: list[str], cache: UnitCache, embed: Embed) -> None:
        texts = pending[:]
        pending.clear()
        try:
            cache.fill(texts, embed)
        except Exception:  # the index update embeds these texts again and reports what goes wrong
            self._stop.set()
        self.done += len(texts)

    def finish(self, *, progress: bool = False) -> None:
        """Embed what is queued and wait for it (a bar of the texts handled, if asked)."""
        self._queue.put(None)
        with tqdm(total=self.given, initial=self.done, desc="embedding", unit="unit",
                  disable=not progress or self.done >= self.given) as bar:
            while self._thread.is_alive():
                self._thread.join(0.5)
                bar.update(self.done - bar.n)

    def cancel(self) -> None:
        """Stop after the batch in hand and wait for it."""
        self._stop.set()
        self._queue.put(None)
        self._thread.join()
