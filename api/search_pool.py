"""Searches answered by more than one process: the server's own and ``search_processes`` others.

Why: Python runs one thread at a time in a process, and most of a search is Python. On 2 cores one
server process under 20 concurrent clients kept 1.58 cores busy (the rest idle) however many
threads it had (1.89 with two search processes); a second process that takes searches from it fills the other core
(bench/concurrency_bench.py --vary search_processes=0,1).

How: the server stays the only process that opens the store and writes. Each search process holds a
``search.snapshot.Snapshot`` of the state the server published: the server sends the two index
states (the process reads the indexes the server saved, ``IndexStore.saved``) and the two small read
models, the process reads them on a thread of its own and says when it holds them. A search goes to
a search process only when that process holds the server's current snapshot; otherwise (just after
a write, while a process reads the new indexes, after a crash) the server answers it itself. No
search waits for a process to catch up, and none is answered from a state older than the server's.
One queue for all (the route's limiter); a search takes the least busy process with room.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common.errors import PolicyKGError
from common.jsonout import json_bytes
from common.settings import Settings

if TYPE_CHECKING:
    from api.service import Service
    from search.filters import Filters
    from search.snapshot import Snapshot

log = logging.getLogger(__name__)

ANSWER_TIMEOUT_S = 60.0
"""How long the server waits for a search process's answer before answering itself."""
MAX_DEFAULT_PROCESSES = 4
WARM_QUERY = "政策措施 warm-up"
"""A search a new process runs once before it takes any: its first one costs several times the next."""
RESTARTS_PER_HOUR = 10
"""A search process that dies is started again, this many times an hour at most."""


@dataclass(frozen=True)
class Ask:
    """One search: ``as_json`` asks for the response body (bytes), else the hits as dicts (for a page)."""

    group: str
    query: str
    k: int
    filters: Filters | None
    as_json: bool


def answer(snapshot: Snapshot, ask: Ask) -> bytes | list[dict[str, Any]]:
    """``ask`` answered from ``snapshot``: the same in every process."""
    if ask.group == "document":
        hits: list[Any] = snapshot.search_documents(ask.query, k=ask.k, filters=ask.filters)
    else:
        hits = snapshot.search(ask.query, k=ask.k, filters=ask.filters)
    dicts = [h.to_dict() for h in hits]
    return json_bytes(dicts) if ask.as_json else dicts


def process_count(settings: Settings) -> int:
    """``search_processes``, or by default one per core (at most four), none on one core."""
    if settings.search_processes is not None:
        return max(0, settings.search_processes)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 0 if cores < 2 else min(MAX_DEFAULT_PROCESSES, cores)


class SearchPool:
    """The search processes of one server, and the choice of who answers a search."""

    def __init__(self, settings: Settings, processes: int) -> None:
        self.settings = settings
        self.threads = max(1, settings.search_threads)
        self._lock = threading.Lock()
        self._closing = False
        self._restarts: list[float] = []
        self._service: Service | None = None
        self._answered = 0  # searches the processes answered
        self._workers: list[_Worker] = [_Worker(settings, self.threads, self._exited) for _ in range(processes)]

    @property
    def capacity(self) -> int:
        """Searches worked on at once: ``search_threads`` in each search process (or in the server,
        when it has none). The server answers in their place only while they cannot."""
        return self.threads * max(1, len(self._workers))

    def start(self, service: Service) -> None:
        """Start the processes, and send them the state now (on a thread: a start-up need not wait)."""
        self._service = service
        for worker in self._workers:
            worker.start()
        if self._workers:
            self._publish_soon()

    def _publish_soon(self) -> None:
        threading.Thread(target=self._publish, name="search-publish", daemon=True).start()

    def _publish(self) -> None:
        if self._service is None:
            return
        try:
            snapshot = self._service.snapshot()
        except PolicyKGError:  # nothing to search yet: the first search sends what there is then
            return
        self._pick(snapshot, take=False)

    def status(self) -> dict[str, int]:
        """How many search processes there are, how many hold the state last sent, and how many
        searches they answered."""
        return {"processes": len(self._workers),
                "ready": sum(w.alive and w.ready is not None and w.ready == w.sent for w in self._workers),
                "answered": self._answered}

    def answer(self, service: Service, ask: Ask) -> bytes | list[dict[str, Any]]:
        """``ask`` answered by a search process that holds the server's current state, else here."""
        snapshot = service.snapshot()
        worker = self._pick(snapshot)
        if worker is not None:
            got = None
            try:
                got = worker.ask(snapshot.serial, ask)
            finally:
                with self._lock:
                    worker.busy -= 1
                    self._answered += got is not None
            if got is not None:
                return got
        return answer(snapshot, ask)

    def _pick(self, snapshot: Snapshot, *, take: bool = True) -> _Worker | None:
        """The least busy process that holds ``snapshot`` and has room (counted busy if ``take``);
        the processes that were not sent it yet are sent it now."""
        with self._lock:
            best = None
            for worker in self._workers:
                if not worker.alive:
                    continue
                if worker.sent is None or snapshot.serial > worker.sent:  # never back to an older one
                    worker.hold(snapshot)
                elif worker.ready == snapshot.serial and worker.busy < self.threads \
                        and (best is None or worker.busy < best.busy):
                    best = worker
            if best is not None and take:
                best.busy += 1
            return best

    def _exited(self, worker: _Worker) -> None:
        """A search process ended without being asked to: start another (a few times an hour)."""
        with self._lock:
            now = time.monotonic()
            self._restarts = [t for t in self._restarts if now - t < 3600]
            if self._closing:  # e.g. a terminal's Ctrl-C or a group's SIGTERM reached it first
                return
            if len(self._restarts) >= RESTARTS_PER_HOUR:
                log.error("search process %s ended; searches are answered by the server alone", worker.name)
                return
            self._restarts.append(now)
            log.warning("search process %s ended; starting another", worker.name)
            replacement = _Worker(self.settings, self.threads, self._exited)
            self._workers[self._workers.index(worker)] = replacement
        replacement.start()
        self._publish_soon()

    def close(self) -> None:
        with self._lock:
            self._closing = True
        for worker in self._workers:
            worker.stop()


class _Worker:
    """The server's side of one search process: its pipe, the answers awaited, what it holds."""

    _names = itertools.count(1)

    def __init__(self, settings: Settings, threads: int, exited: Any) -> None:
        self.name = f"search-{next(self._names)}"
        self._settings, self._threads, self._exited = settings, threads, exited
        self.alive = False
        self.busy = 0  # answers awaited; changed under the pool's lock
        self.sent: int | None = None  # the serial of the last snapshot sent
        self.ready: int | None = None  # the serial of the snapshot it holds
        self._pending: dict[int, Future[Any]] = {}
        self._ids = itertools.count()
        self._send_lock = threading.Lock()
        self._stopping = False

    def start(self) -> None:
        ctx = multiprocessing.get_context("spawn")  # no fork of a process with threads and model sessions
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=serve, args=(child, self._settings, self._threads), name=self.name,
                                 daemon=True)
        self._proc.start()
        child.close()
        self.alive = True
        threading.Thread(target=self._read, name=f"{self.name}-reader", daemon=True).start()

    def hold(self, snapshot: Snapshot) -> None:
        """Send the process what it needs to hold ``snapshot`` (under the pool's lock)."""
        self.sent = snapshot.serial
        self._send(("hold", snapshot.serial, snapshot.units.graph_state, snapshot.documents.graph_state,
                    snapshot.cited, snapshot.copies))

    def ask(self, serial: int, ask: Ask) -> Any | None:
        """The process's answer, or None when it could not give one (then the server answers)."""
        rid = next(self._ids)
        future: Future[Any] = Future()
        self._pending[rid] = future
        try:
            self._send(("ask", rid, serial, ask))
            return future.result(timeout=ANSWER_TIMEOUT_S)
        except FutureTimeout:
            log.warning("search process %s gave no answer in %.0f s", self.name, ANSWER_TIMEOUT_S)
            return None
        finally:
            self._pending.pop(rid, None)

    def _send(self, message: tuple[Any, ...]) -> None:
        try:
            with self._send_lock:
                self._conn.send(message)
        except (OSError, ValueError):  # the process is gone: its reader ends and tells the pool
            self.alive = False
            self._give_up()

    def _read(self) -> None:
        """Answers and 'I hold snapshot N' from the process, until its pipe closes."""
        while True:
            try:
                message = self._conn.recv()
            except (EOFError, OSError):
                break
            if message[0] == "ready":
                self.ready = message[1]
            else:  # result / stale / failed, for one awaited answer
                future = self._pending.get(message[1])
                if future is not None:
                    _settle(future, message[2] if message[0] == "result" else None)
        self.alive = False
        self._give_up()
        if not self._stopping:
            self._exited(self)

    def _give_up(self) -> None:
        """No answer will come for what is awaited: the server answers those itself."""
        for future in list(self._pending.values()):
            _settle(future, None)

    def stop(self) -> None:
        self._stopping = True
        if not self.alive:
            return
        self._send(("stop",))
        self._proc.join(5)
        if self._proc.is_alive():
            self._proc.terminate()
        self._conn.close()


def _logged(run: Any, *args: Any) -> None:
    """``run(*args)`` on an executor, whose futures nobody reads: a failure is logged, not lost."""
    try:
        run(*args)
    except Exception:
        log.exception("search process: %s failed", getattr(run, "__name__", run))


def _settle(future: Future[Any], value: Any) -> None:
    with contextlib.suppress(InvalidStateError):  # the reader and a failed send may race to it
        future.set_result(value)


def serve(conn: Connection, settings: Settings, threads: int) -> None:
    """A search process: hold the snapshots the server sends, answer its searches, until told to stop
    or the server goes (its pipe closes)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the server stops us
    from search import tokenize
    from search.dense import IndexMismatchError, IndexNotFoundError
    from search.embedder import Embedder
    from search.index_store import IndexStore
    from search.snapshot import Snapshot

    # one thread a model pass unless set: the search processes are one a core, and passes split over
    # cores would only take turns with the other processes' (bench: p99 at 20 clients lower)
    embedder = Embedder(settings.model_cache or settings.data, settings.model, runtime=settings.runtime,
                        threads=settings.model_threads or 1)
    embedder.warm()
    tokenize.warm()
    indexes = IndexStore(Path(settings.data) / "index", embedder=lambda: embedder)
    held: list[Snapshot | None] = [None]
    send_lock = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        with send_lock:
            conn.send(message)

    def hold(serial: int, units_state: str, documents_state: str, cited: Any, copies: Any) -> None:
        current = held[0]
        if current is not None and (current.units.graph_state, current.documents.graph_state) == \
                (units_state, documents_state):
            units, documents = current.units, current.documents  # only the read models changed
        else:
            try:
                units, documents = indexes.saved(units_state, documents_state)
            except (IndexMismatchError, IndexNotFoundError) as e:  # e.g. a newer state saved meanwhile
                log.warning("search process cannot hold the server's state (the server answers): %s", e)
                return
        snapshot = Snapshot(units, documents, cited, copies, serial=serial)
        if current is None:  # the first search's one-off costs (imports, first touches) paid here
            for group in ("document", "provision"):
                answer(snapshot, Ask(group, WARM_QUERY, 10, None, as_json=True))
        held[0] = snapshot
        gc.collect()  # what a search process holds stays out of the collector's full passes (as the
        gc.freeze()   # server's start-up does); a replaced snapshot is still freed, by its references
        send(("ready", serial))

    def respond(rid: int, serial: int, ask: Ask) -> None:
        snapshot = held[0]
        if snapshot is None or snapshot.serial != serial:
            send(("stale", rid))
            return
        try:
            got = answer(snapshot, ask)
        except Exception:  # the server answers it again, and raises what it raises
            log.exception("search process failed on a search")
            send(("failed", rid))
            return
        send(("result", rid, got))

    loader = ThreadPoolExecutor(1, thread_name_prefix="hold")
    searches = ThreadPoolExecutor(threads, thread_name_prefix="search")
    try:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            if message[0] == "hold":
                loader.submit(_logged, hold, *message[1:])
            elif message[0] == "ask":
                searches.submit(respond, *message[1:])
            else:
                break
    finally:
        searches.shutdown(cancel_futures=True)
        loader.shutdown(cancel_futures=True)
