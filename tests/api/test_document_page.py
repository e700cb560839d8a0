"""The document page's reading aids on real sentences: citations marked in the text, metadata
rows beside their evidence, the words of a pair marked by kind."""

from __future__ import annotations

from api.document_page import mark_citations, mark_words, metadata_rows, pair_classes
from api.i18n import translator

TEXT = "为深入贯彻落实《“十四五”智能制造发展规划》《山东省“十四五”制造强省建设规划》等文件精神，特制定本办法。"
CITES = [
    {"evidenceText": "《“十四五”智能制造发展规划》", "evidenceStart": 11,
     "citedDocument": {"@id": "http://x/eli/cn/100000/na/nat-061"}},
    {"evidenceText": "《山东省“十四五”制造强省建设规划》", "evidenceStart": 26},
]


def test_citations_are_linked_when_in_the_store_and_marked_when_not() -> None:
    html = str(mark_citations(TEXT, CITES, lambda iri: iri.removeprefix("http://x"), translator("zh")))
    assert '<a class="cite resolved" href="/eli/cn/100000/na/nat-061"' in html
    assert '<mark class="cite missing">《山东省“十四五”制造强省建设规划》</mark><small class="cite-missing">（库中没有此文件）</small>' in html
    assert html.startswith("为深入贯彻落实<a") and html.endswith("等文件精神，特制定本办法。")


def test_text_without_citations_is_only_escaped() -> None:
    assert str(mark_citations("a<b", None, str, translator("en"))) == "a&lt;b"


def test_metadata_rows_say_where_each_value_came_from_and_what_is_not_stated() -> None:
    node = {"inferredTitle": "关于促进工业数字化转型的意见", "issued": {"@value": "2020-04-28"},
            "jurisdiction": {"prefLabel": "全国"}, "level": {"@id": "https://w3id.org/policykg/scheme/level/national"},
            "fieldEvidence": [
                {"field": {"@id": "http://purl.org/dc/terms/issued"}, "origin": "text", "evidenceText": "2020年4月28日"},
                {"field": {"@id": "http://data.europa.eu/eli/ontology#jurisdiction"}, "origin": "text",
                 "evidenceText": "工业和信息化部", "evidenceNote": "national issuer 工业和信息化部"},
                {"field": {"@id": "https://w3id.org/policykg/ns#level"}, "origin": "manifest"}]}
    rows = {r["key"]: r for r in metadata_rows(node, translator("en"))}
    assert rows["title"]["inferred"] and rows["title"]["origin"] is None  # no evidence recorded for it
    assert rows["number"]["value"] is None  # not stated
    assert (rows["date"]["value"], rows["date"]["evidence"]) == ("2020-04-28", "2020年4月28日")
    assert rows["region"]["note"] == {"label": "national issuer", "words": "工业和信息化部"}
    assert (rows["level"]["value"], rows["level"]["origin"]) == ("National", "manifest")


def test_pair_words_are_marked_by_kind_and_shared_ones_stand_out() -> None:
    side = {"agencies": [{"mention": "省工业和信息化厅"}], "targets": [{"text": "1000家"}]}
    classes = pair_classes(side, {"agencies": [["省工业和信息化厅", "工业和信息化部"]], "targets": []}, 0, "工业互联网、平台")
    html = str(mark_words("省工业和信息化厅牵头，推动1000家企业上工业互联网平台", classes))
    assert '<mark class="agency shared">省工业和信息化厅</mark>' in html
    assert '<mark class="target">1000家</mark>' in html and '<mark class="ev">工业互联网</mark>' in html
