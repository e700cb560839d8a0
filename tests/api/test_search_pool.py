"""Search processes beside the server (``api.search_pool``): they answer exactly what the server
would, only from the state it holds, and a process that dies is replaced while the server answers.
How they keep up with writes over HTTP is in tests/api/test_soak.py (which serves with one)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.search_pool import Ask, SearchPool, answer
from api.service import Service, search_filters

from .conftest import wait_until
from .soak import clauses

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def pool(service: Service) -> Iterator[SearchPool]:
    started = SearchPool(service.settings, 1)
    started.start(service)
    wait_until(lambda: started.status()["ready"] == 1, "the search process got ready")
    yield started
    started.close()


def _asks() -> list[Ask]:
    """Clauses of the bundled texts (a Traditional-script one among them), both groupings, a filter."""
    texts = sorted(CORPUS.rglob("*.txt"))
    queries = [c for p in texts[:6] for c in clauses(p.read_text(encoding="utf-8"))[:2]]
    queries.append("紡織服裝產業集群")
    asks = [Ask(group, q, 10, search_filters(q, 10), as_json=True) for q in queries for group in ("document", "provision")]
    asks.append(Ask("document", queries[0], 50, search_filters(queries[0], 50, level="provincial"), as_json=False))
    return asks


def test_a_search_process_answers_what_the_server_would(pool: SearchPool, service: Service) -> None:
    before = pool.status()["answered"]
    asks = _asks()
    for ask in asks:
        got = pool.answer(service, ask)
        assert got == answer(service.snapshot(), ask), ask
        assert got, ask  # every query is cut from the texts: something is found
    assert pool.status()["answered"] - before == len(asks)  # all by the process, none by the server


def test_a_search_process_answers_only_the_state_it_holds(pool: SearchPool, service: Service) -> None:
    """A snapshot the process was never sent (a write the server just made) is answered by the server."""
    from search.snapshot import Snapshot

    held = service.snapshot()
    newer = Snapshot(held.units, held.documents, held.cited, {}, serial=held.serial + 10_000)
    ask = _asks()[0]
    worker = pool._workers[0]
    assert worker.ask(newer.serial, ask) is None  # "stale": the server answers it
    with pool._lock:
        worker.busy += 1  # what _pick counts for an ask
    assert pool.answer(service, ask) == answer(held, ask)


def test_a_search_process_that_dies_is_replaced(pool: SearchPool, service: Service) -> None:
    ask = _asks()[1]
    expected = answer(service.snapshot(), ask)
    dead = pool._workers[0]
    dead._proc.kill()
    dead._proc.join(10)
    assert pool.answer(service, ask) == expected  # answered by the server meanwhile
    wait_until(lambda: pool._workers[0] is not dead and pool.status()["ready"] == 1, "a new search process got ready")
    before = pool.status()["answered"]
    assert pool.answer(service, ask) == expected
    assert pool.status()["answered"] == before + 1
