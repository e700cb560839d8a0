"""What two paired provisions share: agencies compared by function across levels, targets by unit
and subject."""

from __future__ import annotations

import pytest

from graph.pairs import agency_function, shared


@pytest.mark.parametrize(("local", "national"), [
    ("山东省工业和信息化厅", "工业和信息化部"),
    ("广州市工业和信息化局", "工业和信息化部"),
    ("江苏省发展和改革委员会", "国家发展和改革委员会"),
    ("浙江省市场监督管理局", "国家市场监督管理总局"),
    ("山东省人民政府国有资产监督管理委员会", "国务院国有资产监督管理委员会"),
    ("广东省商务厅", "商务部"),
    ("山东省人民政府办公厅", "国务院办公厅"),
])
def test_the_same_line_of_work_at_two_levels_is_one_function(local: str, national: str) -> None:
    assert agency_function(local) == agency_function(national)


@pytest.mark.parametrize(("a", "b"), [
    ("山东省财政厅", "工业和信息化部"),
    ("山东省科学技术厅", "山东省工业和信息化厅"),
    ("中国人民银行", "国家发展和改革委员会"),
])
def test_different_work_stays_apart(a: str, b: str) -> None:
    assert agency_function(a) != agency_function(b)


def test_shared_pairs_agencies_and_targets_of_the_same_kind() -> None:
    local = {"agencies": [{"mention": "省工业和信息化厅", "function": agency_function("山东省工业和信息化厅")},
                          {"mention": "省财政厅", "function": agency_function("山东省财政厅")}],
             "targets": [{"text": "1000家", "unit": "家", "subject": "企业上云"},
                         {"text": "10个左右", "unit": "个", "subject": "国家二级服务节点"}]}
    national = {"agencies": [{"mention": "工业和信息化部", "function": agency_function("工业和信息化部")}],
                "targets": [{"text": "5万家", "unit": "家", "subject": "上云企业"},
                            {"text": "30个", "unit": "个", "subject": "特色专业型工业互联网平台"}]}
    assert shared(local, national) == {"agencies": [["省工业和信息化厅", "工业和信息化部"]],
                                       "targets": [["1000家", "5万家"]]}
