"""API fixtures: the bundled corpus ingested, indexed and linked once per session, served by uvicorn
on a free loopback port in a background thread (real HTTP for real clients).

``POLICYKG_MODEL_CACHE`` (see tests/search/conftest.py) holds the rebuilt model across runs; the
search index of the corpus is kept there too (``api-index/``), so a second run only ingests and
links (the index records the graph state it was built from: a stale copy is rebuilt, not used).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.service import Service
from common.settings import Settings

NATIONAL_DOC = "2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"
GUANGDONG_JIEDU = "guangdong-chuanyue-shishang-chaofuhui-xingdong-fangan-jiedu-2024"
BASE_IRI = "http://127.0.0.1:8000"
NATIONAL_IRI = f"{BASE_IRI}/eli/cn/100000/2023/{NATIONAL_DOC}"
JIEDU_IRI = f"{BASE_IRI}/eli/cn/440000/2024/{GUANGDONG_JIEDU}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cache() -> Path | None:
    cache = os.environ.get("POLICYKG_MODEL_CACHE")
    return Path(cache) if cache else None


def prepare_data_dir(data: Path) -> None:
    """Reuse a saved index of the corpus from ``POLICYKG_MODEL_CACHE`` when it is set."""
    data.mkdir(parents=True, exist_ok=True)
    cache = _cache()
    if cache is not None and (cache / "api-index").is_dir():
        shutil.copytree(cache / "api-index", data / "index")


def keep_index(data: Path) -> None:
    cache = _cache()
    if cache is not None and (data / "index").is_dir():
        shutil.rmtree(cache / "api-index", ignore_errors=True)
        shutil.copytree(data / "index", cache / "api-index")


@pytest.fixture(scope="session")
def api_settings(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Settings:
    data = tmp_path_factory.mktemp("api") / "data"
    prepare_data_dir(data)
    return Settings(data=data, model=str(model_path), base_iri=BASE_IRI, api_key="test-key-123", query_timeout_s=10.0, result_cap=10_000)


@pytest.fixture(scope="session")
def service(api_settings: Settings) -> Iterator[Service]:
    """The corpus, ingested, indexed and linked."""
    svc = Service(api_settings)
    svc.ingest(svc.parse_corpus())
    svc.index()
    keep_index(Path(api_settings.data))
    svc.link()
    yield svc
    svc.close()


class ServerThread:
    def __init__(self, app: object, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def server(service: Service) -> Iterator[str]:
    """Base URL of the app serving ``service`` over real HTTP."""
    from api.app import create_app

    with ServerThread(create_app(service=service), free_port()) as srv:
        yield srv.url


@pytest.fixture
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as c:
        yield c


def local(iri: str) -> str:
    """The path on the test server of a graph IRI."""
    return iri[len(BASE_IRI):]
