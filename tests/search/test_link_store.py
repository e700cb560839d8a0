"""Linking after each change recomputes only the links whose inputs changed, and those equal a full link's."""

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
ZHEJIANG = "zhejiang-cujin-fangzhi-chanye-gaozhiliang-fazhan-shishi-yijian-2023"
GUANGDONG = "guangdong-xiandai-qinggong-fangzhi-chanye-jiqun-xingdong-jihua-2021-2025"
SHENZHEN = "shenzhen-shishang-chanye-gaozhiliang-fazhan-xingdong-jihua-2020-2024"
GUANGZHOU = "guangzhou-shishang-chanye-jiqun-gaozhiliang-fazhan-sannian-xingdong-jihua-2022"

Row = tuple[str | None, ...]


def _rows(service: Service) -> list[dict[str, object]]:
    rows, offset = [], 0
    while offset is not None:
        page = service.links(limit=MAX_PAGE, offset=offset)
        rows += page.rows
        offset = page.next_offset
    return rows


def _links(service: Service, relation: str, docs: set[str]) -> tuple[set[Row], dict[tuple[object, ...], float]]:
    """Every link of ``relation`` from a local document in ``docs`` as the /links page shows it
    (time left out), and its score apart."""
    keys = ("local", "target", "relation", "rank", "method", "asserted", "evidence", "model")
    mine = [r for r in _rows(service) if r["relation"] == relation and r["localDoc"] in docs]
    rows = {tuple(None if r[k] is None else str(r[k]) for k in keys) for r in mine}
    scores = {(r["local"], r["target"]): float(str(r["score"])) for r in mine if r["score"] is not None}
    return rows, scores


def _graphs(service: Service) -> dict[str, set[str]]:
    """Every links graph as N-Quads lines."""
    return {g: set(service.store.export("nq", g).decode("utf-8").splitlines()) for g in service.store.links_graphs()}


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


def test_a_link_recomputes_only_the_documents_whose_inputs_changed(
        tmp_path: Path, model_path: Path, corpus_docs: dict[str, Document]) -> None:
    service = Service(Settings(data=tmp_path, model=str(model_path)))
    try:
        service.ingest([d for d in corpus_docs.values() if d.id != NOTICE])
        first = service.link()
        assert first.mode == "incremental" and first.documents_kept == 0 and first.documents_relinked >= 4
        assert service.link().mode == "unchanged"

        service.ingest([corpus_docs[NOTICE]])  # national: any local document may implement it
        added = service.link()
        assert (added.documents_relinked, added.documents_kept) == (first.documents_relinked, 0)
        assert any(r["targetDoc"] == NOTICE for r in _rows(service))

        before = _graphs(service)
        service.ingest([_edited(corpus_docs[JIANGSU])])  # no city of Jiangsu is stored: only it may change
        edited = service.link()
        assert edited.documents_relinked == 1
        after = _graphs(service)
        others = {str(service.store.iris.document_links_graph(d)) for d in (ZHEJIANG, GUANGDONG, SHENZHEN)}
        assert all(after[g] == before[g] for g in others)

        service.ingest([_edited(corpus_docs[GUANGDONG])])  # a Guangdong plan: its cities' candidates changed
        changed = service.link()
        assert changed.documents_relinked == 3
        # what this link computed equals what a full link computes on the same store
        implements = _links(service, "implements", {GUANGDONG, SHENZHEN, GUANGZHOU})
        resembles = _links(service, "correspondsTo", {GUANGDONG, JIANGSU, ZHEJIANG})
        shared = _shared(service)
        assert service.link(full=True).mode == "full"
        for (rows, scores), (full_rows, full_scores) in ((implements, _links(service, "implements", {GUANGDONG, SHENZHEN, GUANGZHOU})),
                                                         (resembles, _links(service, "correspondsTo", {GUANGDONG, JIANGSU, ZHEJIANG}))):
            assert rows and rows == full_rows
            assert all(abs(scores[k] - full_scores[k]) <= SCORE_TOLERANCE for k in scores)
        assert shared == _shared(service)

        service.remove(SHENZHEN)  # a city: no one's candidate; its own links go with it
        assert not any(r["localDoc"] == SHENZHEN for r in _rows(service))
        removed = service.link()
        assert removed.documents_relinked == 0 and removed.graphs_dropped == 0
        assert not any(SHENZHEN in (r["localDoc"], r["targetDoc"]) for r in _rows(service))
        assert service.link().mode == "unchanged"
    finally:
        service.close()
