"""Searches run at most ``search_threads`` at once; the others wait their turn and all are answered
(a server without search processes, as on one core)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from api.service import Service

from .conftest import ServerThread, free_port


def test_searches_beyond_search_threads_wait_their_turn(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    import api.search_pool
    from api.app import create_app

    running, most = 0, 0
    lock = threading.Lock()
    real = api.search_pool.answer

    def counted(*args: object, **kwargs: object) -> object:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            return real(*args, **kwargs)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(api.search_pool, "answer", counted)  # what the server runs for one search
    monkeypatch.setattr(service, "settings", service.settings.model_copy(update={"search_threads": 2}))
    queries = ["纺织服装", "废旧纺织品回收", "智能制造", "绿色纤维", "产业集群", "数字化转型",
               "广东省纺织", "服装品牌", "设备更新", "消费品以旧换新", "工业互联网", "标准体系"]
    with ServerThread(create_app(service=service), free_port()) as srv, \
            httpx.Client(base_url=srv.url, timeout=60) as client, ThreadPoolExecutor(len(queries)) as pool:
        statuses = list(pool.map(lambda q: client.get("/search", params={"q": q}).status_code, queries))
    assert statuses == [200] * len(queries)
    assert 1 <= most <= 2  # twelve sent at once, never more than two searching
