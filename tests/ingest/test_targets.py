"""Quantified targets on sentences of the real corpus (../shared/realcorpus) and the bundled one."""

from __future__ import annotations

import pytest

from ingest.pipeline import parse_text
from ingest.targets import targets


def _read(text: str, *, scope: str | None = None) -> list[tuple[object, ...]]:
    return [(t.quantity, t.unit, t.comparator, t.subject, t.deadline) for t in targets(text, 0, scope=scope)]


def test_several_targets_in_one_clause_get_their_own_subjects() -> None:
    # Shandong smart-manufacturing plan (the garbled subjects of issue 18)
    text = "试点示范项目运营成本降低20%、生产效率提高20%以上、产品不良品率降低10%、能源利用率提高13%以上。"
    assert _read(text) == [
        (20.0, "%", "exactly", "试点示范项目运营成本", None),
        (20.0, "%", "atLeast", "生产效率", None),
        (10.0, "%", "exactly", "产品不良品率", None),
        (13.0, "%", "atLeast", "能源利用率", None),
    ]


def test_list_of_counted_things_after_the_numbers() -> None:
    text = "二是标杆引领作用持续增强，建成15个左右国家级智能工厂、5家左右数字领航企业、10个左右5G工厂。"
    assert _read(text, scope="2027") == [
        (15.0, "个", "approximately", "国家级智能工厂", "2027"),
        (5.0, "家", "approximately", "数字领航企业", "2027"),
        (10.0, "个", "approximately", "5G工厂", "2027"),
    ]


def test_respectively_pairs_names_with_numbers() -> None:
    text = "一是数字化水平明显提升，电力装备制造业重点企业关键工序数控化率、数字化研发设计工具普及率分别超过75%、90%。"
    assert _read(text) == [
        (75.0, "%", "moreThan", "电力装备制造业重点企业关键工序数控化率", None),
        (90.0, "%", "moreThan", "数字化研发设计工具普及率", None),
    ]


def test_relative_target_keeps_its_base_year() -> None:
    text = "到2027年，万元工业增加值用水量较2023年下降13%左右，大宗工业固体废物综合利用率超过57%。"
    found = list(targets(text, 0))
    assert [(t.subject, t.baseline, t.comparator, t.deadline) for t in found] == [
        ("万元工业增加值用水量", "2023", "approximately", "2027"),
        ("大宗工业固体废物综合利用率", None, "moreThan", "2027"),
    ]


def test_range_keeps_both_ends() -> None:
    (t,) = targets("到2027年，争创1—2个国家级重大创新平台。", 0)
    assert (t.quantity, t.quantity_max, t.unit, t.subject, t.text) == (1.0, 2.0, "个", "国家级重大创新平台", "1—2个")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("力争建成并开通5G基站10万个。", (10.0, "万个", "atLeast")),
        ("每年部署不少于20项关键技术攻关任务。", (20.0, "项", "atLeast")),
        ("全省信息技术产业营收突破2.2万亿元。", (2.2, "万亿元", "moreThan")),
        ("全国质量标杆达到60项左右。", (60.0, "项", "approximately")),
        ("大模型产业年度收入增幅不低于25%。", (25.0, "%", "atLeast")),
        ("力争到2025年，全省集成电路产业规模过千亿。", (1000.0, "亿", "moreThan")),
        ("一个“标准群”中标准数量不宜超过20项。", (20.0, "项", "atMost")),
    ],
)
def test_comparator_words(sentence: str, expected: tuple[object, ...]) -> None:
    (t,) = targets(sentence, 0)
    assert (t.quantity, t.unit, t.comparator) == expected


def test_breakthrough_before_a_counted_noun_is_a_verb() -> None:
    (t,) = targets("到2023年，突破50项建材领域智能制造关键共性技术。", 0)
    assert (t.comparator, t.subject) == ("exactly", "建材领域智能制造关键共性技术")


@pytest.mark.parametrize(
    "sentence",
    [
        "石化化工、钢铁等传统制造业增加值占全部制造业的比重近80%，是支撑国民经济发展的重要基础。",
        "省、市级政府相关主管部门应在5个工作日内上报工业和信息化部。",
        "(四) 最近1年内无超速50%以上、违反交通信号灯通行等严重交通违法行为记录。",
        "拥有智能传感器企业70余家，2020年实现主营业务收入109.1亿元。",
    ],
)
def test_not_targets(sentence: str) -> None:
    assert list(targets(sentence, 0)) == []


def test_amount_that_qualifies_counted_firms_is_not_a_target() -> None:
    text = "到2025年，新培育年销售（营业）收入首次突破100亿元的企业15家、首次突破500亿元的企业5家。"
    assert [(t.quantity, t.unit) for t in targets(text, 0)] == [(15.0, "家"), (5.0, "家")]


PLAN = """山东省推动某产业发展行动计划
一、发展现状
全省拥有企业70余家，市场占有率超过40%。
二、总体要求
（一）发展目标
到2025年年底，全省信息技术产业营收突破2.2万亿元，年均增长10%以上。新培育高新技术企业超过1000家。
1.创新平台。国家级创新平台达到10家左右。
2.人才。每年引育高端人才不少于30名。
三、重点任务
（一）建设产业园区。每年认定10家左右数字产业园区。到2027年，培育3家左右人工智能产业科技园区。
"""


def test_deadline_governs_its_section_and_stops_at_the_next() -> None:
    doc = parse_text(PLAN, path="plan.txt")
    found = [(t.text, t.deadline) for p in doc.provisions for t in p.targets]
    assert found == [
        ("2.2万亿元", "2025-12-31"),
        ("10%以上", "2025-12-31"),
        ("1000家", "2025-12-31"),
        ("10家左右", "2025-12-31"),  # in sub-sections of 发展目标
        ("30名", "2025-12-31"),
        ("10家左右", None),  # 重点任务: the goal's deadline no longer holds
        ("3家左右", "2027"),
    ]
