"""The linking rules on real text: which sibling provision the second stage prefers, what is
never asserted (boilerplate <-> boilerplate; an uncited parent when the local document names a
basis outside the store, or ties with another), from the bundled texts and real citations."""

from __future__ import annotations

from dataclasses import replace

from ingest.model import Document
from search.citations import CitationRow, Resolutions
from search.doclinks import DocInfo, Probe, Query, asserts, doc_pairs, may_assert
from search.hybrid import Hit
from search.lexical import LexicalIndex
from search.rerank import PROVISION_FEATURES, assertable, candidate_rows
from search.tokenize import search_tokens
from search.units import Unit

NOTICE = "2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"
OPINION = "huaxian-gongye-gaozhiliang-fazhan-zhidao-yijian-2022"
GUANGZHOU = "guangzhou-shishang-chanye-jiqun-gaozhiliang-fazhan-sannian-xingdong-jihua-2022"


def _unit(doc: Document, path: list[str]) -> Unit:
    p = next(p for p in doc.provisions if list(p.path) == path)
    return Unit(f"x:{doc.id}/{'/'.join(path)}", p.text, doc.id, "", None, "national", "全国", None, None, path, p.heading)


def _probe(query: str, units: list[Unit]) -> Probe:
    terms = tuple(search_tokens(query))
    hits = [Hit(u.iri, 1.0 / r, r, u, r, 0.8, r, 5.0, terms) for r, u in enumerate(units, start=1)]
    return Probe(Query("x:q", "gd", "provincial", "广东省", query), hits)


def _rows(probe: Probe) -> list[dict[str, float]]:
    return [dict(zip(PROVISION_FEATURES, r, strict=True)) for r in candidate_rows(probe, {})]


def test_a_word_every_sibling_shares_weighs_less_than_one_that_sets_a_candidate_apart(
        corpus_docs: dict[str, Document]) -> None:
    notice = corpus_docs[NOTICE]
    regions, brands = _unit(notice, ["二", "（二）"]), _unit(notice, ["二", "（三）"])
    # both tasks of the notice 培育 something; only (三) speaks of 品牌
    probe = _probe("培育品牌", [regions, brands])
    assert [sorted(h.matched) for h in probe.hits] == [["培育"], ["品牌", "培育"]]
    rows = _rows(probe)
    assert rows[1]["sibling_distinct"] == 1.0
    assert rows[0]["sibling_distinct"] < rows[0]["matched"] / rows[1]["matched"] == 0.5  # 培育 counts less than 品牌
    # alone in its document, a candidate has no sibling to be told from
    (alone,) = _rows(_probe("培育品牌", [regions]))
    assert alone["sibling_distinct"] == 1.0 and alone["sibling_dense_margin"] == 0.0


def test_boilerplate_matched_to_boilerplate_may_rank_but_is_never_asserted(corpus_docs: dict[str, Document]) -> None:
    local = next(p for p in corpus_docs[GUANGZHOU].provisions if p.heading == "指导思想")
    guiding = _unit(corpus_docs[OPINION], ["一", "（一）"])  # 指导思想 of the chemical-fibre opinion
    task = _unit(corpus_docs[NOTICE], ["二", "（一）"])
    rows = candidate_rows(_probe(f"{local.heading}。{local.text}", [guiding, task]), {})
    assert not assertable(rows[0]) and assertable(rows[1])


def _doc_pair(local: DocInfo, hits: list[tuple[str, str]]) -> dict[str, dict[str, float]]:
    docs = {local.id: local, "a": DocInfo("a", "national", "全国", None, "2020-01"),
            "b": DocInfo("b", "national", "全国", None, "2020-01")}
    probes = [Probe(Query(f"x:{local.id}/{i}", local.id, "provincial", "山东省", "q"),
                    [Hit(f"x:{d}/{i}", 1.0, 1, Unit(f"x:{d}/{i}", "t", d, "", None, "national", "全国", None, None,
                                                    [path]))])
              for i, (d, path) in enumerate(hits)]
    return {p.parent: p.features for p in doc_pairs(probes, docs, {})}


def test_a_document_naming_a_basis_that_is_not_stored_gets_no_uncited_parent() -> None:
    # pro-003 of the real corpus: 贯彻落实《中国制造2025》…, neither stored; pro-009 takes up one
    # guide's requirement inside a task (落实《工业数据分类分级指南（试行）》): that is no basis
    rows = [CitationRow("x:c1", "x:pro-003", "pro-003", None, "贯彻落实", "中国制造2025", None, "x:pro-003", None),
            CitationRow("x:c2", "x:pro-009", "pro-009", None, "落实", "工业数据分类分级指南（试行）", None, "x:p", None)]
    assert Resolutions(unresolved=rows).basis_elsewhere() == {"pro-003"}
    local = DocInfo("pro-003", "provincial", "山东省", None, None, basis_elsewhere=True)
    features = _doc_pair(local, [("a", "一"), ("a", "二"), ("b", "一")])["a"]
    assert features["lead"] > 0 and not may_assert(features)
    assert not asserts(features, 1.0, 0.5) and asserts(features | {"cites": 1.0}, 0.0, 0.5)


def test_a_parent_must_lead_every_other_candidate() -> None:
    local = DocInfo("pro-004", "provincial", "山东省", None, None)
    tie = _doc_pair(local, [("a", "一"), ("b", "一")])
    assert tie["a"]["lead"] == 0.0 and not may_assert(tie["a"]) and not may_assert(tie["b"])
    ahead = _doc_pair(local, [("a", "一"), ("a", "二"), ("b", "一")])
    assert may_assert(ahead["a"]) and not may_assert(ahead["b"])


def test_bm25_ranks_a_candidate_among_its_own_siblings_only(corpus_docs: dict[str, Document]) -> None:
    # 广东 2024 "共培育发展100家以上我省优势特色纺织服装品牌": the dense scores of the notice's tasks (二)
    # 特色优质纺织产品 and (三) 品牌建设 lie within 0.002; BM25 over the notice's own provisions puts (三) first
    notice, opinion = corpus_docs[NOTICE], corpus_docs[OPINION]
    units = [_unit(notice, ["二", "（二）"]), _unit(notice, ["二", "（三）"]), _unit(opinion, ["一", "（二）"])]
    query = "共培育发展100家以上我省优势特色纺织服装品牌"
    lexical = LexicalIndex.build([u.iri for u in units], [u.text for u in units], graph_state="test")
    bm25 = lexical.scores(lexical.tokens(query))
    assert bm25[1] > bm25[0] > 0
    probe = _probe(query, units)
    probe.hits = [replace(h, lexical_score=float(s)) for h, s in zip(probe.hits, bm25, strict=True)]
    ranks = [r["sibling_lexical_rank"] for r in _rows(probe)]
    assert ranks[:2] == [0.5, 1.0]
    assert ranks[2] == 1.0  # alone in its document: first among its siblings, whatever its score against the others
    # a candidate BM25 did not find ranks after its siblings that it found
    probe.hits[1] = replace(probe.hits[1], lexical_score=None)
    assert [r["sibling_lexical_rank"] for r in _rows(probe)][:2] == [1.0, 0.5]
