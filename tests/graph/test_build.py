from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import ORG, PROV, RDF, SKOS, XSD

from graph.build import BuildError, build_document
from graph.citations import Catalog, normalize_doc_number, normalize_title
from graph.iris import Iris
from ontology.namespaces import COMPARATOR, DOCTYPE, ELI, INSTRUMENT, LEVEL, PKG, REGION, ROLE

from .conftest import banfa_2016, guangdong_jiedu, national_87, notice_206, sample_documents


def _graph(doc, catalog=None):
    return build_document(doc, catalog=catalog).to_graph()


def test_document_metadata_uses_eli_dcterms_and_schemes() -> None:
    built = build_document(national_87())
    g, d = built.to_graph(), built.document
    assert (d, RDF.type, ELI.LegalResource) in g
    assert g.value(d, ELI.id_local) == Literal("工信厅联消费函〔2023〕87号")
    assert g.value(d, ELI.date_document) == Literal("2023-04-14", datatype=XSD.date)
    assert g.value(d, ELI.jurisdiction) == REGION["100000"]
    assert g.value(d, PKG.level) == LEVEL.national
    assert g.value(d, ELI.type_document) == DOCTYPE.notice
    issuers = {str(g.value(o, SKOS.prefLabel)) for o in g.objects(d, ELI.passed_by)}
    assert issuers == {"工业和信息化部办公厅", "商务部办公厅"}


def test_partial_dates_keep_their_precision() -> None:
    g, d = _graph(guangdong_jiedu()), build_document(guangdong_jiedu()).document
    assert g.value(d, URIRef("http://purl.org/dc/terms/issued")) == Literal("2024", datatype=XSD.gYear)
    assert g.value(d, ELI.date_document) is None


def test_provisions_form_a_tree_in_document_order() -> None:
    built = build_document(national_87())
    g, d = built.to_graph(), built.document
    item = URIRef(f"{d}/2-1")
    assert g.value(item, ELI.is_part_of) == URIRef(f"{d}/2")
    assert g.value(URIRef(f"{d}/2"), ELI.is_part_of) == d
    assert (URIRef(f"{d}/2"), ELI.has_part, item) in g
    assert g.value(item, PKG.path) == Literal("二/（一）")
    assert g.value(item, ELI.number) == Literal("（一）")
    assert g.value(item, PKG.order) == Literal(3)
    assert (item, RDF.type, PKG.Task) in g
    assert (URIRef(f"{d}/1"), RDF.type, PKG.Task) not in g  # 总体要求 states no action


def test_action_points_back_to_its_provision_and_span() -> None:
    doc = national_87()
    built = build_document(doc)
    g = built.to_graph()
    action = URIRef(f"{built.document}/2-1/action/2")
    assert g.value(action, PKG.verb) == Literal("推进")
    assert g.value(action, PKG.object) == Literal("废旧纺织品循环利用")
    assert g.value(action, PKG.instrumentType) == INSTRUMENT.environment
    assert g.value(action, PROV.wasDerivedFrom) == URIRef(f"{built.document}/2-1")
    start, end = int(g.value(action, PKG.evidenceStart)), int(g.value(action, PKG.evidenceEnd))
    assert doc.text[start:end] == "推进废旧纺织品循环利用" == str(g.value(action, PKG.evidenceText))


def test_quantified_target_has_quantity_unit_comparator_deadline() -> None:
    built = build_document(guangdong_jiedu())
    g = built.to_graph()
    t = URIRef(f"{built.document}/2/target/1")
    assert g.value(t, PKG.quantity) == Literal(Decimal(15), datatype=XSD.decimal)
    assert g.value(t, PKG.unit) == Literal("家")
    assert g.value(t, PKG.comparator) == COMPARATOR.atLeast
    assert g.value(t, PKG.targetSubject) == Literal("产业链协同的服装产业集聚区")
    assert g.value(t, PKG.deadline) == Literal("2024", datatype=XSD.gYear)
    assert g.value(t, PKG.evidenceText) == Literal("15家以上")
    assert len(list(g.subjects(RDF.type, PKG.Target))) == 4


def test_lead_and_cooperating_agencies_are_qualified_and_shortcut() -> None:
    built = build_document(guangdong_jiedu())
    g, p = built.to_graph(), URIRef(f"{built.document}/part2")
    lead = URIRef("https://w3id.org/policykg/org/gd-miit")
    assert g.value(p, PKG.leadAgency) == lead
    assert g.value(p, PKG.cooperatingAgency) == URIRef("https://w3id.org/policykg/org/gd-mofcom")
    mention = URIRef(f"{p}/agency/1")
    assert g.value(mention, PKG.agency) == lead
    assert g.value(mention, PKG.role) == ROLE.lead
    assert g.value(mention, PKG.mention) == Literal("省工业和信息化厅")
    assert (lead, RDF.type, ORG.Organization) in g
    assert g.value(lead, SKOS.prefLabel) == Literal("广东省工业和信息化厅")
    assert g.value(lead, SKOS.altLabel) == Literal("省工业和信息化厅")


def test_citation_resolves_by_doc_number_across_bracket_styles() -> None:
    docs = sample_documents()
    cat = Catalog.from_documents(docs, iris=Iris())
    built = build_document(notice_206(), catalog=cat)
    g = built.to_graph()
    banfa = build_document(banfa_2016()).document
    assert (built.document, ELI.cites, banfa) in g
    assert (built.document, ELI.based_on, banfa) in g  # 根据
    c = URIRef(f"{built.document}/citation/1")
    assert g.value(c, PKG.citedDocument) == banfa
    assert g.value(c, PKG.citedNumber) == Literal("工信部消费〔2016〕396号")
    assert built.citations_resolved == 1


def test_citation_resolves_by_title_when_no_number() -> None:
    cat = Catalog()
    cat.add(URIRef("http://x/banfa"), title="纺织服装创意设计试点示范园区(平台)管理办法(试行)", doc_number=None)
    assert cat.resolve(title="纺织服装创意设计试点示范园区（平台）管理办法（试行）", doc_number=None) == URIRef("http://x/banfa")
    cat.add(URIRef("http://x/gf7"), title="国务院关于印发《推动大规模设备更新和消费品以旧换新行动方案》的通知", doc_number=None)
    assert cat.resolve(title="推动大规模设备更新和消费品以旧换新行动方案", doc_number=None) == URIRef("http://x/gf7")


def test_unresolved_citation_keeps_what_was_written() -> None:
    built = build_document(banfa_2016(), catalog=Catalog.from_documents(sample_documents(), iris=Iris()))
    g = built.to_graph()
    c = next(g.subjects(RDF.type, PKG.Citation))
    assert g.value(c, PKG.citedNumber) == Literal("国办发[2016]40号")
    assert g.value(c, PKG.citedDocument) is None
    assert (built.document, ELI.cites, None) not in g


def test_normalizers() -> None:
    assert normalize_doc_number("国办发[2016]40号") == normalize_doc_number("国办发〔2016〕40号")
    assert normalize_title("《管理办法（试行）》") == "管理办法(试行)"


def test_no_blank_nodes() -> None:
    for doc in sample_documents():
        assert not any(isinstance(t, BNode) for triple in build_document(doc).triples for t in triple)


def test_span_outside_the_text_is_a_build_error() -> None:
    doc = national_87()
    doc.provisions[2].actions[0].end = len(doc.text) + 5
    with pytest.raises(BuildError, match="outside the text"):
        build_document(doc)


SHANDONG_PLAN = """山东省某产业行动计划
为加快某产业发展，制定本行动计划。
一、主要目标
到2027年，争创1—2个国家级重大创新平台，万元工业增加值用水量较2023年下降13%左右。
二、重点任务
（一）建设平台。（牵头单位：省发展改革委，责任单位：省委网信办、济南市政府）
"""


def _regional(doc_id: str, region: str):
    from ingest.manifest import Entry
    from ingest.pipeline import parse_text

    return parse_text(SHANDONG_PLAN, path=f"{doc_id}.txt", meta=Entry(file=f"{doc_id}.txt", region=region, level="provincial"))


def test_agencies_are_one_organisation_per_region_shared_across_documents() -> None:
    one, two, other = (build_document(_regional(i, r)) for i, r in [("sd-1", "山东省"), ("sd-2", "山东省"), ("gd-1", "广东省")])
    def lead(built):
        g = built.to_graph()
        for triple in built.shared:
            g.add(triple)
        (org,) = set(g.objects(None, PKG.leadAgency))
        return g, org
    (g1, org1), (_, org2), (g3, org3) = lead(one), lead(two), lead(other)
    assert org1 == org2 != org3
    assert g1.value(org1, SKOS.prefLabel) == Literal("山东省发展和改革委员会")
    assert g1.value(org1, SKOS.altLabel) == Literal("省发展改革委")
    assert g3.value(org3, SKOS.prefLabel) == Literal("广东省发展和改革委员会")
    names = {str(g1.value(o, SKOS.prefLabel)) for o in g1.objects(None, PKG.responsibleAgency)}
    assert names == {"中共山东省委网络安全和信息化委员会办公室", "济南市人民政府"}


def test_range_and_base_year_of_a_target() -> None:
    g = build_document(_regional("sd-1", "山东省")).to_graph()
    by_text = {str(g.value(t, PKG.quantityText)): t for t in g.subjects(RDF.type, PKG.Target)}
    assert g.value(by_text["1—2个"], PKG.quantityMax) == Literal(Decimal(2), datatype=XSD.decimal)
    assert g.value(by_text["13%左右"], PKG.baseYear) == Literal("2023", datatype=XSD.gYear)
    from graph.validate import validate_graph

    assert validate_graph(g).conforms


def test_a_text_without_title_or_numbering_is_whole_in_the_graph_with_an_inferred_title() -> None:
    # a real news item as the copies hold it: no title line, no numbered provisions
    from graph.validate import validate_graph
    from ingest.pipeline import parse_text

    text = ("8月30日，2019世界人工智能大会全球工业智能峰会在上海举办，工业和信息化部信息化和软件服务业司巡视员李颖参加会议并致辞。\n"
            "当前，工业互联网创新发展与人工智能技术突破正处于历史交汇期。\n"
            "本次峰会以“AI变革 洞见工业未来”为主题，来自政府部门、国际组织、全球领军企业代表超过2000人参加大会。\n")
    built = build_document(parse_text(text, path="news.txt"))
    g, d = built.to_graph(), built.document
    assert g.value(d, URIRef("http://purl.org/dc/terms/title")) is None  # nothing stated
    assert g.value(d, PKG.inferredTitle) == Literal("2019世界人工智能大会全球工业智能峰会在上海举办")
    assert str(g.value(d, PKG.inferredTitleEvidence)).startswith("8月30日，2019世界人工智能大会")
    assert str(g.value(d, ELI.description)).startswith("8月30日")
    paragraphs = sorted(str(g.value(p, PKG.text)) for p in g.objects(d, ELI.has_part))
    assert paragraphs == ["当前，工业互联网创新发展与人工智能技术突破正处于历史交汇期。",
                          "本次峰会以“AI变革 洞见工业未来”为主题，来自政府部门、国际组织、全球领军企业代表超过2000人参加大会。"]
    assert validate_graph(g).conforms


def _field_evidence(built) -> dict[str, dict[str, str]]:
    g = built.to_graph()
    return {str(g.value(e, PKG.field)).rsplit("/", 1)[-1].rsplit("#", 1)[-1]: {
        "origin": str(g.value(e, PKG.origin)), "text": str(g.value(e, PKG.evidenceText) or ""),
        "note": str(g.value(e, PKG.evidenceNote) or "")} for e in g.subjects(RDF.type, PKG.FieldEvidence)}


def test_metadata_read_from_the_text_states_its_evidence(corpus_dir) -> None:
    from graph.validate import validate_triples
    from ingest.manifest import Entry
    from ingest.pipeline import parse_file

    file = "municipal/guangzhou-shishang-chanye-jiqun-gaozhiliang-fazhan-sannian-xingdong-jihua-2022.txt"
    doc = parse_file(corpus_dir / file, meta=Entry(file=file), corpus_dir=corpus_dir)
    built = build_document(doc)
    fields = _field_evidence(built)
    # the city from its bureau's name in the 落款, the date from the 落款's date line
    assert fields["jurisdiction"] == {"origin": "text", "text": "广州市工业和信息化局", "note": "issuer 广州市工业和信息化局"}
    assert fields["issued"] == {"origin": "text", "text": "2022年8月2日", "note": ""}
    assert fields["inferredTitle"]["text"].startswith("根据《广州市构建“链长制”推进产业高质量发展的意见》")
    assert validate_triples(built.triples + built.shared).conforms


def test_metadata_the_manifest_gave_is_marked_so(corpus_docs) -> None:
    doc = next(iter(corpus_docs.values()))
    fields = _field_evidence(build_document(doc))
    assert fields["jurisdiction"] == {"origin": "manifest", "text": "", "note": ""}
    assert {f["origin"] for f in fields.values()} <= {"manifest", "text"}
