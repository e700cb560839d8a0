"""Shared fixtures: the bundled corpus, parsed once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.model import Document

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
