from __future__ import annotations

import re

import pytest

from graph.build import Catalog, build_document
from graph.iris import Iris, agency_slug, path_slug, safe_slug, segment_slug

from .conftest import guangdong_jiedu, national_87, sample_documents


@pytest.mark.parametrize(("segment", "slug"), [
    ("二", "2"), ("（一）", "1"), ("（十一）", "11"), ("1.", "1"), ("（12）", "12"), ("二十三", "23"),
    ("第一部分", "part1"), ("第三章", "ch3"), ("第十二条", "art12"), ("附件2", "annex2"), ("附件", "annex"),
    ("2.4.1", "2.4.1"), ("③", "3"), ("(b)", "b"), ("1）", "1"), ("第二节", "sec2"),
])
def test_numbering_segments_become_numerals(segment: str, slug: str) -> None:
    assert segment_slug(segment) == slug


def test_unnumbered_segment_gets_a_stable_hash() -> None:
    assert segment_slug("活动宗旨") == segment_slug("活动宗旨")
    assert re.fullmatch(r"s[0-9a-f]{6}", segment_slug("活动宗旨"))


def test_path_slug_joins_segments() -> None:
    assert path_slug(["二", "（三）"]) == "2-3"
    assert path_slug(["第一章", "第五条"]) == "ch1-art5"


@pytest.mark.parametrize(("name", "slug"), [
    ("工业和信息化部", "miit"), ("工业和信息化部办公厅", "miit-office"), ("广东省工业和信息化厅", "gd-miit"),
    ("广东省商务厅", "gd-mofcom"), ("广州市工业和信息化局", "gz-miit"), ("江苏省财政厅", "js-mof"),
    ("山东省工业和信息化厅", "370000-miit"), ("济南市人民政府办公厅", "370100-gov-office"),  # any division: its code
])
def test_agency_slugs_are_readable(name: str, slug: str) -> None:
    assert agency_slug(name) == slug


def test_unknown_agency_and_non_ascii_ids_are_ascii_safe() -> None:
    assert re.fullmatch(r"h[0-9a-f]{10}", agency_slug("某某市某某局"))
    assert safe_slug("ok-id_1.2") == "ok-id_1.2"
    s = safe_slug("广东 plan 2024")
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", s) and s.startswith("plan-2024-")


def test_document_and_provision_iris_follow_the_eli_pattern() -> None:
    built = build_document(national_87())
    assert str(built.document) == ("https://w3id.org/policykg/eli/cn/100000/2023/"
                              "2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi")
    subjects = {str(s) for s, _, _ in built.triples}
    assert f"{built.document}/2-1" in subjects
    assert f"{built.document}/2-1/action/2" in subjects
    gd = build_document(guangdong_jiedu())
    assert str(gd.document).startswith("https://w3id.org/policykg/eli/cn/440000/2024/")
    assert f"{gd.document}/part2/agency/1" in {str(s) for s, _, _ in gd.triples}


def test_a_city_document_iri_carries_its_city_code() -> None:
    doc = guangdong_jiedu()
    doc.metadata.region = "山东省济南市"  # any division of the country, not only the six once listed
    built = build_document(doc)
    assert str(built.document).startswith("https://w3id.org/policykg/eli/cn/370100/2024/")


def test_same_input_gives_same_iris_and_triples() -> None:
    a = [build_document(d).triples for d in sample_documents()]
    b = [build_document(d).triples for d in sample_documents()]
    assert a == b


def test_base_is_configurable() -> None:
    built = build_document(national_87(), iris=Iris("http://example.org/kg/"))
    assert all(str(s).startswith("http://example.org/kg/") for s, _, _ in built.triples)
    assert str(built.graph) == "http://example.org/kg/graph/doc/2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"


def test_catalog_iris_match_built_iris() -> None:
    docs = sample_documents()
    cat = Catalog.from_documents(docs, iris=Iris())
    assert cat.resolve(title=None, doc_number="工信厅联消费函〔2023〕87号") == build_document(docs[0]).document
