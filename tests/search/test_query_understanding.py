"""Query understanding: places at every tier and in short forms, issuers, kinds, years and 文号
read from staff queries (no model)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from search.hybrid import prepare_query
from search.query_understanding import understand


def intent(query: str):
    return understand(prepare_query(query))


@pytest.mark.parametrize(("query", "regions"), [
    ("上海数字经济发展规划", ["上海市"]),
    ("广西和武汉的智能制造政策", ["广西壮族自治区", "武汉市"]),
    ("济南青岛人工智能先导区建设方案", ["济南市", "青岛市"]),
    ("山东省济南市历下区的实施方案", ["济南市", "历下区"]),  # 山东省济南市 is one name of 济南市
    ("國家對人工智能倫理有什麼規定", []),
])
def test_places_at_any_level_and_short_forms(query: str, regions: list[str]) -> None:
    assert [r.name for r in intent(query).regions] == regions


def test_issuers_are_written_as_headers_write_them() -> None:
    found = intent("工信部推动工业大数据发展的文件")
    assert found.issuers == ("工业和信息化部",)
    assert found.level == "national"  # a ministry, and no place named
    local = intent("山东省生态环境厅和省委省政府关于绿色发展的通知")
    assert "生态环境厅" in local.issuers and "省委" in local.issuers
    assert [r.name for r in local.regions] == ["山东省"]
    assert intent("财政部的补贴通知").issuers == ("财政部",)


def test_words_that_only_end_like_an_agency_are_not_issuers() -> None:
    assert intent("老年人不会用智能手机国家有什么办法").issuers == ()
    assert intent("老年人不会用智能手机国家有什么办法").level == "national"


@pytest.mark.parametrize(("query", "kinds"), [
    ("山东省工业大数据实施方案", ["实施方案"]),
    ("数字山东行动计划和实施意见", ["实施意见", "行动计划"]),
    ("关于设备更新的通知", ["通知"]),
])
def test_kinds_keep_the_longest_name(query: str, kinds: list[str]) -> None:
    assert sorted(intent(query).kinds) == sorted(kinds)


def test_years_and_doc_numbers_in_either_script() -> None:
    found = intent("國發〔2017〕35號")
    assert found.doc_numbers == ("国发〔2017〕35号",) and found.years == ()
    assert intent("2021年版数字山东行动方案").years == ("2021",)
    assert intent("發改能源[2020]283號文件").doc_numbers == ("发改能源〔2020〕283号",)


def test_a_plain_topic_names_nothing() -> None:
    assert intent("纺织服装品牌建设").is_empty()


@pytest.mark.parametrize(("query", "regions"), [
    ("深圳推动大规模设备更新的实施方案", ["深圳市"]),
    ("绍兴纺织印染产业集群", ["绍兴市"]),
    ("延边州和恩施的文旅政策", ["延边朝鲜族自治州", "恩施土家族苗族自治州"]),
    ("苏州工业园区智能制造政策", ["苏州工业园区"]),
])
def test_places_of_any_province_and_tier(query: str, regions: list[str]) -> None:
    assert [r.name for r in intent(query).regions] == regions


@pytest.mark.parametrize("query", ["朝阳产业发展规划", "维护社会长治久安", "中山大学人工智能研究", "阿里巴巴数字经济平台",
                                   "矿区智能化建设要求"])
def test_a_place_name_inside_an_ordinary_word_is_no_place(query: str) -> None:
    # 朝阳, 长治, 中山, 阿里 are short forms of prefectures; 矿区 is a county's whole name
    assert intent(query).regions == ()


@pytest.mark.parametrize(("query", "issuer", "level"), [
    ("浙江省经信厅关于纺织产业的通知", "经济和信息化厅", None),
    ("苏州市工信局智能制造政策", "工业和信息化局", None),
    ("浙江省发改委设备更新方案", "发展和改革委员会", None),  # the province's commission, not the national one
    ("国家发改委设备更新方案", "国家发展和改革委员会", "national"),
    ("成都市人民政府办公厅印发的数字经济规划", "人民政府办公厅", None),
    ("省工信厅的设备更新通知", "工业和信息化厅", "provincial"),
])
def test_local_issuers_in_short_forms_are_read_as_headers_write_them(query: str, issuer: str, level: str | None) -> None:
    found = intent(query)
    assert found.issuers == (issuer,) and found.level == level


def test_a_kind_is_named_once() -> None:
    assert intent("成都市数字经济发展规划").kinds == ("规划",)


@pytest.mark.parametrize(("query", "issuer", "level"), [
    ("最高检关于检察大数据工作的意见", "最高人民检察院", "national"),
    ("人社部职业技能提升行动方案", "人力资源和社会保障部", "national"),
    ("国家医保局DRG付费改革的通知", "国家医疗保障局", "national"),  # 国家 is part of the name
    ("林草局森林防火规划", "国家林业和草原局", "national"),
    ("网信办生成式人工智能服务管理办法", "国家互联网信息办公室", "national"),
    ("广东省药监局化妆品监管通知", "药品监督管理局", None),  # after a place: the province's bureau
    ("深圳市大数据局公共数据开放办法", "大数据局", None),  # 大数据局, not the national 数据局
    ("工信部办公厅关于开展试点的通知", "工业和信息化部办公厅", "national"),  # a ministry's office
])
def test_central_bodies_in_short_forms_are_read_as_their_full_names(query: str, issuer: str, level: str | None) -> None:
    found = intent(query)
    assert found.issuers == (issuer,) and found.level == level


def test_the_kinds_named_come_in_one_order_whatever_the_hash_seed() -> None:
    """A set's order changes with the process's hash seed; the kinds a hit's explanation lists must not."""
    code = ("from search.query_understanding import understand; "
            "print([understand(q).kinds for q in ('纺织行业标准化工作指南', '产业发展规划和标准体系', '示范工厂认定条件和管理规定')])")
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in range(4)}
    assert len(seen) == 1 and "标准" in seen.pop()
