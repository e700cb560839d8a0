"""Level, region, title, issuers, 文号 and date read from real texts with the manifest left silent."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.jurisdiction import from_doc_number, place_prefix
from ingest.manifest import Entry
from ingest.model import Document
from ingest.pipeline import parse_file, parse_text
from ontology.regions import divisions

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "realcorpus"
needs_real = pytest.mark.skipif(not (REAL / "manifest.toml").is_file(), reason="../shared/realcorpus is absent")


def _silent(path: Path, corpus: Path) -> Document:
    """Parse with an empty manifest entry: everything must come from the text."""
    return parse_file(path, meta=Entry(file=str(path.relative_to(corpus))), corpus_dir=corpus)


@needs_real
@pytest.mark.parametrize(("file", "level", "region", "why"), [
    ("provincial/pro-005.txt", "provincial", "山东省", "山东省人民政府"),  # the 落款
    ("provincial/pro-021.txt", "provincial", "山东省", "山东省"),  # the title starts with the province
    ("provincial/pro-030.txt", "provincial", "山东省", "我省"),  # 各市工业和信息化局： and 我省
    ("national/nat-011.txt", "national", "全国", "国家发展改革委"),  # signed by four national bodies
    ("national/nat-006.txt", "national", "全国", None),  # nothing local in it: national by default
])
def test_level_and_region_come_from_the_text(file: str, level: str, region: str, why: str | None) -> None:
    doc = _silent(REAL / file, REAL)
    assert (doc.metadata.level, doc.metadata.region) == (level, region)
    if why is not None:
        start, end = doc.metadata.evidence["level"]
        assert doc.text[start:end] == why


@needs_real
def test_a_manifest_level_the_text_contradicts_is_reported() -> None:
    # nat-166 is filed as national, but it is Shandong DRC's plan: 全省…, （省发展改革委…负责）
    doc = parse_file(REAL / "national/nat-166.txt", meta=Entry(file="x.txt", level="national", region="全国"))
    assert "level: text says 'provincial', manifest says 'national'" in doc.conflicts
    assert doc.metadata.level == "national"  # the manifest still wins


@pytest.mark.parametrize(("file", "region"), [
    ("municipal/guangzhou-shishang-chanye-jiqun-gaozhiliang-fazhan-sannian-xingdong-jihua-2022.txt", "广东省广州市"),
    ("municipal/shenzhen-shishang-chanye-gaozhiliang-fazhan-xingdong-jihua-2020-2024.txt", "广东省深圳市"),
])
def test_city_documents_get_their_city(corpus_dir: Path, file: str, region: str) -> None:
    doc = _silent(corpus_dir / file, corpus_dir)
    assert (doc.metadata.level, doc.metadata.region) == ("municipal", region)


@needs_real
def test_header_fields_carry_their_evidence() -> None:
    doc = _silent(REAL / "national/nat-071.txt", REAL)
    m = doc.metadata
    assert m.title == "交通运输部科技司关于做好科技创新2030-“新一代人工智能”重大项目2021年度项目申报工作的通知"
    assert m.doc_number == "科技发展函〔2021〕182号"
    assert m.issuers == ["交通运输部科技司"]
    assert m.date == "2021"  # only the 文号 gives a year
    for name in ("title", "doc_number"):
        start, end = m.evidence[name]
        assert doc.text[start:end] == getattr(m, name)


@needs_real
def test_signature_date_and_run_together_issuers() -> None:
    doc = _silent(REAL / "national/nat-148.txt", REAL)
    assert doc.metadata.issuers == ["工业和信息化部办公厅", "国家标准化管理委员会办公室"]
    assert doc.metadata.date == "2016-06-12"
    start, end = doc.metadata.evidence["date"]
    assert doc.text[start:end] == "2016年6月12日"


@needs_real
def test_no_numbered_heading_becomes_a_title() -> None:
    for file in ("national/nat-002.txt", "national/nat-006.txt", "national/nat-013.txt"):
        doc = _silent(REAL / file, REAL)
        assert doc.metadata.title is None, (file, doc.metadata.title)


@pytest.mark.parametrize(("number", "context", "text", "code"), [
    ("鲁教高函〔2023〕36号", None, "", "370000"),  # cited in pro-054: 鲁 is 山东
    ("青工信字〔2022〕5号", "370000", "", "370200"),  # 青 is 青岛 in 山东 (and 青海 elsewhere)
    ("济政发〔2022〕1号", "370000", "加快建设济南国际医学科学中心", "370100"),  # 济南 or 济宁: the text decides
    ("济政发〔2022〕1号", "370000", "", None),  # and without a word about either, no guess
])
def test_doc_number_prefix_names_province_or_city(number: str, context: str | None, text: str, code: str | None) -> None:
    found = from_doc_number(number, 0, divisions().get(context), text)
    assert (found.region.code if found and found.region else None) == code


def test_national_numbers_name_no_region() -> None:
    assert from_doc_number("工信部联消费〔2022〕43号", 0, None) is None
    assert from_doc_number("国发〔2024〕7号", 0, None) is None


@pytest.mark.parametrize(("name", "code"), [
    ("山东省工业和信息化厅", "370000"), ("济南市人民政府办公厅", "370100"), ("青岛市工业和信息化局", "370200"),
    ("广西壮族自治区人民政府", "450000"), ("北京市经济和信息化委员会", "110000"), ("中山大学", None),
    ("工业和信息化部", None),
])
def test_place_prefix_of_agency_names(name: str, code: str | None) -> None:
    found = place_prefix(name)
    assert (found.code if found else None) == code


@needs_real
@pytest.mark.parametrize(("file", "origin", "note"), [
    ("provincial/pro-005.txt", "text", "issuer 山东省人民政府"),  # the 落款 names the province
    ("provincial/pro-030.txt", "text", "voice 我省"),
    ("national/nat-006.txt", "default", None),  # nothing local in it: national by default, no span
])
def test_region_records_where_it_came_from(file: str, origin: str, note: str | None) -> None:
    m = _silent(REAL / file, REAL).metadata
    assert m.origin["region"] == m.origin["level"] == origin
    assert m.evidence_note.get("region") == note
    assert ("region" in m.evidence) == (origin == "text")


@needs_real
def test_manifest_values_are_marked_as_given_by_the_manifest() -> None:
    entry = Entry(file="provincial/pro-005.txt", level="provincial", region="山东省", title="别的标题")
    m = parse_file(REAL / entry.file, meta=entry, corpus_dir=REAL).metadata
    assert {k: m.origin[k] for k in ("title", "level", "region")} == dict.fromkeys(("title", "level", "region"), "manifest")
    assert not {"title", "level", "region"} & set(m.evidence) and not m.evidence_note
    assert m.origin["issuers"] == "text" and m.evidence["issuers"]  # the manifest names none: the 落款 does


AUTONOMOUS = "为加快全区蔗糖产业数字化转型，制定本方案。到2026年，全区制糖企业数字化改造覆盖率达到80%。（自治区工业和信息化厅负责）"


@pytest.mark.parametrize(("text", "level", "region"), [
    (AUTONOMOUS, "provincial", None),  # speaks as an autonomous region, never says which: not 全国
    (AUTONOMOUS.replace("全区蔗糖", "广西全区蔗糖"), "provincial", "广西壮族自治区"),  # named once
    (AUTONOMOUS.replace("全区蔗糖", "全区（与广东省合作）蔗糖"), "provincial", None),  # 广东 is no 自治区
    ("各省、自治区、直辖市人民政府：为推进全区域数字化转型，新疆维吾尔自治区人民政府等已试点。", "national", "全国"),
])
def test_an_autonomous_region_speaks_as_one(text: str, level: str, region: str | None) -> None:
    m = parse_text(text, path="x.txt", doc_id="x").metadata
    assert (m.level, m.region) == (level, region)
    assert (m.origin.get("region") == "text") == (region not in (None, "全国"))
