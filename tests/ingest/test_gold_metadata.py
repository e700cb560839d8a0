"""The hand-checked real-corpus metadata sample is well-formed and points at real texts."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from ingest.manifest import LEVELS
from ontology.regions import divisions

GOLD = Path(__file__).resolve().parents[1] / "data" / "gold" / "real" / "metadata.toml"
REAL = Path(__file__).resolve().parents[2].parent / "shared" / "realcorpus"


def test_gold_sample_has_forty_documents_split_dev_and_test() -> None:
    docs = tomllib.loads(GOLD.read_text(encoding="utf-8"))["document"]
    assert len(docs) >= 40
    assert {d["split"] for d in docs} == {"dev", "test"}
    for d in docs:
        assert d["level"] in LEVELS and divisions().lookup(d["region"]) is not None, d["file"]
        assert set(d) <= {"file", "split", "title", "issuers", "doc_number", "date", "level", "region", "note"}


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/realcorpus is absent")
def test_gold_titles_and_numbers_are_in_their_texts() -> None:
    for d in tomllib.loads(GOLD.read_text(encoding="utf-8"))["document"]:
        text = "".join((REAL / d["file"]).read_text(encoding="utf-8").split())  # titles break across lines
        for field in ("title", "doc_number"):
            if field in d:
                assert "".join(d[field].split()) in text, (d["file"], field)
