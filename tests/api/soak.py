"""Search under writes, over HTTP: search clients while documents are uploaded, replaced and removed
one after another, with a check of what search shows after each write returns.

Shared by ``tests/api/test_soak.py`` (bundled corpus, bounded) and ``bench/soak_bench.py`` (real
corpus, minutes). A document is replaced by removing it and uploading the changed text (an upload
refuses an id already stored). After each write returns, search must show exactly the new state:

* present: a unit of the document holds the text searched for (``group=provision``), the document
  is among the document hits, and no unit is listed twice;
* replaced: besides, no unit of the document still holds the text that was changed;
* removed: no hit of either kind belongs to the document.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SEARCH_K = 50


def clauses(text: str) -> list[str]:
    """The distinct clauses of ``text`` (6-30 characters), in order: queries cut from real text."""
    seen: dict[str, None] = {}
    for clause in re.split(r"[，。；：、！？\n（）()《》“”,;:]", text):
        clause = clause.strip()
        if 6 <= len(clause) <= 30:
            seen[clause] = None
    return list(seen)


def _plain(clause: str) -> bool:
    """Ten or more Chinese characters and nothing else: normalisation leaves it as it is."""
    return len(clause) >= 10 and re.fullmatch(r"[\u4e00-\u9fff]+", clause) is not None


@dataclass
class Change:
    """A document's text before and after a change: ``old`` (a clause of the original, from its
    second half, so inside a provision) replaced by ``new`` (a clause of another text). Both are
    plain Simplified Chinese clauses, which normalisation keeps as they are."""

    doc_id: str
    filename: str
    original: bytes
    old: str
    new: str
    form: dict[str, str] = field(default_factory=dict)  # metadata sent with the upload (level, region, ...)

    @classmethod
    def of(cls, path: Path, other: Path, *, doc_id: str | None = None, form: dict[str, str] | None = None) -> Change:
        text = path.read_text(encoding="utf-8")
        mine = [c for c in clauses(text[len(text) // 2:]) if text.count(c) == 1 and _plain(c)]
        theirs = [c for c in clauses(other.read_text(encoding="utf-8")) if c not in text and _plain(c)]
        if not mine or not theirs:
            raise ValueError(f"no clause of {path.name} to change, or none of {other.name} to change it to")
        return cls(doc_id or path.stem, path.name, text.encode("utf-8"), mine[0], theirs[0], dict(form or {}))

    @property
    def changed(self) -> bytes:
        return self.original.decode("utf-8").replace(self.old, self.new, 1).encode("utf-8")


@dataclass
class Soak:
    """Search clients against ``base`` while ``writes`` run; latencies split by phase."""

    base: str
    queries: list[str]
    key: str
    clients: int = 20
    baseline: list[float] = field(default_factory=list)
    writing: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    writes: list[tuple[str, float]] = field(default_factory=list)

    # ------------------------------------------------------------------ the search clients

    async def _clients(self, until: Callable[[], bool], into: list[float]) -> None:
        limits = httpx.Limits(max_connections=self.clients, max_keepalive_connections=self.clients)
        async with httpx.AsyncClient(base_url=self.base, timeout=120, limits=limits,
                                     headers={"Accept": "application/json"}) as client:
            async def worker(c: int) -> None:
                i = c
                while not until():
                    q = self.queries[i % len(self.queries)]
                    i += self.clients
                    t0 = time.perf_counter()
                    try:
                        r = await client.get("/search", params={"q": q, "group": ("document", "provision")[c % 2]})
                        if r.status_code != 200 or not isinstance(r.json(), list):
                            self.errors.append(f"{r.status_code} for {q!r}: {r.text[:200]}")
                    except (httpx.HTTPError, ValueError) as e:
                        self.errors.append(f"{type(e).__name__} for {q!r}: {e}")
                    into.append(time.perf_counter() - t0)

            await asyncio.gather(*(worker(c) for c in range(self.clients)))

    def measure_baseline(self, seconds: float) -> None:
        """Search alone for ``seconds``: the latencies writes are compared with."""
        end = time.monotonic() + seconds
        asyncio.run(self._clients(lambda: time.monotonic() > end, self.baseline))

    def run(self, changes: list[Change], *, cycles: int = 1, start_present: bool = False) -> None:
        """Search while, for each change and cycle, one writer uploads the original (unless it is
        stored already), removes it, uploads the changed text, removes it (and, when it was stored
        at the start, uploads the original again), checking search after each write."""
        done = threading.Event()

        def writer() -> None:
            try:
                with httpx.Client(base_url=self.base, timeout=600, headers={"X-API-Key": self.key}) as http:
                    for change in changes:
                        for _ in range(cycles):
                            self._cycle(http, change, start_present=start_present)
            except Exception as e:  # any failure of the writer is a finding of the soak
                self.problems.append(f"writer stopped: {type(e).__name__}: {e}")
            finally:
                done.set()

        async def both() -> None:
            await asyncio.gather(self._clients(done.is_set, self.writing), asyncio.to_thread(writer))

        asyncio.run(both())

    # ------------------------------------------------------------------ the writer

    def _cycle(self, http: httpx.Client, c: Change, *, start_present: bool) -> None:
        if not start_present:
            self._write(http, "upload", c, c.original)
            self._expect_present(http, c, c.old)
        self._write(http, "remove", c)
        self._expect_absent(http, c, c.old)
        self._write(http, "upload changed", c, c.changed)
        self._expect_present(http, c, c.new, gone=c.old)
        self._write(http, "remove", c)
        self._expect_absent(http, c, c.new)
        if start_present:
            self._write(http, "upload", c, c.original)
            self._expect_present(http, c, c.old, gone=c.new)

    def _write(self, http: httpx.Client, what: str, c: Change, body: bytes | None = None) -> None:
        t0 = time.perf_counter()
        if body is None:
            r = http.delete(f"/documents/{c.doc_id}")
            ok = r.status_code == 200
        else:
            r = http.post("/documents", files={"file": (c.filename, body, "text/plain")}, data=c.form)
            ok = r.status_code == 201 and r.json()["document"] == c.doc_id
        self.writes.append((f"{what} {c.doc_id}", time.perf_counter() - t0))
        if not ok:
            raise RuntimeError(f"{what} {c.doc_id}: {r.status_code} {r.text[:300]}")

    def _hits(self, http: httpx.Client, text: str, group: str) -> list[dict]:
        r = http.get("/search", params={"q": text, "group": group, "k": SEARCH_K if group == "provision" else 20},
                     headers={"Accept": "application/json"})
        r.raise_for_status()
        return r.json()

    def _expect_present(self, http: httpx.Client, c: Change, text: str, *, gone: str | None = None) -> None:
        units = self._hits(http, text, "provision")
        iris = [h["iri"] for h in units]
        if len(iris) != len(set(iris)):
            self.problems.append(f"after writing {c.doc_id}: a unit is listed twice for {text!r}")
        mine = [h["unit"]["text"] for h in units if h["unit"]["doc_id"] == c.doc_id]
        if not any(text in t for t in mine):
            self.problems.append(f"after writing {c.doc_id}: no unit of it holds {text!r}")
        if gone is not None:
            stale = [h for h in self._hits(http, gone, "provision")
                     if h["unit"]["doc_id"] == c.doc_id and gone in h["unit"]["text"]]
            if stale:
                self.problems.append(f"after replacing {c.doc_id}: a unit still holds {gone!r}")
        if c.doc_id not in [h["doc"]["doc_id"] for h in self._hits(http, text, "document")]:
            self.problems.append(f"after writing {c.doc_id}: it is not among the document hits for {text!r}")

    def _expect_absent(self, http: httpx.Client, c: Change, text: str) -> None:
        if any(h["unit"]["doc_id"] == c.doc_id for h in self._hits(http, text, "provision")):
            self.problems.append(f"after removing {c.doc_id}: a unit of it is still found")
        if any(h["doc"]["doc_id"] == c.doc_id for h in self._hits(http, text, "document")):
            self.problems.append(f"after removing {c.doc_id}: it is still a document hit")


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def summary(values: list[float]) -> str:
    if not values:
        return "no requests"
    return (f"{len(values)} requests, p50 {1000 * statistics.median(values):.0f} ms, "
            f"p99 {1000 * percentile(values, 0.99):.0f} ms, max {1000 * max(values):.0f} ms")
