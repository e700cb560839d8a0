"""POST /documents: API key, limits and refusals, and all-or-nothing ingest on a small store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.service import Service
from common.settings import Settings

from .conftest import BASE_IRI

pytestmark = pytest.mark.slow
CORPUS = Path(__file__).resolve().parents[2] / "corpus"
SEED = ["national/2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi.txt",
        "provincial/guangdong-chuanyue-shishang-chaofuhui-xingdong-fangan-jiedu-2024.txt"]
NEW = CORPUS / "provincial/zhejiang-cujin-fangzhi-chanye-gaozhiliang-fazhan-shishi-yijian-2023.txt"
KEY = {"X-API-Key": "upload-key"}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, model_path: Path,
          service: Service) -> Iterator[tuple[Service, TestClient]]:
    """Two documents, indexed and linked: small enough that an upload re-indexes in seconds.
    The embedding model is the session service's (loading it again costs ~20 s)."""
    from api.app import create_app

    settings = Settings(data=tmp_path_factory.mktemp("upload") / "data", model=str(model_path), base_iri=BASE_IRI,
                        api_key="upload-key", max_file_bytes=200_000)
    svc = Service(settings)
    svc._embedder = service.embedder
    svc.ingest(svc.parse_paths([CORPUS / p for p in SEED]))
    svc.link()
    with TestClient(create_app(service=svc), raise_server_exceptions=False) as client:
        yield svc, client
    svc.close()


def _state(svc: Service) -> tuple[list[str], dict[str, int], str]:
    return svc.store.documents(), svc.store.stats().counts, svc.index().graph_state


def test_upload_needs_the_api_key(small: tuple[Service, TestClient]) -> None:
    _, client = small
    files = {"file": ("x.txt", "关于开展试点工作的通知".encode(), "text/plain")}
    assert client.post("/documents", files=files).status_code == 401
    wrong = client.post("/documents", files=files, headers={"X-API-Key": "upload-kez"})
    assert wrong.status_code == 401 and wrong.json()["message"] == "The API key is wrong."


@pytest.mark.parametrize(("name", "body", "ctype", "status", "code"), [
    ("big.txt", "纺".encode() * 80_000, "text/plain", 413, "too-large"),
    ("x.pdf", b"%PDF-1.4 ...", "application/pdf", 415, "binary-input"),
    ("x.txt", b"\x00\x01\x02\x03binary\x00\xff\xfe" * 50, "text/plain", 415, None),
    ("empty.txt", b"", "text/plain", 400, "empty-input"),
])
def test_bad_uploads_are_refused_and_change_nothing(small: tuple[Service, TestClient], name: str, body: bytes,
                                                     ctype: str, status: int, code: str | None) -> None:
    svc, client = small
    before = _state(svc)
    r = client.post("/documents", files={"file": (name, body, ctype)}, headers=KEY)
    assert r.status_code == status, r.text
    assert set(r.json()) == {"error", "message", "hint", "status"}
    if code:
        assert r.json()["error"] == code
    assert _state(svc) == before


def test_a_failure_while_linking_leaves_store_and_index_as_before(small: tuple[Service, TestClient],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    svc, client = small
    before, index = _state(svc), svc.index()

    def broken(**_: object) -> None:
        raise RuntimeError("linking failed")

    monkeypatch.setattr(svc, "link", broken)
    r = client.post("/documents", files={"file": (NEW.name, NEW.read_bytes(), "text/plain")}, headers=KEY)
    assert r.status_code == 500 and r.json()["error"] == "internal"
    assert _state(svc) == before and svc.index() is index


def test_upload_ingests_indexes_and_links(small: tuple[Service, TestClient]) -> None:
    _, client = small
    r = client.post("/documents", files={"file": (NEW.name, NEW.read_bytes(), "text/plain")},
                    data={"title": "浙江省关于促进纺织产业高质量发展的实施意见", "level": "provincial", "region": "浙江省",
                          "date": "2023-06-01"}, headers=KEY)
    assert r.status_code == 201, r.text
    out = r.json()
    doc_id = NEW.stem
    assert out["document"] == doc_id and out["ingest"]["provisions"] > 0
    assert client.get(f"/documents/{doc_id}").json()["title"] == "浙江省关于促进纺织产业高质量发展的实施意见"
    hits = client.get("/search", params={"q": "纺织", "region": "浙江省"}).json()
    assert hits and hits[0]["doc"]["doc_id"] == doc_id
    mine = client.get("/links", params={"document": doc_id}).json()
    assert mine and all(link["localDoc"] == doc_id for link in mine)
    again = client.post("/documents", files={"file": (NEW.name, NEW.read_bytes(), "text/plain")}, headers=KEY)
    assert again.status_code == 409


def test_uploads_are_off_without_a_configured_key(small: tuple[Service, TestClient],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    svc, client = small
    monkeypatch.setattr(svc.settings, "api_key", None)
    r = client.post("/documents", files={"file": ("x.txt", b"x", "text/plain")}, headers=KEY)
    assert r.status_code == 403 and "POLICYKG_API_KEY" in r.json()["hint"]
