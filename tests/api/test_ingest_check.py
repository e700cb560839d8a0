"""Service.ingest checks each document's graph against the shapes before writing it: a broken
document is reported and kept out of the store, never stored silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.service import Service
from common.settings import Settings
from graph.validate import ShapeViolationError, ValidationReport
from ingest.manifest import read_manifest
from ingest.model import Document
from ingest.pipeline import parse_file

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _two_documents() -> list[Document]:
    entries = read_manifest(CORPUS)[:2]
    return [parse_file(CORPUS / e.file, meta=e, corpus_dir=CORPUS) for e in entries]


def _break(doc: Document) -> Document:
    next(p for p in doc.provisions if p.actions).actions[0].verb = ""  # an action the shapes refuse
    return doc


def test_a_broken_document_is_reported_and_not_written(tmp_path: Path) -> None:
    good, broken = _two_documents()
    svc = Service(Settings(data=tmp_path / "data"))
    reports: dict[str, ValidationReport] = {}
    try:
        summary = svc.ingest([good, _break(broken)], on_check=lambda d, r: reports.__setitem__(d.id, r))
        assert reports[good.id].violations == 0
        assert reports[broken.id].violations >= 1
        assert summary.documents == 1
        assert sorted(svc.store.documents()) == [good.id]
    finally:
        svc.close()


def test_without_a_listener_a_broken_document_stops_the_ingest_before_any_write(tmp_path: Path) -> None:
    good, broken = _two_documents()
    svc = Service(Settings(data=tmp_path / "data"))
    try:
        with pytest.raises(ShapeViolationError, match=broken.path):
            svc.ingest([good, _break(broken)])
        assert list(svc.store.documents()) == []
    finally:
        svc.close()
