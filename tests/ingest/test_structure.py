"""The numbered hierarchy, learned per document, with garbled numbering inferred."""

from __future__ import annotations

from ingest.structure import cn_to_int, heading_of, int_to_cn, parse_provisions


def test_chinese_numerals_round_trip() -> None:
    for n in (1, 5, 10, 12, 20, 21, 99, 100, 123):
        assert cn_to_int(int_to_cn(n)) == n
    assert cn_to_int("□") is None


def _paths(text: str) -> list[str]:
    return ["/".join(p.path) for p in parse_provisions(text, 0, len(text))]


def test_provisions_nest_by_first_appearance() -> None:
    text = "一、总体要求\n（一）指导思想。以……为指导。\n（二）基本原则。\n1.坚持创新引领。\n2.坚持需求导向。\n二、重点任务\n（一）推进设备更新。"
    assert _paths(text) == ["一", "一/（一）", "一/（二）", "一/（二）/1", "一/（二）/2", "二", "二/（一）"]


def test_parts_nest_under_an_item_when_they_appear_inside_it() -> None:
    text = "二、《行动方案》主要内容\n第一部分“新活力新经济促进产业焕新颜专项行动”。提出打造高地。\n第二部分“新制造新工艺驱动产业提质增效专项行动”。明确强化技改。"
    provisions = parse_provisions(text, 0, len(text))
    assert [p.path for p in provisions] == [["二"], ["二", "第一部分"], ["二", "第二部分"]]
    assert provisions[1].heading == "新活力新经济促进产业焕新颜专项行动"


def test_provisions_infer_garbled_numbering() -> None:
    text = "二、工作任务\n（一）聚焦高端化。支持企业。\n（□）促进区域发展。支持中西部。\n（三）强化创意设计。"
    provisions = parse_provisions(text, 0, len(text))
    assert [p.label for p in provisions] == ["二、", "（一）", "（二）", "（三）"]
    assert [p.numbering_inferred for p in provisions] == [False, False, True, False]


def test_lost_item_numeral_is_inferred_from_the_next_item() -> None:
    text = "制定出台《行动方案》的背景和意义\n习近平总书记强调发展新质生产力。\n二、《行动方案》主要内容\n建成15家以上集聚区。"
    provisions = parse_provisions(text, 0, len(text))
    assert [(p.label, p.numbering_inferred) for p in provisions] == [("一、", True), ("二、", False)]
    assert provisions[0].heading == "制定出台《行动方案》的背景和意义"


def test_articles_nest_under_chapters_and_offsets_point_into_text() -> None:
    text = "第一章 总 则\n第一条 为深入实施创新驱动发展战略，制定本办法。\n第二条 推进园区建设。"
    provisions = parse_provisions(text, 0, len(text))
    assert [p.path for p in provisions] == [["第一章"], ["第一章", "第一条"], ["第一章", "第二条"]]
    for p in provisions:
        assert text[p.start : p.end] == p.text


def test_heading_is_the_first_sentence_only_when_short() -> None:
    assert heading_of("加强组织协调。中国纺织工业联合会按照计划安排。") == "加强组织协调"
    assert heading_of("为深入实施创新驱动发展战略，加快形成创意设计推动纺织服装产业转型发展新动能，切实推进纺织强国建设。") is None
