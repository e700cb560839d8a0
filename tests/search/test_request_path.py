"""The search request path does less work for the same answer: one segmenter pass a query, the
retrievers' answers as arrays, a document hit's units read only when shown, a query's title shares
worked out once. Each shortcut is checked against the long way on real text."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.model import Document
from search.doc_intent import query_topic, title_share, title_shares, topic_pairs
from search.documents import DocumentIndex, Evidence, documents_of
from search.filters import Filters
from search.highlight import highlight
from search.hybrid import HybridIndex, prepare_query
from search.lexical import WORDS, LexicalIndex, words
from search.query_understanding import understand
from search.tokenize import cut, cut_query, search_tokens
from search.units import Unit


@pytest.fixture(scope="module")
def indexes(corpus_units: list[Unit], embedder) -> tuple[HybridIndex, DocumentIndex]:
    units = HybridIndex.build(corpus_units, embedder, graph_state="g")
    return units, DocumentIndex.build(documents_of(corpus_units), corpus_units, embedder, graph_state="g")


def _queries(corpus_docs: dict[str, Document]) -> list[str]:
    """Real short lines (a title, 文号, quantities, places) and a few staff questions."""
    lines = [line.strip() for doc in corpus_docs.values() for line in doc.text.splitlines()]
    asked = ["广东省怎么落实国家设备更新行动方案的？", "浙江纺织产业到2025年营收目标是多少", "深圳时尚产业行动计划",
             "工信厅联消费函〔2023〕87号", "《关于推动未来产业创新发展的实施意见》", "建成15家以上产业集聚区"]
    return [prepare_query(q) for q in [*[line for line in lines if 4 <= len(line) <= 60][:150], *asked]]


def test_one_cut_of_a_query_serves_every_reader(corpus_docs: dict[str, Document]) -> None:
    for text in _queries(corpus_docs):
        once = cut_query(text)
        assert list(once.tokens) == cut(text)
        assert list(once.search) == search_tokens(text)
        assert words(text, once.tokens) == words(text)
        assert understand(text, once.tokens) == understand(text)


def test_the_views_take_their_tokens_from_the_one_cut(indexes: tuple[HybridIndex, DocumentIndex]) -> None:
    units, docs = indexes
    text = "深圳时尚产业行动计划"
    assert docs.body.config.tokenizer == WORDS
    assert docs.body.tokens(text, cut_query(text)) == docs.body.tokens(text) == words(text)
    assert units.lexical.tokens(text, cut_query(text)) == units.lexical.tokens(text) == search_tokens(text)


@pytest.mark.parametrize("filtered", [False, True])
def test_found_arrays_are_the_search_pairs(indexes: tuple[HybridIndex, DocumentIndex], filtered: bool) -> None:
    units, _ = indexes
    allowed = units.mask(Filters(level="national")) if filtered else None
    assert allowed is None or 0 < allowed.sum() < len(units)
    for text in ("推动纺织服装设备更新", "废旧纺织品循环利用", "建成15家以上产业集聚区"):
        vector, tokens = units.embedder.embed_queries([text])[0], search_tokens(text)
        for index, query in ((units.dense, vector), (units.lexical, tokens)):
            rows, scores = index.found(query, 40, allowed=allowed)
            assert rows.dtype == np.int64 and len(rows) > 0
            assert list(zip(rows.tolist(), scores.tolist(), strict=True)) == index.search(query, 40, allowed=allowed)
            assert allowed is None or allowed[rows].all()


def test_lexical_top_found_keeps_only_positive_scores_best_first() -> None:
    scores = np.array([0.0, 2.0, 0.5, 2.0, 0.0, 1.0], np.float32)
    rows, best = LexicalIndex.top_found(scores, 3)
    assert rows.tolist() == [1, 3, 5] and best.tolist() == [2.0, 2.0, 1.0]  # ties: the lower row first
    assert LexicalIndex.top(scores, 10) == [(1, 2.0), (3, 2.0), (5, 1.0), (2, 0.5)]
    assert LexicalIndex.top_found(np.zeros(4, np.float32), 3)[0].size == 0


def test_a_document_hit_reads_its_units_when_first_shown(indexes: tuple[HybridIndex, DocumentIndex]) -> None:
    units, docs = indexes
    ev = docs.evidence("纺织服装设备更新支持政策", units)
    asked: list[list[int]] = []

    def hits(at: list[int]):
        asked.append(list(at))
        return ev.hits(at)

    lazy = Evidence(ev.views, ev.by_doc, hits, ev.matched, ev.conflicts, ev.titles)
    ranked = docs.fuse(lazy, k=6)
    assert asked == []  # ranking read no unit record
    shown = ranked[1].provisions
    assert asked == [ev.by_doc[docs.docs.index(ranked[1].doc)][:3]]
    assert shown is ranked[1].provisions and len(asked) == 1  # read once
    assert [h.iri for h in shown] == [p.iri for p in docs.fuse(ev, k=6)[1].provisions]
    assert all(h.unit.doc_id == ranked[1].doc.doc_id for h in shown)


def test_title_shares_of_one_query_agree_with_each_title_alone(corpus_units: list[Unit]) -> None:
    titles = [*sorted({u.doc_title for u in corpus_units}), "", "关于贯彻落实《纺织工业发展规划》的实施意见"]
    for query in ("纺织服装产业数字化转型行动计划", "贯彻落实纺织工业发展规划", "废旧纺织品循环利用实施意见"):
        topic = query_topic(query, understand(query))
        pairs = topic_pairs(topic)
        share = title_shares(topic, pairs)
        together = [share(t) for t in titles]
        assert together == [title_shares(topic, pairs)(t) for t in titles] == [title_share(t, topic, pairs) for t in titles]
        assert any(s > 0 for s, _ in together) and any(s == 0 for s, _ in together)
        held = [stretches for s, stretches in together if s]
        held[0].append("changed")  # a hit's explanation is its own list, not one shared with other titles
        assert all("changed" not in s for s in held[1:])


def test_a_snippet_escapes_what_its_window_holds() -> None:
    text = "<b>" + "甲" * 200 + "完善回收体系 R&D" + "乙" * 200
    snippet, plain, _, _ = highlight(text, ["回收体系"], width=40)
    assert "<b>" not in plain and "<mark>回收体系</mark>" in snippet and "R&amp;D" in snippet
    snippet, _, _, _ = highlight("推进<i>回收体系</i>建设", ["回收体系"])
    assert snippet == "推进&lt;i&gt;<mark>回收体系</mark>&lt;/i&gt;建设"
    assert highlight("推进回收体系建设", ["回收体系"])[0] == "推进<mark>回收体系</mark>建设"
