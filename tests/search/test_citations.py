"""Citations re-resolved at link time: a document cited before it was stored is found then."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import URIRef

from ingest.model import Document
from ingest.pipeline import parse_file, parse_text
from ontology.namespaces import ELI, PKG
from search.citations import (
    CONTENT_FLOOR,
    CitationRow,
    StoredDocument,
    best_candidate,
    citation_triples,
    content_candidates,
    content_match,
    own_text,
    resolve,
    title_topic,
    topic_candidates,
)

PLAN = StoredDocument("http://x/nat-061", "nat-061", "“十四五”智能制造发展规划", None, "2021-12-21", "national", "全国", ())
LOCAL = StoredDocument("http://x/pro-038", "pro-038", None, None, "2022-08-18", "provincial", "山东省", ())
COPY = StoredDocument("http://x/pro-061", "pro-061", "“十四五”智能制造发展规划", None, None, "national", "全国", ())


def _row(citing: StoredDocument, *, at_ingest: str | None = None) -> CitationRow:
    return CitationRow(f"{citing.iri}/citation/1", citing.iri, citing.id, citing.date, "贯彻落实",
                       "“十四五”智能制造发展规划", None, citing.iri, at_ingest)


def test_a_citation_left_open_at_ingest_resolves_at_link_time() -> None:
    res = resolve([_row(LOCAL)], [LOCAL, PLAN])
    assert [(r.citation.citing_id, r.target_id, r.method) for r in res.resolved] == [("pro-038", "nat-061", "title:0")]
    assert res.summary() == {"citations": 1, "resolved": 1, "by_number": 0, "by_content": 0, "at_link_time": 1}
    assert res.document_citations() == {"pro-038": {"nat-061": "贯彻落实《“十四五”智能制造发展规划》"}}
    triples = set(citation_triples(res))
    assert (URIRef(LOCAL.iri), ELI.cites, URIRef(PLAN.iri)) in triples
    assert (URIRef(LOCAL.iri), ELI.based_on, URIRef(PLAN.iri)) in triples
    assert (URIRef(f"{LOCAL.iri}/citation/1"), PKG.citedDocument, URIRef(PLAN.iri)) in triples


def test_what_ingest_resolved_is_not_written_twice() -> None:
    res = resolve([_row(LOCAL, at_ingest=PLAN.iri)], [LOCAL, PLAN])
    assert len(res.resolved) == 1 and citation_triples(res) == []


def test_a_citation_of_the_citing_documents_own_copy_is_not_a_link() -> None:
    res = resolve([_row(PLAN)], [PLAN, COPY])
    assert [r.target_id for r in res.resolved] == ["pro-061"]
    assert citation_triples(res, {"nat-061": "nat-061", "pro-061": "nat-061"}) == []


def test_a_title_no_stored_document_has_stays_unresolved() -> None:
    row = CitationRow("http://x/c", LOCAL.iri, LOCAL.id, LOCAL.date, "根据", "中国制造2025", None, LOCAL.iri, None)
    res = resolve([row], [LOCAL, PLAN])
    assert res.unresolved == [row] and not res.resolved


# ---------------------------------------------------------------- by content, when the cited document has no title

def _bodies(docs: dict[str, Document]) -> dict[str, str]:
    """Each bundled text as most real texts come: its running text, no header or title line."""
    return {i: d.text[d.body[0] : d.body[1]] if d.body else d.text for i, d in docs.items()}


def test_a_title_resolves_by_content_to_the_one_untitled_document_it_names(corpus_docs: dict[str, Document]) -> None:
    texts = {i: own_text(t) for i, t in _bodies(corpus_docs).items()}
    found = content_match("纺织服装创意设计试点示范园区（平台）管理办法（试行）", texts)
    assert found is not None and found[0] == "fangzhi-fuzhuang-chuangyi-sheji-shifan-yuanqu-guanli-banfa-2016"
    # cited by two bundled texts, stored in none: the textile opinions that share its words are not it
    assert content_match("“十四五”制造业高质量发展规划", texts) is None
    assert content_match("广州市构建“链长制”推进产业高质量发展的意见", texts) is None


def test_content_resolution_only_among_untitled_documents_issued_before_the_citing_one(
        corpus_docs: dict[str, Document]) -> None:
    banfa = "fangzhi-fuzhuang-chuangyi-sheji-shifan-yuanqu-guanli-banfa-2016"
    texts = _bodies(corpus_docs)
    stored = StoredDocument(f"http://x/{banfa}", banfa, None, None, "2016-12-01", "national", "全国", ())
    row = CitationRow("http://x/c", LOCAL.iri, LOCAL.id, LOCAL.date, "根据", "纺织服装创意设计试点示范园区（平台）管理办法（试行）",
                      None, LOCAL.iri, None)
    res = resolve([row], [LOCAL, stored], texts)
    assert [(r.target_id, r.method) for r in res.resolved] == [(banfa, "content")]
    assert res.summary()["by_content"] == 1
    later = replace(row, citing_date="2015-06-01")
    assert resolve([later], [LOCAL, stored], texts).unresolved == [later]
    titled = replace(stored, title="纺织服装创意设计示范园区管理办法")  # has a title: the title decides, not the text
    assert resolve([row], [LOCAL, titled], texts).resolved == []


def test_title_topic_keeps_what_the_title_is_about() -> None:
    assert title_topic("国务院关于印发《新一代人工智能发展规划》的通知") == ("新一代人工智能发展", "规划")
    assert title_topic("关于加快煤矿智能化发展的指导意见") == ("加快煤矿智能化发展", "意见")
    assert title_topic("行动计划") is None


def test_title_topic_leaves_out_a_document_number_in_brackets() -> None:
    assert title_topic("新一代人工智能发展规划（国发〔2017〕35号）") == ("新一代人工智能发展", "规划")


# ---------------------------------------------------------------- on the real corpus, when it is beside the repo

REAL = Path(os.environ.get("POLICYKG_REAL_CORPUS") or Path(__file__).resolve().parents[3] / "shared" / "realcorpus")
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"real corpus not found at {REAL}")


def _stored(name: str) -> tuple[StoredDocument, str]:
    """A real national text as linking sees it: no title, its preamble, its provisions' text."""
    doc = parse_file(REAL / "national" / f"{name}.txt", corpus_dir=REAL)
    preamble = doc.text[slice(*doc.preamble)].strip() if doc.preamble else None
    return (StoredDocument(f"http://x/{name}", name, None, None, None, "national", "全国", (), preamble),
            "\n".join(p.text for p in doc.provisions))


@needs_real
def test_a_text_that_names_itself_only_in_its_preamble_is_found_by_content() -> None:
    # nat-147 says 制定本规划 before its 一、 only; its provisions never call it a plan, and the
    # other AI plans share its topic words, so without the preamble no citation of it resolved
    plan, plan_text = _stored("nat-147")
    other, other_text = _stored("nat-139")  # another AI plan of the same years
    assert plan.preamble and "制定本规划" in plan.preamble and "本规划" not in plan_text
    cite = CitationRow("http://x/c", LOCAL.iri, LOCAL.id, LOCAL.date, "贯彻落实", "国务院关于印发新一代人工智能发展规划的通知",
                       None, LOCAL.iri, None)
    texts = {"nat-147": plan_text, "nat-139": other_text}
    assert [r.target_id for r in resolve([cite], [LOCAL, plan, other], texts).resolved] == ["nat-147"]
    assert resolve([cite], [LOCAL, replace(plan, preamble=None), other], texts).resolved == []


@needs_real
def test_a_text_names_itself_by_its_kind_with_a_qualifier_or_as_the_opinions_it_puts_forward() -> None:
    ship, ship_text = _stored("nat-118")  # 制定本行动计划
    coal, coal_text = _stored("nat-092")  # 现就煤矿智能化发展提出以下意见
    texts = {"nat-118": own_text(f"{ship.preamble}\n{ship_text}"), "nat-092": own_text(f"{coal.preamble}\n{coal_text}")}
    title = "推进船舶总装建造智能化转型行动计划（2019-2021年）"
    assert dict(content_candidates(title, texts))["nat-118"] == 11 / 13  # 船舶总装建造智能化转型, not halved
    assert dict(content_candidates(title, {"nat-118": own_text(ship_text)}))["nat-118"] == 11 / 26  # without its preamble
    found = dict(content_candidates("关于加快煤矿智能化发展的指导意见", texts))
    assert found["nat-092"] == 7 / 9  # 煤矿智能化发展 of 加快煤矿智能化发展, not halved: it names itself
    # 本 followed by a place is not a text naming itself
    assert content_candidates("山东省数字经济规划", {"x": "本地区规划建设数字经济园区"})[0][1] == 4 / 7 / 2  # halved


@needs_real
def test_candidates_below_the_floor_change_no_resolution() -> None:
    """Resolution leaves out the content candidates under ``CONTENT_FLOOR`` and the stretches too short
    to reach it (five times faster on the real corpus); every answer must stay what it was."""
    texts = {d: own_text(f"{info.preamble or ''}\n{text}") for d in ("nat-118", "nat-092", "nat-147", "nat-139", "nat-061")
             for info, text in [_stored(d)]}
    titles = ["推进船舶总装建造智能化转型行动计划（2019-2021年）", "关于加快煤矿智能化发展的指导意见",
              "国务院关于印发新一代人工智能发展规划的通知", "“十四五”智能制造发展规划", "促进新一代人工智能产业发展三年行动计划"]
    for title in titles:
        topic = title_topic(title)
        assert topic is not None
        full, floored = topic_candidates(*topic, texts), topic_candidates(*topic, texts, floor=CONTENT_FLOOR)
        assert floored == [c for c in full if c[1] >= CONTENT_FLOOR]
        for cut in range(1, len(full) + 1):  # whichever documents a citation may not name (itself, later ones)
            allowed = {d for d, _ in full[cut - 1:]}
            assert best_candidate([c for c in floored if c[0] in allowed]) == best_candidate([c for c in full if c[0] in allowed])
    assert any(best_candidate(topic_candidates(*title_topic(t), texts)) for t in titles)  # type: ignore[misc]


def test_a_document_is_known_by_the_number_other_texts_cite_it_by() -> None:
    """A republished national plan states no 文号; a provincial text cites it with one. The store
    answers which numbers each document is cited by (document search uses them)."""
    from graph.store import GraphStore
    from search.citations import CitedNames, cited_names

    plan = parse_text("新一代人工智能发展规划\n\n人工智能的迅速发展将深刻改变人类社会生活、改变世界。"
                      "为抢抓人工智能发展的重大战略机遇，制定本规划。\n一、战略态势\n人工智能发展进入新阶段。\n",
                      path="national/plan.txt")
    local = parse_text("山东省人民政府关于印发山东省新一代人工智能发展规划的通知\n\n"
                       "为贯彻落实《新一代人工智能发展规划》（国发〔2017〕35号），结合我省实际，制定本规划。\n"
                       "一、总体要求\n加快人工智能产业发展。\n", path="provincial/local.txt")
    assert plan.metadata.doc_number is None
    store = GraphStore(None)
    store.ingest([plan, local])
    assert cited_names(store) == {plan.id: CitedNames(("国发〔2017〕35号",), ("新一代人工智能发展规划",))}


def test_a_citation_resolved_at_link_time_stays_so_at_the_next_link() -> None:
    """The links graph holds what link resolved (pkg:citedDocument on the citation node); reading it
    back as resolved at ingest left it out of the next links graph, and every other link lost it."""
    from graph.store import GraphStore
    from search.citations import read_citations, resolve_store

    local = parse_text("山东省人民政府关于印发山东省新一代人工智能发展规划的通知\n\n"
                       "为贯彻落实《新一代人工智能发展规划》（国发〔2017〕35号），结合我省实际，制定本规划。\n"
                       "一、总体要求\n加快人工智能产业发展。\n", path="provincial/local.txt")
    plan = parse_text("新一代人工智能发展规划\n\n人工智能的迅速发展将深刻改变人类社会生活。制定本规划。\n"
                      "一、战略态势\n人工智能发展进入新阶段。\n", path="national/plan.txt")
    store = GraphStore(None)
    store.ingest([local])  # the plan is not stored yet: nothing to resolve to at ingest
    store.ingest([plan])
    for _ in range(2):  # two links in a row write the same links graph
        triples = citation_triples(resolve_store(store))
        assert triples, "the citation resolves at link time"
        store.replace_links({str(store.iris.links_graph): triples}, state="test")
        assert [c.at_ingest for c in read_citations(store)] == [None]
