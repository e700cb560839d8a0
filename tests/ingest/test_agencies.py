"""Agency mentions resolved to one organisation of the document's region (issue 18)."""

from __future__ import annotations

import pytest

from ingest import agencies


@pytest.mark.parametrize(
    ("mention", "region", "expected"),
    [
        ("省发展改革委", "山东省", "山东省发展和改革委员会"),
        ("省发展改革委", "广东省", "广东省发展和改革委员会"),
        ("省发展和改革委", "山东省", "山东省发展和改革委员会"),
        ("省卫生健康委", "山东省", "山东省卫生健康委员会"),
        ("省住房城乡建设厅", "山东省", "山东省住房和城乡建设厅"),
        ("省应急厅", "山东省", "山东省应急管理厅"),
        ("省地方金融监管局", "山东省", "山东省地方金融监督管理局"),
        ("省国资委", "山东省", "山东省人民政府国有资产监督管理委员会"),
        ("省政府办公厅", "山东省", "山东省人民政府办公厅"),
        ("省委组织部", "山东省", "中共山东省委组织部"),
        ("省委网信办", "山东省", "中共山东省委网络安全和信息化委员会办公室"),
        ("省税务局", "山东省", "国家税务总局山东省税务局"),
        ("山东金融监管局", "山东省", "国家金融监督管理总局山东监管局"),
        ("济南市政府", "山东省", "济南市人民政府"),
        ("市工业和信息化局", "广东省广州市", "广州市工业和信息化局"),
        ("国资委", None, "国务院国有资产监督管理委员会"),
    ],
)
def test_short_forms_resolve_in_the_documents_region(mention: str, region: str | None, expected: str) -> None:
    assert agencies.canonical(mention, region=region) == expected


def test_clause_names_ending_in_ban_guan_or_branch_are_read() -> None:
    text = "（省大数据局牵头，省委组织部、省档案馆、中国人民银行山东省分行、省委网信办按职责分工负责）"
    found = [(a.mention, a.role) for a in agencies.responsibility_clauses(text, 0, region="山东省")]
    assert found == [
        ("省大数据局", "lead"),
        ("省委组织部", "responsible"),
        ("省档案馆", "responsible"),
        ("中国人民银行山东省分行", "responsible"),
        ("省委网信办", "responsible"),
    ]


def test_national_short_name_inside_a_local_name_is_not_a_national_body() -> None:
    assert list(agencies.known_mentions("责任单位：省发展改革委、省科技厅", 0, role="responsible")) == []
    (a,) = agencies.known_mentions("国家发展改革委牵头", 0, role="lead")
    assert a.name == "国家发展和改革委员会"
