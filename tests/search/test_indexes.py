"""Dense, lexical and hybrid indexes: exact results, filters before ranking, stale-index errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from search.dense import DenseIndex, IndexMismatchError, IndexNotFoundError
from search.filters import Filters
from search.highlight import highlight
from search.hybrid import HybridIndex, SearchQueryError, prepare_query
from search.lexical import LexicalIndex
from search.units import Unit, UnitError, check_units


def _vectors(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    """Clustered unit vectors (HNSW recall on uniform noise says nothing about real data)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(20, dim))
    v = centres[rng.integers(0, 20, n)] + 0.3 * rng.normal(size=(n, dim))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def _iris(n: int) -> list[str]:
    return [f"urn:u:{i}" for i in range(n)]


# ---------------------------------------------------------------- dense


TOLERANCE = {"flat": 1e-5, "hnsw": 1e-5, "flat16": 2e-3}  # float16 keeps ~3 decimal digits of a score


@pytest.mark.parametrize("kind", ["flat", "flat16", "hnsw"])
def test_dense_search_finds_the_vector_itself(kind: str) -> None:
    vectors = _vectors(500)
    index = DenseIndex.build(_iris(500), vectors, model="m", graph_state="g", kind=kind)
    hits = index.search(vectors[42], 5)
    assert hits[0][0] == 42 and hits[0][1] == pytest.approx(1.0, abs=TOLERANCE[kind])
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_dense_picks_flat16_below_and_hnsw_above_the_limit() -> None:
    vectors = _vectors(300)
    assert DenseIndex.build(_iris(300), vectors, model="m", graph_state="g").config.kind == "flat16"
    assert DenseIndex.build(_iris(300), vectors, model="m", graph_state="g", flat_limit=100).config.kind == "hnsw"


@pytest.mark.parametrize("kind", ["flat", "flat16", "hnsw"])
@pytest.mark.parametrize("allowed_count", [3, 10, 40, 450])
def test_dense_filter_returns_k_hits_whenever_k_rows_match(kind: str, allowed_count: int) -> None:
    vectors = _vectors(500)
    index = DenseIndex.build(_iris(500), vectors, model="m", graph_state="g", kind=kind)
    rng = np.random.default_rng(1)
    allowed = np.zeros(500, bool)
    allowed[rng.choice(500, allowed_count, replace=False)] = True
    hits = index.search(vectors[0], 10, allowed=allowed)
    assert len(hits) == min(10, allowed_count)
    assert all(allowed[row] for row, _ in hits)
    exact = np.sort(vectors[allowed] @ vectors[0])[::-1][: len(hits)]
    np.testing.assert_allclose([s for _, s in hits], exact, atol=TOLERANCE[kind])


def test_dense_filtered_hnsw_above_scan_limit_uses_the_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    import search.dense

    monkeypatch.setattr(search.dense, "EXACT_SCAN_LIMIT", 50)
    vectors = _vectors(1000)
    index = DenseIndex.build(_iris(1000), vectors, model="m", graph_state="g", kind="hnsw")
    allowed = np.arange(1000) % 2 == 0
    hits = index.search(vectors[2], 10, allowed=allowed)
    assert len(hits) == 10 and all(row % 2 == 0 for row, _ in hits) and hits[0][0] == 2


@pytest.mark.parametrize("kind", ["flat", "flat16", "hnsw"])
def test_dense_save_load_round_trip(tmp_path: Path, kind: str) -> None:
    vectors = _vectors(200)
    index = DenseIndex.build(_iris(200), vectors, model="m", graph_state="g1", kind=kind)
    index.save(tmp_path / "dense")
    loaded = DenseIndex.load(tmp_path / "dense", model="m", graph_state="g1")
    assert loaded.iris == index.iris and loaded.config == index.config
    assert loaded.search(vectors[7], 3) == index.search(vectors[7], 3)
    np.testing.assert_allclose(loaded.vectors(np.array([7])), vectors[7:8], atol=TOLERANCE[kind])


def test_dense_load_refuses_another_model_or_graph_state(tmp_path: Path) -> None:
    DenseIndex.build(_iris(10), _vectors(10), model="m", graph_state="g1").save(tmp_path / "d")
    with pytest.raises(IndexMismatchError, match="model 'm', not 'other'"):
        DenseIndex.load(tmp_path / "d", model="other", graph_state="g1")
    with pytest.raises(IndexMismatchError, match=r"graph state .g1.*rebuild"):
        DenseIndex.load(tmp_path / "d", model="m", graph_state="g2")
    with pytest.raises(IndexNotFoundError):
        DenseIndex.load(tmp_path / "missing")


# ---------------------------------------------------------------- lexical

TEXTS = [
    "关于开展2023纺织服装优供给促升级活动的通知 工信厅联消费函〔2023〕87号",
    "到2025年底，全省纺织服装产业营收达到7000亿元，建成15家以上产业集聚区。",
    "推进废旧纺织品循环利用，完善废旧纺织品回收体系。",
    "为贯彻落实《国务院办公厅关于加快发展流通促进商业消费的意见》（国办发〔2019〕42号），推动设备更新。",
]


def test_lexical_matches_document_numbers_and_quantities_whole() -> None:
    index = LexicalIndex.build(_iris(4), TEXTS, graph_state="g")
    from search.tokenize import search_tokens

    assert index.search(search_tokens("工信厅联消费函〔2023〕87号"), 5)[0][0] == 0
    assert index.search(search_tokens("国办发[2019]42号"), 5)[0][0] == 3
    assert [row for row, _ in index.search(search_tokens("15家"), 5)] == [1]
    assert index.search(search_tokens("火星探测器"), 5) == []


def test_lexical_filter_and_round_trip(tmp_path: Path) -> None:
    from search.tokenize import search_tokens

    index = LexicalIndex.build(_iris(4), TEXTS, graph_state="g")
    allowed = np.array([False, True, True, True])
    hits = index.search(search_tokens("纺织服装 纺织品"), 10, allowed=allowed)
    assert hits and all(allowed[r] for r, _ in hits)
    index.save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex", graph_state="g")
    assert loaded.search(search_tokens("废旧纺织品"), 3) == index.search(search_tokens("废旧纺织品"), 3)
    with pytest.raises(IndexMismatchError):
        LexicalIndex.load(tmp_path / "lex", graph_state="other")


# ---------------------------------------------------------------- units, queries, snippets


def test_units_must_have_unique_iris() -> None:
    u = Unit("urn:a", "text", "d", "t", None, "national", "全国", None, None)
    with pytest.raises(UnitError, match="occurs twice"):
        check_units([u, u])


def test_query_is_simplified_and_must_not_be_empty() -> None:
    assert prepare_query("  加快傳統製造業\n轉型升級 ") == "加快传统制造业 转型升级"
    with pytest.raises(SearchQueryError, match="empty"):
        prepare_query("   ")


def test_highlight_marks_longest_terms_and_escapes_html() -> None:
    text = "推进废旧纺织品循环利用，<b>完善</b>回收体系。"
    snippet, plain, spans, found = highlight(text, ["废旧", "废旧纺织品", "的", "回收"])
    assert snippet == "推进<mark>废旧纺织品</mark>循环利用，&lt;b&gt;完善&lt;/b&gt;<mark>回收</mark>体系。"
    assert plain == text and spans == [(2, 7), (21, 23)] and found == ["废旧纺织品", "回收"]


def test_highlight_windows_long_text_around_the_matches() -> None:
    text = "甲" * 300 + "废旧纺织品" + "乙" * 300
    snippet, plain, spans, _ = highlight(text, ["废旧纺织品"], width=60)
    assert plain.startswith("…") and plain.endswith("…") and "废旧纺织品" in plain
    assert "<mark>废旧纺织品</mark>" in snippet and spans == [(300, 305)]


# ---------------------------------------------------------------- hybrid (real model)


@pytest.fixture(scope="session")
def hybrid(corpus_units: list[Unit], embedder) -> HybridIndex:
    return HybridIndex.build(corpus_units, embedder, graph_state="test-graph")


@pytest.mark.slow
def test_hybrid_finds_the_circular_economy_provision(hybrid: HybridIndex) -> None:
    hits = hybrid.search("推进废旧纺织品循环利用", k=5)
    assert len(hits) == 5 and [h.rank for h in hits] == [1, 2, 3, 4, 5]
    top = hits[0]
    assert top.unit.doc_id == "feijiu-fangzhipin-xunhuan-liyong-shishi-yijian-2022"
    assert top.dense_rank is not None and top.lexical_rank is not None
    assert "<mark>" in top.snippet and top.matched
    assert set(top.to_dict()["retrievers"]) == {"dense", "lexical"}


@pytest.mark.slow
def test_traditional_query_gives_the_same_hits_as_simplified(hybrid: HybridIndex) -> None:
    for simplified, traditional in [
        ("加快传统制造业转型升级", "加快傳統製造業轉型升級"),
        ("纺织服装优供给促升级活动", "紡織服裝優供給促升級活動"),
    ]:
        a = hybrid.search(simplified, k=8)
        b = hybrid.search(traditional, k=8)
        assert [(h.iri, h.dense_rank, h.lexical_rank) for h in a] == [(h.iri, h.dense_rank, h.lexical_rank) for h in b]


@pytest.mark.slow
def test_hybrid_filters_apply_before_ranking(hybrid: HybridIndex) -> None:
    guangdong = [u for u in hybrid.units if u.region.startswith("广东省")]
    assert {u.region for u in guangdong} >= {"广东省", "广东省广州市"}
    hits = hybrid.search("纺织服装产业集群", k=len(guangdong) + 5, filters=Filters(region="广东省"))
    assert len(hits) == len(guangdong)  # every matching unit, nothing else
    assert all(h.unit.region.startswith("广东省") for h in hits)
    municipal = hybrid.search("国家级创意设计园区", k=3, filters=Filters(level="municipal"))
    assert len(municipal) == 3 and {h.unit.level for h in municipal} == {"municipal"}
    doc = hybrid.search("推进废旧纺织品循环利用", k=1)[0].unit.doc_id
    excluded = hybrid.search("推进废旧纺织品循环利用", k=10, filters=Filters(exclude_doc_id=doc))
    assert len(excluded) == 10 and doc not in {h.unit.doc_id for h in excluded}


@pytest.mark.slow
def test_many_queries_at_once_give_each_query_its_own_hits(hybrid: HybridIndex) -> None:
    # every local provision asking one level up, as linking does: the filters differ per query
    local = [u for u in hybrid.units if u.level != "national" and u.kind == "provision"][:40]
    filters = [Filters(level="national", kind="provision", exclude_doc_id=u.doc_id) for u in local]
    vectors = hybrid.embedder.embed_queries([u.text for u in local])  # one batch pads, so the same vectors for both
    many = hybrid.search_many([u.text for u in local], k=12, filters=filters, vectors=vectors)
    for unit, f, vector, hits in zip(local, filters, vectors, many, strict=True):
        one = hybrid.search(unit.text, k=12, filters=f, vector=vector)
        assert [(h.iri, h.rank, h.dense_rank, h.lexical_rank, h.matched) for h in hits] == [
            (h.iri, h.rank, h.dense_rank, h.lexical_rank, h.matched) for h in one]
        assert all(h.unit.level == "national" for h in hits)
        assert hits[0].snippet == one[0].snippet  # marked when read, the same way


@pytest.mark.slow
def test_hybrid_save_load_and_stale_index(tmp_path: Path, hybrid: HybridIndex, embedder) -> None:
    hybrid.save(tmp_path / "index")
    loaded = HybridIndex.load(tmp_path / "index", embedder=embedder, graph_state="test-graph")
    query = "工信厅联消费函〔2023〕87号"
    assert [h.iri for h in loaded.search(query, k=5)] == [h.iri for h in hybrid.search(query, k=5)]
    assert list(loaded.units) == hybrid.units
    with pytest.raises(IndexMismatchError, match="rebuild"):
        HybridIndex.load(tmp_path / "index", embedder=embedder, graph_state="graph-after-reingest")
    lexical_only = HybridIndex.load(tmp_path / "index")
    assert lexical_only.search("废旧纺织品", k=1, mode="lexical")
    with pytest.raises(SearchQueryError, match="embedding model"):
        lexical_only.search(query, k=1)


@pytest.mark.slow
def test_search_vector_links_a_local_provision_to_national_ones(hybrid: HybridIndex, embedder) -> None:
    local = next(u for u in hybrid.units if u.level == "provincial")
    vector = embedder.embed_passages([local.text])[0]
    hits = hybrid.search_vector(vector, k=3, filters=Filters(level="national"))
    assert len(hits) == 3 and all(h.unit.level == "national" for h in hits)
    assert hits[0].dense_score >= hits[-1].dense_score
