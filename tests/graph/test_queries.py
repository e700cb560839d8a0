"""The cookbook: every query documented, parameters bound, right rows on samples and corpus."""

from __future__ import annotations

import re

import pytest
from rdflib import URIRef

from common.errors import InputError
from graph import coverage, views
from graph.build import alignment_triples, build_document
from graph.queries import (
    EXAMPLES,
    QueryParameterError,
    UnknownQueryError,
    list_queries,
    load_query,
    run_query,
)
from graph.store import GraphStore
from ontology.namespaces import METHOD, PKG

from .conftest import guangdong_jiedu, national_87

NATIONAL = national_87().id
GD = guangdong_jiedu().id


def _rows(store: GraphStore, name: str, **params: object) -> list[dict[str, str | None]]:
    result = run_query(store, name, params)
    return [{str(v): (str(row[v]) if row[v] is not None else None) for v in result.vars} for row in result]


def test_at_least_eight_documented_queries() -> None:
    queries = list_queries()
    assert len(queries) >= 8
    for q in queries:
        assert q.title and len(q.description) > 40, q.name


@pytest.mark.parametrize("name", [q.name for q in list_queries()])
def test_every_parameter_is_projected(name: str) -> None:
    # Oxigraph substitutes only variables of the projection (and BOUND() is unreliable on them)
    q = load_query(name)
    select = re.search(r"SELECT(.*?)WHERE", q.sparql, re.S).group(1)  # type: ignore[union-attr]
    for p in q.parameters:
        assert f"?{p.name}" in select, p.name
        if not p.required:
            assert "BOUND(" not in q.sparql


def test_unknown_query_and_bad_parameters_are_typed_errors(loaded_store: GraphStore) -> None:
    with pytest.raises(UnknownQueryError, match="known queries"):
        load_query("nope")
    with pytest.raises(QueryParameterError, match="needs docId"):
        run_query(loaded_store, "document-tasks", {})
    with pytest.raises(QueryParameterError, match="no parameter colour"):
        run_query(loaded_store, "timeline", {"colour": "red"})
    with pytest.raises(QueryParameterError, match="number"):
        run_query(loaded_store, "local-implementing-national", {"minScore": "high"})
    assert load_query("@timeline").name == "timeline"


def test_document_tasks(loaded_store: GraphStore) -> None:
    rows = _rows(loaded_store, "document-tasks", docId=NATIONAL)
    assert [(r["path"], r["actions"], r["leads"]) for r in rows] == [
        ("二/（一）", "2", ""), ("二/（二）", "1", ""), ("二/（三）", "2", ""), ("三/（一）", "0", "工业和信息化部办公厅")]


def test_agencies_lead(loaded_store: GraphStore) -> None:
    rows = _rows(loaded_store, "agencies-lead")
    assert {(r["agencyName"], r["tasks"], r["leads"]) for r in rows} == {
        ("工业和信息化部办公厅", "1", "加强组织实施"), ("广东省工业和信息化厅", "1", "第二部分")}
    assert [r["agencyName"] for r in _rows(loaded_store, "agencies-lead", agencyName="广东省工业和信息化厅")] == [
        "广东省工业和信息化厅"]


def test_targets_by_region_and_deadline(loaded_store: GraphStore) -> None:
    rows = _rows(loaded_store, "targets-by-region")
    assert len(rows) == 4 and {r["regionName"] for r in rows} == {"广东省"}
    due = _rows(loaded_store, "targets-by-region", region="440000", deadlineBy="2024")
    assert [(r["quantity"], r["unit"], r["comparator"], r["evidence"]) for r in due] == [
        ("15", "家", "atLeast", "15家以上"), ("8", "家", "atLeast", "8家以上")]
    assert _rows(loaded_store, "targets-by-region", region="广东省", deadlineBy="2023") == []
    assert _rows(loaded_store, "targets-by-region", region="江苏省") == []


def test_documents_citing_a_doc_number_in_any_bracket_style(loaded_store: GraphStore) -> None:
    for number in ("工信部消费〔2016〕396号", "工信部消费[2016]396号"):
        rows = _rows(loaded_store, "documents-citing", docNumber=number)
        assert [(r["docId"], r["relation"]) for r in rows] == [
            ("2023-fangzhi-fuzhuang-chuangyi-sheji-yuanqu-shidian-shifan-tongzhi", "根据")]
    rows = _rows(loaded_store, "documents-citing", docNumber="国办发〔2016〕40号")  # not in the corpus
    assert [r["docId"] for r in rows] == ["fangzhi-fuzhuang-chuangyi-sheji-shifan-yuanqu-guanli-banfa-2016"]
    assert rows[0]["cited"] is None


def test_provisions_mentioning_a_term(loaded_store: GraphStore) -> None:
    rows = _rows(loaded_store, "provisions-mentioning", term="设备更新")
    assert [(r["docId"], r["path"]) for r in rows] == [(NATIONAL, "二/（一）"), (GD, "第二部分")]


def test_timeline_orders_by_date_and_filters(loaded_store: GraphStore) -> None:
    rows = _rows(loaded_store, "timeline")
    assert [r["issued"] for r in rows] == ["2016-12", "2023-04-14", "2023-07", "2024"]
    rows = _rows(loaded_store, "timeline", level="national", fromYear="2023")
    assert [r["docNumber"] for r in rows] == ["工信厅联消费函〔2023〕87号", "工信厅消费函〔2023〕206号"]
    assert [r["docId"] for r in _rows(loaded_store, "timeline", toYear="2016")] == [
        "fangzhi-fuzhuang-chuangyi-sheji-shifan-yuanqu-guanli-banfa-2016"]


def test_citation_network(loaded_store: GraphStore) -> None:
    rows = _rows(loaded_store, "citation-network")
    assert [(r["citingId"], r["relation"], r["citedId"], r["basedOn"]) for r in rows] == [
        ("2023-fangzhi-fuzhuang-chuangyi-sheji-yuanqu-shidian-shifan-tongzhi", "根据",
         "fangzhi-fuzhuang-chuangyi-sheji-shifan-yuanqu-guanli-banfa-2016", "true")]


@pytest.fixture
def linked_store(loaded_store: GraphStore) -> GraphStore:
    """Sample store plus three computed links, as the linking step will write them."""
    loaded_store.replace_graph(loaded_store.iris.links_graph, _alignments())
    return loaded_store


def _alignments() -> list[tuple[URIRef, URIRef, object]]:
    nat = build_document(national_87()).document
    gd = build_document(guangdong_jiedu()).document
    return [
        *alignment_triples(URIRef(f"{gd}/part2"), URIRef(f"{nat}/2-1"), score=0.91, rank=1, method=METHOD.hybrid,
                           generated="2026-11-21T12:00:00Z", model="multilingual-e5-small", evidence="设备更新",
                           implements=True),
        *alignment_triples(URIRef(f"{gd}/part1/action/1"), URIRef(f"{nat}/2-3"), score=0.87, rank=1,
                           method=METHOD.dense, generated="2026-11-21T12:00:00Z", implements=True),
        *alignment_triples(URIRef(f"{gd}/part1"), URIRef(f"{nat}/2-1"), score=0.84, rank=2, method=METHOD.dense,
                           generated="2026-11-21T12:00:00Z"),
    ]


def test_local_implementing_national_with_scores(linked_store: GraphStore) -> None:
    rows = _rows(linked_store, "local-implementing-national", nationalDocId=NATIONAL, nationalPath="二/（一）")
    assert [(r["lpath"], r["regionName"], r["score"], r["rank"], r["method"]) for r in rows] == [
        ("第二部分", "广东省", "0.91", "1", "hybrid"), ("第一部分", "广东省", "0.84", "2", "dense")]
    assert len(_rows(linked_store, "local-implementing-national", minScore="0.85")) == 2


def test_coverage_by_region(linked_store: GraphStore) -> None:
    rows = {r["path"]: (r["regions"], r["regionNames"])
            for r in _rows(linked_store, "coverage-by-region", nationalDocId=NATIONAL)}
    assert rows == {"二/（一）": ("1", "广东省"), "二/（二）": ("0", ""), "二/（三）": ("1", "广东省"),
                    "三/（一）": ("0", "")}


def test_links_graph_conforms(linked_store: GraphStore) -> None:
    from graph.validate import validate_store

    report = validate_store(linked_store)
    assert report.conforms, report.text()


# ---------------------------------------------------------------- on the real corpus


def test_corpus_timeline_lists_every_document(corpus_store: GraphStore) -> None:
    rows = _rows(corpus_store, "timeline")
    assert len(rows) == 17
    assert rows[0]["docId"] == "fangzhi-fuzhuang-chuangyi-sheji-shifan-yuanqu-guanli-banfa-2016"
    assert [r["issued"] for r in rows] == sorted(r["issued"] for r in rows)


def test_corpus_tasks_of_the_national_notice(corpus_store: GraphStore) -> None:
    paths = [r["path"] for r in _rows(corpus_store, "document-tasks", docId=NATIONAL)]
    assert {"二/（一）", "二/（二）", "二/（三）", "二/（四）", "二/（五）"} <= set(paths)


def test_corpus_documents_citing_the_2016_rules(corpus_store: GraphStore) -> None:
    rows = _rows(corpus_store, "documents-citing", docNumber="工信部消费〔2016〕396号")
    assert [r["docId"] for r in rows] == ["2023-fangzhi-fuzhuang-chuangyi-sheji-yuanqu-shidian-shifan-tongzhi"]
    assert rows[0]["cited"].endswith("/fangzhi-fuzhuang-chuangyi-sheji-shifan-yuanqu-guanli-banfa-2016")


def test_corpus_targets_by_region(corpus_store: GraphStore) -> None:
    rows = _rows(corpus_store, "targets-by-region", region="广东省")
    evidence = {r["evidence"] for r in rows}
    assert {"15家以上", "8家以上"} <= evidence
    assert all(r["code"] == "440000" for r in rows)


def test_corpus_provisions_mentioning(corpus_store: GraphStore) -> None:
    ids = {r["docId"] for r in _rows(corpus_store, "provisions-mentioning", term="设备更新")}
    assert {NATIONAL, GD} <= ids


LINK_QUERIES = {"coverage-by-region", "local-implementing-national"}
"""Cookbook queries over the links graph: empty until ``policykg link`` (tests/search/test_linking.py)."""


@pytest.mark.parametrize("name", sorted(q.name for q in list_queries() if q.name not in LINK_QUERIES))
def test_corpus_every_cookbook_example_answers(corpus_store: GraphStore, name: str) -> None:
    """Each query over the document graphs, run with the example the cookbook page shows, finds
    rows on the corpus wherever the graph holds what it asks for."""
    example = {"docId": NATIONAL, "docNumber": "工信部消费〔2016〕396号", "term": "设备更新", **EXAMPLES.get(name, {})}
    q = load_query(name)
    rows = _rows(corpus_store, name, **{p.name: example[p.name] for p in q.parameters if p.name in example})
    if name == "agencies-lead":  # no text of the bundled corpus names a lead (牵头) unit
        has_leads = corpus_store.query(f"ASK {{ ?t <{PKG.leadAgency}> ?a }}").askAnswer
        assert bool(rows) == has_leads
        return
    assert rows, f"{name} with {example} found nothing on the corpus"


# ---------------------------------------------------------------- the read models over the links


def _link_keys(page: views.LinkPage) -> list[tuple[str, str, int, bool]]:
    return [(r["localPath"], r["targetPath"], r["rank"], r["asserted"]) for r in page.rows]


def test_links_page_in_order_and_every_page_joins_up(linked_store: GraphStore) -> None:
    every = views.links(linked_store)
    assert _link_keys(every) == [("第一部分", "二/（一）", 2, False), ("第一部分", "二/（三）", 1, True),
                                 ("第二部分", "二/（一）", 1, True)]
    assert every.next_offset is None
    pages, offset = [], 0
    while offset is not None:
        page = views.links(linked_store, limit=2, offset=offset)
        pages += _link_keys(page)
        offset = page.next_offset
    assert pages == _link_keys(every)
    assert views.links(linked_store, offset=3).rows == []


def test_a_correspondence_is_listed_once_and_carries_no_alignments_evidence(linked_store: GraphStore) -> None:
    gd = build_document(guangdong_jiedu()).document
    linked_store.replace_graph(linked_store.iris.links_graph,
                               [*_alignments(), (URIRef(f"{gd}/part1"), PKG.correspondsTo, URIRef(f"{gd}/part2"))])
    rows = views.links(linked_store).rows
    assert [(r["localPath"], r["relation"], r["targetPath"]) for r in rows] == [
        ("第一部分", "correspondsTo", "第二部分"), ("第一部分", "implements", "二/（一）"),
        ("第一部分", "implements", "二/（三）"), ("第二部分", "implements", "二/（一）")]
    assert {k: rows[0][k] for k in ("method", "model", "evidence", "generated", "score")} == dict.fromkeys(
        ("method", "model", "evidence", "generated", "score"))
    assert [r["evidence"] for r in rows[1:]] == [None, None, "设备更新"]


@pytest.mark.parametrize(("where", "expected"), [
    (views.LinkFilter(asserted=False), [("第一部分", "二/（一）", 2, False)]),
    (views.LinkFilter(asserted=True, relation="implements"), [("第一部分", "二/（三）", 1, True),
                                                               ("第二部分", "二/（一）", 1, True)]),
    (views.LinkFilter(relation="correspondsTo"), []),
    (views.LinkFilter(region="广东省"), "all"),
    (views.LinkFilter(region="440000", document=GD), "all"),
    (views.LinkFilter(region="江苏省"), []),
    (views.LinkFilter(document=NATIONAL), []),
    (views.LinkFilter(target_document=NATIONAL), "all"),
    (views.LinkFilter(focus="FOCUS"), [("第一部分", "二/（一）", 2, False), ("第二部分", "二/（一）", 1, True)]),
])
def test_links_filters(linked_store: GraphStore, where: views.LinkFilter, expected: object) -> None:
    if where.focus == "FOCUS":
        where = views.LinkFilter(focus=f"{build_document(national_87()).document}/2-1")
    every = _link_keys(views.links(linked_store))
    assert _link_keys(views.links(linked_store, where)) == (every if expected == "all" else expected)


@pytest.mark.parametrize("where", [views.LinkFilter(region="火星"), views.LinkFilter(relation="cites")])
def test_links_refuse_a_filter_nobody_could_mean(linked_store: GraphStore, where: views.LinkFilter) -> None:
    with pytest.raises(InputError):
        views.links(linked_store, where)


def test_coverage_lists_only_linked_tasks_unless_every_task(linked_store: GraphStore) -> None:
    linked = coverage.coverage(linked_store)
    assert linked["regions"] == [{"code": "440000", "name": "广东省"}]
    assert [(t["path"], t["regions"], t["total"]) for t in linked["tasks"]] == [
        # likely: probability >= 0.5 or asserted (scores 0.91 asserted and 0.84; 0.87 asserted)
        ("二/（一）", {"440000": {"links": 2, "likely": 2, "implements": 1}}, 2),
        ("二/（三）", {"440000": {"links": 1, "likely": 1, "implements": 1}}, 1)]
    every = coverage.coverage(linked_store, every_task=True)
    assert [t["path"] for t in every["tasks"] if t["document"] == NATIONAL] == ["二/（一）", "二/（二）", "二/（三）", "三/（一）"]
    assert [t for t in every["tasks"] if t["total"]] == linked["tasks"]
