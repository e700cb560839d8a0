"""API fixtures: the session's linked corpus (``linked_service``, tests/conftest.py) served by uvicorn
on a free loopback port in a background thread (real HTTP for real clients).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import uvicorn

from api.service import Service
from tests.conftest import BASE_IRI
from tests.conftest import GUANGDONG_JIEDU as GUANGDONG_JIEDU
from tests.conftest import NATIONAL_NOTICE as NATIONAL_DOC

NATIONAL_IRI = f"{BASE_IRI}/eli/cn/100000/2023/{NATIONAL_DOC}"
JIEDU_IRI = f"{BASE_IRI}/eli/cn/440000/2024/{GUANGDONG_JIEDU}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def service(linked_service: Service) -> Service:
    """The corpus, ingested, indexed and linked (the session's one ingested corpus)."""
    return linked_service


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


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 120) -> None:
    """Poll ``condition`` until it holds (e.g. a search process has loaded the model and indexes)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {seconds:.0f} s"
        time.sleep(0.2)
