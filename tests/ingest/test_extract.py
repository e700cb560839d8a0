"""Targets, citations, agencies and actions on real sentences from the corpus and the issues."""

from __future__ import annotations

import pytest

from ingest import agencies, extract

JIEDU_TARGETS = (
    "推动生产要素创新性配置、产业深度转型升级，建成15家以上产业链协同的服装产业集聚区，共培育8家以上国家纺织服装创意设计园区；"
    "激发创新发展磅礴力量，力促产业高端化、智能化、绿色化发展，共培育发展100家以上我省优势特色纺织服装品牌，"
    "展示推广500件以上设计创新特色服装精品，推动产业走创新为主导的新质发展之路。"
)


def test_targets_with_at_least_comparator_and_subject() -> None:
    found = [(t.quantity, t.unit, t.comparator, t.subject) for t in extract.targets(JIEDU_TARGETS, 0)]
    assert found == [
        (15.0, "家", "atLeast", "产业链协同的服装产业集聚区"),
        (8.0, "家", "atLeast", "国家纺织服装创意设计园区"),
        (100.0, "家", "atLeast", "我省优势特色纺织服装品牌"),
        (500.0, "件", "atLeast", "设计创新特色服装精品"),
    ]


def test_target_spans_point_at_the_quantity() -> None:
    offset = 100
    for t in extract.targets(JIEDU_TARGETS, offset):
        assert JIEDU_TARGETS[t.start - offset : t.end - offset] == t.text


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # the example the ingest issue gives
        ("到2025年底，全省纺织服装产业营收达到7000亿元。", (7000.0, "亿元", "atLeast", "2025-12-31", "全省纺织服装产业营收")),
        # corpus: feijiu 实施意见 goal clause
        ("到2025年，废旧纺织品循环利用体系初步建立，循环利用能力大幅提升，废旧纺织品循环利用率达到25%，",
         (25.0, "%", "atLeast", "2025", "废旧纺织品循环利用率")),
        # corpus: Zhejiang 实施意见 主要目标
        ("到2025年，我省纺织产业规模以上企业实现营业收入超过1.2万亿元，",
         (1.2, "万亿元", "moreThan", "2025", "我省纺织产业规模以上企业实现营业收入")),
    ],
)
def test_deadline_targets(sentence: str, expected: tuple[object, ...]) -> None:
    (t,) = list(extract.targets(sentence, 0))
    assert (t.quantity, t.unit, t.comparator, t.deadline, t.subject) == expected


def test_statistics_are_not_targets() -> None:
    stats = "2019年，全省轻工纺织产业规模以上企业实现工业增加值6383.5亿元，约占全省制造业主营业务收入的20%。"
    assert list(extract.targets(stats, 0)) == []
    assert list(extract.targets("我国是全球第一纺织大国，纺织纤维加工总量占全球的50%以上。", 0)) == []


def test_citations_with_relation_title_and_doc_number() -> None:
    text = "为贯彻落实《国务院办公厅关于开展消费品工业“三品”专项行动营造良好市场环境的若干意见》（国办发〔2016〕40号），制定本办法。"
    (c,) = list(extract.citations(text, 0))
    assert (c.relation, c.doc_number) == ("贯彻落实", "国办发〔2016〕40号")
    assert c.title == "国务院办公厅关于开展消费品工业“三品”专项行动营造良好市场环境的若干意见"


def test_citations_list_under_one_relation_and_skip_abbreviations() -> None:
    text = "根据《纺织服装创意设计试点示范园区（平台）管理办法（试行）》（以下简称《管理办法》）有关要求，决定开展工作。"
    found = [(c.relation, c.title) for c in extract.citations(text, 0)]
    assert found == [("根据", "纺织服装创意设计试点示范园区（平台）管理办法（试行）")]
    text = "按照工业和信息化部等5部门《关于印发数字化助力消费品工业“三品”行动方案（2022—2025年）的通知》（工信部联消费〔2022〕79号）要求"
    (c,) = list(extract.citations(text, 0))
    assert (c.relation, c.doc_number) == ("按照", "工信部联消费〔2022〕79号")


def test_responsibility_clause_gives_lead_and_responsible_agencies() -> None:
    text = "加快发展纺织服装产业集群。（省工业和信息化厅、省发展改革委牵头，省科技厅、省商务厅按职责分工负责）"
    found = [(a.name, a.role) for a in agencies.responsibility_clauses(text, 0, region="广东省")]
    assert found == [
        ("广东省工业和信息化厅", "lead"),
        ("广东省发展和改革委员会", "lead"),
        ("广东省科学技术厅", "responsible"),
        ("广东省商务厅", "responsible"),
    ]


def test_responsibility_unit_clause_from_jiangsu() -> None:
    text = "（责任单位：省工业和信息化厅、省发展改革委、省科技厅、省商务厅、省市场监管局等按职责分工负责；各设区市人民政府负责）"
    found = [(a.name, a.role) for a in agencies.responsibility_clauses(text, 0, region="江苏省")]
    assert found[:2] == [("江苏省工业和信息化厅", "responsible"), ("江苏省发展和改革委员会", "responsible")]
    assert ("江苏省市场监督管理局", "responsible") in found
    assert found[-1] == ("各设区市人民政府", "responsible")
    for a in agencies.responsibility_clauses(text, 0, region="江苏省"):
        assert text[a.start : a.end] == a.mention


def test_agency_aliases() -> None:
    assert agencies.canonical("工信部") == "工业和信息化部"
    assert agencies.canonical("国家发展改革委") == "国家发展和改革委员会"
    assert agencies.canonical("市工业和信息化局", region="广东省广州市") == "广州市工业和信息化局"


def test_actions_are_verb_object_clauses_with_evidence() -> None:
    text = "支持企业加大设备更新和技术改造力度，推动企业数字化智能化转型，推进废旧纺织品循环利用。"
    found = [(a.verb, a.object) for a in extract.actions(text, 0)]
    assert found == [("支持", "企业加大设备更新和技术改造力度"), ("推动", "企业数字化智能化转型"), ("推进", "废旧纺织品循环利用")]
    for a in extract.actions(text, 0):
        assert text[a.start : a.end].startswith(a.verb)


def test_instrument_types() -> None:
    assert extract.instrument_type("加大纺织服装企业开展技术改造的政策资金支持力度") == "supply"
    assert extract.instrument_type("打造消费新场景，拓展海外市场") == "demand"
