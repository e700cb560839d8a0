"""Citations re-resolved at link time: a document cited before it was stored is found then."""

from __future__ import annotations

from rdflib import URIRef

from ontology.namespaces import ELI, PKG
from search.citations import CitationRow, StoredDocument, citation_triples, resolve

PLAN = StoredDocument("http://x/nat-061", "nat-061", "“十四五”智能制造发展规划", None, "2021-12-21", "national", "全国", ())
LOCAL = StoredDocument("http://x/pro-038", "pro-038", None, None, "2022-08-18", "provincial", "山东省", ())
COPY = StoredDocument("http://x/pro-061", "pro-061", "“十四五”智能制造发展规划", None, None, "national", "全国", ())


def _row(citing: StoredDocument, *, at_ingest: str | None = None) -> CitationRow:
    return CitationRow(f"{citing.iri}/citation/1", citing.iri, citing.id, citing.date, "贯彻落实",
                       "“十四五”智能制造发展规划", None, citing.iri, at_ingest)


def test_a_citation_left_open_at_ingest_resolves_at_link_time() -> None:
    res = resolve([_row(LOCAL)], [LOCAL, PLAN])
    assert [(r.citation.citing_id, r.target_id, r.method) for r in res.resolved] == [("pro-038", "nat-061", "title:0")]
    assert res.summary() == {"citations": 1, "resolved": 1, "by_number": 0, "at_link_time": 1}
    assert res.document_citations() == {"pro-038": {"nat-061": "贯彻落实《“十四五”智能制造发展规划》"}}
    triples = set(citation_triples(res))
    assert (URIRef(LOCAL.iri), ELI.cites, URIRef(PLAN.iri)) in triples
    assert (URIRef(LOCAL.iri), ELI.based_on, URIRef(PLAN.iri)) in triples
    assert (URIRef(f"{LOCAL.iri}/citation/1"), PKG.citedDocument, URIRef(PLAN.iri)) in triples


def test_what_ingest_resolved_is_not_written_twice() -> None:
    res = resolve([_row(LOCAL, at_ingest=PLAN.iri)], [LOCAL, PLAN])
    assert len(res.resolved) == 1 and citation_triples(res) == []


def test_a_citation_of_the_citing_documents_own_copy_is_not_a_link() -> None:
    res = resolve([_row(PLAN)], [PLAN, COPY])
    assert [r.target_id for r in res.resolved] == ["pro-061"]
    assert citation_triples(res, {"nat-061": "nat-061", "pro-061": "nat-061"}) == []


def test_a_title_no_stored_document_has_stays_unresolved() -> None:
    row = CitationRow("http://x/c", LOCAL.iri, LOCAL.id, LOCAL.date, "根据", "中国制造2025", None, LOCAL.iri, None)
    res = resolve([row], [LOCAL, PLAN])
    assert res.unresolved == [row] and not res.resolved
