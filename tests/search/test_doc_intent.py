"""How a document meets what a query names, and its title's share of the query's topic: on real
titles, and in the fusion, where it decides a tie the views leave open."""

from __future__ import annotations

from dataclasses import replace

import pytest

from search.doc_intent import (
    cited_title,
    conflicts,
    kinds_of,
    matches,
    owns_number,
    query_topic,
    title_share,
    topic_pairs,
)
from search.documents import DocumentIndex, DocumentInfo, Evidence
from search.query_understanding import understand


@pytest.mark.parametrize(("query", "topic"), [
    ("交通运输部智能航运发展指导意见", ["智能航运发展"]),  # issuer and kind taken out
    ("山东省工业大数据实施方案", ["工业大数据"]),  # place and kind
    ("2018年版智能制造标准体系建设指南", ["智能制造标准体系建设"]),  # 标准 inside a phrase is no kind
    ("化纤行业绿色低碳怎么搞", ["化纤行业绿色低碳"]),  # a question word is no topic
])
def test_the_topic_is_what_is_left_of_the_query(query: str, topic: list[str]) -> None:
    assert query_topic(query, understand(query)) == topic


def test_a_title_that_is_the_question_holds_all_of_its_topic() -> None:
    query = "交通运输部智能航运发展指导意见"
    topic = query_topic(query, understand(query))
    pairs = topic_pairs(topic)
    assert title_share("智能航运发展指导意见", topic, pairs) == (1.0, ["智能航运发展"])
    share, stretches = title_share("关于充分发挥信息化智能化在引领交通运输转型升级的指导意见", topic, pairs)
    assert share == pytest.approx(1 / 5) and stretches == ["智能"]
    assert title_share("", topic, pairs) == (0.0, [])


def test_a_title_of_another_kind_or_period_is_a_conflict() -> None:
    intent = understand("国家智能制造标准体系建设指南2021版")
    doc = DocumentInfo("d", "国家智能制造标准体系建设指南（2018年版）", None, "national", "全国", None, "指南")
    assert conflicts(doc, intent) == ["year"]
    notice = DocumentInfo("n", "关于开展智能制造试点示范行动的通知", None, "national", "全国", None, "通知")
    assert conflicts(notice, intent) == ["kind"]


def test_the_title_decides_a_tie_the_views_leave_open() -> None:
    """Two documents each first in one view (a tie in rank fusion): the one whose title is the
    question ranks first, and says so."""
    docs = [DocumentInfo("shipping", "智能航运发展指导意见", None, "national", "全国", None, "指导意见"),
            DocumentInfo("transport", "关于充分发挥信息化智能化在引领交通运输转型升级的指导意见", None, "national",
                         "全国", None, "指导意见", ("交通运输部",))]
    index = DocumentIndex.build(docs, [], None, graph_state="g")
    query = "智能航运发展的指导意见"
    topic = query_topic(query, understand(query))
    titles = {row: title_share(d.title, topic, topic_pairs(topic)) for row, d in enumerate(docs)}
    tie = {"body": [1, 0], "profile": [0, 1]}  # views of equal weight, each first in one
    plain = index.fuse(Evidence(tie, {}, list, {}), k=2)  # no unit hits
    assert plain[0].score == pytest.approx(plain[1].score)
    ev = Evidence(tie, {}, list, {row: {"title": s} for row, (_, s) in titles.items()},
                  titles={row: share for row, (share, _) in titles.items()})
    hits = index.fuse(ev, k=2)
    assert [h.doc.doc_id for h in hits] == ["shipping", "transport"]
    assert hits[0].matched["title"] == ["智能航运发展"] and hits[0].score > hits[1].score


def test_a_report_of_a_text_is_not_that_text() -> None:
    # A news item titled as its headline is about the plan, not the plan: its kind is a report, and
    # the reported title lends it no share of a query for the plan.
    query = "工信部纺织行业设备更新实施方案"
    intent = understand(query)
    topic = query_topic(query, intent)
    pairs = topic_pairs(topic)
    report = DocumentInfo("r", "工业和信息化部印发《纺织行业设备更新实施方案》", None, "national", "全国", None, None)
    plan = DocumentInfo("p", "关于推动纺织行业设备更新的实施方案", None, "national", "全国", None, "方案")
    assert kinds_of(report.title, None) == {"报道"} and conflicts(report, intent) == ["kind"]
    assert title_share(report.title, topic, pairs)[0] == 0.0
    assert title_share(plan.title, topic, pairs)[0] == 1.0 and conflicts(plan, intent) == []
    # an issuing notice carries the text it issues: it keeps that text's kind
    assert "实施方案" in kinds_of("工业和信息化部关于印发《纺织行业设备更新实施方案》的通知", "通知")
    assert kinds_of("发展改革委有关负责人就《纺织行业设备更新实施方案》答记者问", None) == {"报道"}
    assert "规范条件" in kinds_of("工业和信息化部公告2031年第3号——发布《纺织机械行业规范条件》", "公告")


def test_a_number_is_read_from_the_citation_that_names_it() -> None:
    texts = ["按照《关于加快纺织服装设备更新的指导意见》（纺发﹝2024﹞9号）等，制定本办法。"]
    assert cited_title(texts, understand("纺发〔2024〕9号").doc_numbers) == "关于加快纺织服装设备更新的指导意见"
    assert cited_title(texts, understand("纺发〔2024〕19号").doc_numbers) is None
    owner = DocumentInfo("o", "t", "纺发[2024]9号", "national", "全国", None, None)
    assert owns_number([owner], {}, ["纺发〔2024〕9号"]) and not owns_number([owner], {}, ["纺发〔2024〕8号"])
    assert owns_number([replace(owner, number=None)], {"o": ("纺发〔2024〕9号",)}, ["〔2024〕9号"])


def test_a_short_form_finds_the_body_and_its_office() -> None:
    intent = understand("最高法关于在线诉讼的规则")
    office = DocumentInfo("o", "关于在线诉讼的通知", None, "national", "全国", None, "通知", ("最高人民法院办公厅",))
    court = DocumentInfo("c", "人民法院在线诉讼规则", None, "national", "全国", None, "规则", ("最高人民法院",))
    other = DocumentInfo("p", "关于检察公益诉讼的意见", None, "national", "全国", None, "意见", ("最高人民检察院",))
    assert matches(office, intent)["issuer"] == ["最高人民法院"] and "issuer" in matches(court, intent)
    assert "issuer" not in matches(other, intent)


def test_a_title_citing_the_text_it_carries_out_lends_it_no_words() -> None:
    follower = "关于贯彻落实《纺织工业发展规划》的实施意见"
    topic = query_topic("纺织工业发展规划", understand("纺织工业发展规划"))
    assert title_share(follower, topic, topic_pairs(topic))[0] == 0.0
    # a query for a follower hears all of it (all pairs but 实纺 and 划的, which cross the 《》)
    topic = query_topic("贯彻落实纺织工业发展规划的实施意见", understand("贯彻落实纺织工业发展规划的实施意见"))
    assert title_share(follower, topic, topic_pairs(topic))[0] == pytest.approx(10 / 12)
    topic = query_topic("纺织工业发展规划", understand("纺织工业发展规划"))
    assert title_share("纺织工业发展规划", topic, topic_pairs(topic))[0] == 1.0  # the text itself keeps its words
