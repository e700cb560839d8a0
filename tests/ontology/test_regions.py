"""The generated division table: every tier present, names resolve, the hierarchy nests."""

from __future__ import annotations

import pytest

from ontology.loader import schemes
from ontology.namespaces import REGION
from ontology.regions import divisions, region_within


def test_every_tier_of_the_country_is_present() -> None:
    d = divisions()
    tiers = [r.tier for r in d.by_code.values()]
    assert tiers.count("province") == 34  # 23 provinces, 5 autonomous regions, 4 municipalities, HK, Macao
    assert tiers.count("prefecture") > 300
    assert tiers.count("county") > 2800


@pytest.mark.parametrize(("name", "code"), [
    ("山东省", "370000"), ("山东", "370000"), ("鲁", "370000"), ("济南市", "370100"), ("济南", "370100"),
    ("山东省济南市", "370100"), ("青岛市", "370200"), ("广西壮族自治区", "450000"), ("广西", "450000"),
    ("延边朝鲜族自治州", "222400"), ("延边", "222400"), ("济南市历下区", "370102"), ("370102", "370102"),
    ("全国", "100000"), ("济源市", "419001"),
])
def test_names_short_names_and_abbreviations_resolve(name: str, code: str) -> None:
    found = divisions().lookup(name)
    assert found is not None and found.code == code


def test_a_county_name_two_cities_share_resolves_to_none_without_its_city() -> None:
    d = divisions()
    assert d.lookup("市中区") is None  # 济南, 枣庄, 济宁, 乐山, 内江 all have one
    assert d.lookup("枣庄市市中区").code == "370402"  # type: ignore[union-attr]


def test_hierarchy_jinan_and_its_districts_lie_in_shandong_not_in_jiangsu() -> None:
    d = divisions()
    assert d.is_within("370102", "370000") and d.is_within("370100", "370000")
    assert d.is_within("370000", "100000")
    assert not d.is_within("370100", "320000")
    assert {"370100", "370102", "370200"} <= d.descendants("370000")
    assert d.full_name("370102") == "山东省济南市历下区"
    assert [r.name for r in d.chain("110101")] == ["北京市", "东城区"]  # no 市辖区 placeholder


@pytest.mark.parametrize(("inner", "outer", "expected"), [
    ("山东省济南市", "山东省", True), ("济南市历下区", "山东省", True), ("山东省", "山东省", True),
    ("山东省", "全国", True), ("广东省广州市", "山东省", False), ("山东省", "山东省济南市", False),
    ("火星", "山东省", False),
])
def test_region_within(inner: str, outer: str, expected: bool) -> None:
    assert region_within(inner, outer) is expected


def test_province_abbreviations_come_with_the_provinces() -> None:
    abbreviations = {a: r.name for r in divisions().provinces() for a in r.abbreviations}
    assert abbreviations["鲁"] == "山东省" and abbreviations["粤"] == "广东省" and abbreviations["京"] == "北京市"
    assert len(abbreviations) >= 34


def test_schemes_region_gives_the_concept_every_region_name_names() -> None:
    assert schemes().region("山东省济南市") == REGION["370100"]
    assert schemes().notation(REGION["370100"]) == "370100"
    assert schemes().region("山东") == REGION["370000"]
