"""The numbered hierarchy, learned per document, with garbled numbering inferred."""

from __future__ import annotations

from ingest.structure import KINDS, cn_to_int, heading_of, int_to_cn, parse_provisions


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


def test_a_chapter_never_nests_in_an_article_of_a_text_cut_before_its_first_chapter() -> None:
    # the real pro-037 copy opens at 第一条 (its 第一章 总则 line is lost) and then reads 第二章
    text = ("第一条 为深入贯彻落实规划，制定本办法。\n第二条 本办法所指的智能制造场景。\n（一）在省内注册。\n"
            "第二章 认定条件\n第三条 申报单位需具备以下条件：\n（一）具有独立法人资格。\n第三章 认定程序\n第四条 按程序认定。")
    assert _paths(text) == ["第一条", "第二条", "第二条/（一）", "第二章", "第二章/第三条", "第二章/第三条/（一）",
                            "第三章", "第三章/第四条"]


def test_heading_is_the_first_sentence_only_when_short() -> None:
    assert heading_of("加强组织协调。中国纺织工业联合会按照计划安排。") == "加强组织协调"
    assert heading_of("为深入实施创新驱动发展战略，加快形成创意设计推动纺织服装产业转型发展新动能，切实推进纺织强国建设。") is None


def test_gbt9704_four_levels_and_the_list_markers_below_them_nest() -> None:
    text = ("一、重点任务\n（一）夯实基础。\n1.建设平台。\n（1）升级网络。\n1）部署5G基站。\n①城区覆盖。\n(a)重点园区。\n"
            "（2）完善标准。\n2.培育主体。")
    provisions = parse_provisions(text, 0, len(text))
    assert [(p.kind, "/".join(p.path)) for p in provisions] == [
        ("item", "一"), ("subitem", "一/（一）"), ("point", "一/（一）/1"), ("subpoint", "一/（一）/1/（1）"),
        ("listitem", "一/（一）/1/（1）/1）"), ("circled", "一/（一）/1/（1）/1）/①"),
        ("letter", "一/（一）/1/（1）/1）/①/(a)"), ("subpoint", "一/（一）/1/（2）"), ("point", "一/（一）/2"),
    ]


def test_sections_decimal_clauses_and_annexes_are_provisions() -> None:
    text = ("第一章 总则\n第一节 一般规定\n第一条 为规范管理，制定本办法。\n第二节 标识\n第二条 标识应清晰。\n"
            "2.1 显式水印标识\n2.1.1\u3000文本水印\n2.2 隐式水印标识\n附件1：典型场景清单\n一、智能工厂\n附件2\n二、示范区")
    provisions = parse_provisions(text, 0, len(text))
    assert [(p.kind, "/".join(p.path)) for p in provisions] == [
        ("chapter", "第一章"), ("section", "第一章/第一节"), ("article", "第一章/第一节/第一条"),
        ("section", "第一章/第二节"), ("article", "第一章/第二节/第二条"), ("clause", "第一章/第二节/第二条/2.1"),
        ("clause", "第一章/第二节/第二条/2.1/2.1.1"), ("clause", "第一章/第二节/第二条/2.2"),
        ("annex", "附件1"), ("item", "附件1/一"), ("annex", "附件2"), ("item", "附件2/二"),
    ]
    assert provisions[8].heading == "典型场景清单"
    for p in provisions:
        assert text[p.start : p.end] == p.text


def test_quantities_and_bare_numbers_at_a_line_start_are_not_numbering() -> None:
    text = "一、目标\n2.5亿元用于支持平台建设。\n2025\n（1）升级网络。"
    assert _paths(text) == ["一", "一/（1）"]


def test_a_heading_followed_by_the_next_heading_is_an_empty_provision() -> None:
    text = "九、保障措施\n加强组织领导。\n十、\n十一、附则"
    provisions = parse_provisions(text, 0, len(text))
    assert [(p.label, p.text) for p in provisions] == [("九、", "保障措施\n加强组织领导。"), ("十、", ""), ("十一、", "附则")]


def test_every_provision_kind_is_a_concept_of_the_subdivision_scheme() -> None:
    from ontology.namespaces import SUBDIVISION

    assert set(KINDS) == set(SUBDIVISION.__annotations__)


def test_text_no_numbering_covers_becomes_paragraphs_after_the_preamble() -> None:
    # a news item (real text, no numbered provisions): the first paragraph is the preamble
    text = ("8月30日，2019世界人工智能大会全球工业智能峰会在上海举办。\n"
            "当前，工业互联网创新发展与人工智能技术突破正处于历史交汇期。\n"
            "本次峰会以“AI变革 洞见工业未来”为主题，来自政府部门、国际组织、全球领军企业代表\n超过2000人参加大会。")
    provisions = parse_provisions(text, 0, len(text))
    assert [(p.kind, p.label) for p in provisions] == [("paragraph", "第二段"), ("paragraph", "第三段")]
    assert provisions[0].text == "当前，工业互联网创新发展与人工智能技术突破正处于历史交汇期。"
    assert provisions[1].text.endswith("超过2000人参加大会。")  # a hard-wrapped line stays in its paragraph
    assert all(text[p.start:p.end] == p.text for p in provisions)


def test_a_short_preamble_before_the_numbering_stays_the_preamble() -> None:
    text = "为加快推进智能汽车创新发展，制定本战略。\n一、发展态势\n智能汽车是指搭载先进传感器的汽车。"
    assert [p.kind for p in parse_provisions(text, 0, len(text))] == ["item"]
    long_lead = "第一段。\n第二段。\n第三段。\n" + text
    assert [p.kind for p in parse_provisions(long_lead, 0, len(long_lead))] == ["paragraph"] * 3 + ["item"]


def test_a_signature_between_a_notice_and_the_text_it_issues_is_no_paragraph() -> None:
    # the State Council's 印发 notice (bundled corpus): its 落款, then the plan's own title and opening
    text = ("现将《推动大规模设备更新和消费品以旧换新行动方案》印发给你们，请认真贯彻执行。\n"
            "国务院\n2024年3月7日\n（此件公开发布）\n推动大规模设备更新和消费品以旧换新行动方案\n"
            "推动大规模设备更新和消费品以旧换新是加快构建新发展格局、推动高质量发展的重要举措。\n"
            "一、总体要求\n以习近平新时代中国特色社会主义思想为指导。")
    paragraphs = [p for p in parse_provisions(text, 0, len(text)) if p.kind == "paragraph"]
    assert [p.text.split("\n")[0] for p in paragraphs] == ["推动大规模设备更新和消费品以旧换新行动方案"]
    assert paragraphs[0].label == "第三段"  # numbered as the text runs, the signature counted


def test_a_heading_glued_after_a_box_opens_its_own_provision() -> None:
    # nat-061 (“十四五”智能制造发展规划, as extracted from its PDF): the next section's heading sits on
    # the last line of 专栏 1, after a space; read as the box's text, section (二) and its boxes were
    # lost under (一) (two 三/（一）/01 in the graph)
    text = (
        "三、重点任务\n"
        "（一）加快系统创新，增强融合发展新动能。攻克关键核心技术。\n"
        "专栏 1 智能制造技术攻关行动\n"
        "02 系统集成技术\n"
        "开发基于信息模型和标准接口的可复用数据集成技术；涵盖设计、生产、管理、服务等制造\n"
        "全过程的复杂系统建模技术；基于模型的价值流分析和优化技术。 （二）深化推广应用，开拓转型升级新路径。\n"
        "聚焦企业、行业、区域转型升级需要，围绕车间、工厂、\n"
        "供应链构建智能制造系统。\n"
        "专栏 2 智能制造示范工厂建设行动\n"
        "01 智能场景\n"
        "面向工艺设计、计划调度、生产作业等环节，建设一批智能场景。\n"
    )
    provs = parse_provisions(text, 0, len(text))
    paths = ["/".join(p.path) for p in provs]
    assert paths == ["三", "三/（一）", "三/（一）/02", "三/（二）", "三/（二）/01"]
    box, section = provs[2], provs[3]
    assert box.text.endswith("基于模型的价值流分析和优化技术。")
    assert section.heading == "深化推广应用，开拓转型升级新路径" and text[section.start : section.end] == section.text
    # pro-002: a list heading glued after a sentence with a full-width space
    glued = "一、总体要求\n（四）发展目标。到2025年，创新能力显著提升。　(五)总体部署。未来五年，全省科技创新工作将紧紧围绕…\n"
    assert ["/".join(p.path) for p in parse_provisions(glued, 0, len(glued))] == ["一", "一/（四）", "一/（五）"]


def test_a_number_after_a_sentence_on_the_same_line_is_running_text() -> None:
    text = "一、主要目标\n到2025年，培育示范工厂。 10 家企业入选国家级试点。 2.5亿元用于奖补。\n二、重点任务\n"
    assert ["/".join(p.path) for p in parse_provisions(text, 0, len(text))] == ["一", "二"]
