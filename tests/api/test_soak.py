"""Search under writes (issue 14 item 4), small and bounded: 20 search clients over real HTTP while a
document is uploaded, removed, uploaded changed and removed; the long run is ``bench/soak_bench.py``.
The server has a search process (``api.search_pool``), as a server on more than one core has: what
it answers after each write must be the new state too."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from api.service import Service
from common.settings import Settings

from .conftest import BASE_IRI, ServerThread, free_port, wait_until
from .soak import Change, Soak, clauses, percentile, summary

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
CORPUS = Path(__file__).resolve().parents[2] / "corpus"
SEED = ["national/2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi.txt",
        "provincial/guangdong-chuanyue-shishang-chaofuhui-xingdong-fangan-jiedu-2024.txt",
        "national/feijiu-fangzhipin-xunhuan-liyong-shishi-yijian-2022.txt"]
WRITTEN = CORPUS / "provincial/zhejiang-cujin-fangzhi-chanye-gaozhiliang-fazhan-shishi-yijian-2023.txt"
KEY = "soak-key"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory,
           service: Service) -> Iterator[tuple[Service, str]]:
    """Three documents, indexed and linked, served over HTTP (the session's embedding model)."""
    from api.app import create_app

    settings = Settings(data=tmp_path_factory.mktemp("soak") / "data", base_iri=BASE_IRI, api_key=KEY,
                        model=service.settings.model, model_cache=service.settings.model_cache or service.data_dir,
                        search_processes=1)  # the search process builds the same model as the server's
    svc = Service(settings)
    svc._embedder = service.embedder
    svc.ingest(svc.parse_paths([CORPUS / p for p in SEED]))
    svc.link()
    with ServerThread(create_app(service=svc), free_port()) as srv:
        wait_until(lambda: httpx.get(f"{srv.url}/health").json()["search_processes"]["ready"] == 1,
                   "the search process got ready")  # it loads the model and the indexes first
        yield svc, srv.url
    svc.close()


def _queries() -> list[str]:
    return [c for p in sorted(CORPUS.rglob("*.txt")) for c in clauses(p.read_text(encoding="utf-8"))]


def test_search_under_writes_has_no_errors_and_sees_each_write_at_once(served: tuple[Service, str]) -> None:
    svc, url = served
    change = Change.of(WRITTEN, CORPUS / SEED[2])
    soak = Soak(url, _queries(), KEY)
    soak.measure_baseline(4)
    soak.run([change])
    print(f"\nbaseline: {summary(soak.baseline)}\nduring writes: {summary(soak.writing)}\nwrites: "
          + ", ".join(f"{w} {s:.1f} s" for w, s in soak.writes))
    assert soak.errors == []
    assert soak.problems == []
    assert len(soak.writes) == 4 and len(soak.writing) >= 20
    # readers never wait for a write: while one runs they keep the last complete index, so a search
    # costs what it costs without writes, plus its share of the CPU the write takes
    assert percentile(soak.writing, 0.99) <= 4 * percentile(soak.baseline, 0.99) + 1.0
    assert httpx.get(f"{url}/health").json()["search_processes"]["answered"] > 0  # not the server alone
    units = svc.index().units
    assert len({u.iri for u in units}) == len(units)
    assert change.doc_id not in {u.doc_id for u in units}


def test_searches_complete_while_a_write_is_held_inside(served: tuple[Service, str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """An upload held in its longest step (linking, the service's write lock taken, the new document
    already in the store): twenty searches at once all answer while it waits."""
    import search.linking  # the service imports build_links from here when it links

    _, url = served
    inside, release = threading.Event(), threading.Event()
    build_links = search.linking.build_links

    def held(*args: object, **kwargs: object) -> object:
        inside.set()
        release.wait(60)
        return build_links(*args, **kwargs)

    monkeypatch.setattr(search.linking, "build_links", held)
    change = Change.of(WRITTEN, CORPUS / SEED[2])
    with ThreadPoolExecutor(max_workers=21) as pool:
        upload = pool.submit(httpx.post, f"{url}/documents", headers={"X-API-Key": KEY}, timeout=120,
                             files={"file": (change.filename, change.original, "text/plain")})
        assert inside.wait(60), "the upload never reached linking"
        t0 = time.perf_counter()
        searches = [pool.submit(httpx.get, f"{url}/search", params={"q": q}, timeout=30)
                    for q in _queries()[:20]]
        statuses = [s.result().status_code for s in searches]
        waited = time.perf_counter() - t0
        still_writing = not upload.done()
        release.set()
        assert upload.result().status_code == 201
    assert statuses == [200] * 20 and still_writing, f"searches took {waited:.1f} s"
    assert httpx.delete(f"{url}/documents/{change.doc_id}", headers={"X-API-Key": KEY}, timeout=120).status_code == 200


def test_a_write_returns_with_the_indexes_it_changed_already_held(served: tuple[Service, str]) -> None:
    """No reader has to update (or wait for) the indexes after a write: the write did it."""
    svc, url = served
    change = Change.of(WRITTEN, CORPUS / SEED[2])
    r = httpx.post(f"{url}/documents", headers={"X-API-Key": KEY}, timeout=120,
                   files={"file": (change.filename, change.original, "text/plain")})
    assert r.status_code == 201
    svc.remove(change.doc_id)
    units, _ = svc.indexes.held()
    assert units is not None and change.doc_id not in {u.doc_id for u in units.units}
    assert change.doc_id not in {d.doc_id for d in svc.indexes._documents.docs}
