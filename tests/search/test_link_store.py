"""Linking after each change writes only what changed, and ends where a full link would."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.service import Service
from common.settings import Settings
from graph.views import MAX_PAGE
from ingest.manifest import Entry
from ingest.model import Document
from ingest.pipeline import parse_text
from search.link_store import SCORE_TOLERANCE

pytestmark = pytest.mark.slow
NOTICE = "2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"
JIANGSU = "jiangsu-fangzhi-fuzhuang-gaozhiliang-fazhan-ruogan-zhengce-cuoshi-2022"
SHENZHEN = "shenzhen-shishang-chanye-gaozhiliang-fazhan-xingdong-jihua-2020-2024"

Row = tuple[str | None, ...]


def _rows(service: Service) -> list[dict[str, object]]:
    rows, offset = [], 0
    while offset is not None:
        page = service.links(limit=MAX_PAGE, offset=offset)
        rows += page.rows
        offset = page.next_offset
    return rows


def _links(service: Service) -> tuple[set[Row], dict[tuple[object, ...], float]]:
    """Every link as the /links page shows it (time left out), and its score apart."""
    keys = ("local", "target", "relation", "rank", "method", "asserted", "evidence", "model")
    rows = {tuple(None if r[k] is None else str(r[k]) for k in keys) for r in _rows(service)}
    scores = {(r["local"], r["target"], r["relation"]): float(str(r["score"])) for r in _rows(service)
              if r["score"] is not None}
    return rows, scores


def _shared(service: Service) -> set[str]:
    """The shared links graph (citations resolved at link time, copy groups, editions) as N-Quads lines."""
    data = service.store.export("nq", str(service.store.iris.links_graph)) if service.store.backend.has_graph(
        str(service.store.iris.links_graph)) else b""
    return set(data.decode("utf-8").splitlines())


def _edited(doc: Document) -> Document:
    """``doc`` with its wording changed, re-parsed under the same id and metadata."""
    m = doc.metadata
    meta = Entry(file=doc.path, title=m.title or "", doc_number=m.doc_number or "", date=m.date or "",
                 level=m.level or "", region=m.region or "")
    return parse_text(doc.raw_text.replace("纺织服装", "纺织服装产业"), path=doc.path, meta=meta, doc_id=doc.id)


def test_links_after_add_change_and_remove_equal_a_full_link(
        tmp_path: Path, model_path: Path, corpus_docs: dict[str, Document]) -> None:
    service = Service(Settings(data=tmp_path, model=str(model_path)))
    try:
        service.ingest([d for d in corpus_docs.values() if d.id != NOTICE])
        first = service.link()
        assert first.mode == "incremental" and first.graphs_written > 0
        assert service.link().mode == "unchanged"

        service.ingest([corpus_docs[NOTICE]])  # the national parent of every bundled provincial text
        added = service.link()
        assert added.mode == "incremental" and added.graphs_written > 0
        assert any(r["targetDoc"] == NOTICE for r in _rows(service))

        service.ingest([_edited(corpus_docs[JIANGSU])])
        assert service.link().mode == "incremental"

        service.remove(SHENZHEN)
        assert not any(r["localDoc"] == SHENZHEN for r in _rows(service))  # its own links went with it
        removed = service.link()
        assert removed.graphs_dropped == 0 and not any(SHENZHEN in (r["localDoc"], r["targetDoc"]) for r in _rows(service))

        rows, scores = _links(service)
        shared = _shared(service)
        full = service.link(full=True)
        assert full.mode == "full"
        full_rows, full_scores = _links(service)
        assert rows == full_rows
        assert scores.keys() == full_scores.keys()
        assert max(abs(scores[k] - full_scores[k]) for k in scores) <= SCORE_TOLERANCE
        assert shared == _shared(service)
        assert service.link().mode == "unchanged"
    finally:
        service.close()
