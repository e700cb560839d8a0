"""Citation resolution: the forms real citations take, and the mistakes resolution must not make."""

from __future__ import annotations

import pytest
from rdflib import URIRef

from graph.citations import Catalog, title_keys

PLAN = URIRef("http://x/plan")
GUIDE_2015 = URIRef("http://x/guide-2015")
GUIDE_2021 = URIRef("http://x/guide-2021")
OPINION = URIRef("http://x/opinion")


@pytest.fixture
def catalog() -> Catalog:
    cat = Catalog()
    cat.add(PLAN, title="工业和信息化部等八部门关于印发《“十四五”智能制造发展规划》的通知",
            doc_number="工信部联规〔2021〕207号", date="2021-12-21", issuers=["工业和信息化部"])
    cat.add(GUIDE_2015, title="国家智能制造标准体系建设指南（2015年版）", doc_number=None, date="2015-12-29")
    cat.add(GUIDE_2021, title="国家智能制造标准体系建设指南（2021 版）", doc_number=None, date="2021-11-17")
    cat.add(OPINION, title="国务院关于积极推进“互联网+”行动的指导意见", doc_number="国发[2015]40号", date="2015-07-01")
    return cat


@pytest.mark.parametrize(("title", "number", "expected"), [
    ("“十四五”智能制造发展规划", None, PLAN),  # the inner title of a 印发…的通知
    ("\u201c十四五\u201d智能制造\n发展规划", None, PLAN),  # a line break inside the 《》
    ("关于积极推进“互联网+”行动的指导意见", None, OPINION),  # cited without the issuer
    ("积极推进互联网+行动的指导意见", None, OPINION),
    ("国家智能制造标准体系建设指南（2021版）", None, GUIDE_2021),  # another space and bracket style
    ("随便什么标题", "国发〔2015〕40号", OPINION),  # 文号 wins, brackets of either style
])
def test_citations_resolve_in_the_forms_authors_write(catalog: Catalog, title: str, number: str | None,
                                                      expected: URIRef) -> None:
    assert catalog.resolve(title=title, doc_number=number, citing_date="2022-08-18") == expected


def test_an_edition_named_never_resolves_to_another_edition(catalog: Catalog) -> None:
    hit = catalog.match(title="国家智能制造标准体系建设指南（2018年版）", doc_number=None, citing_date="2019-01-01")
    assert hit is None


def test_the_edition_not_named_is_the_latest_before_the_citing_document(catalog: Catalog) -> None:
    assert catalog.resolve(title="国家智能制造标准体系建设指南", doc_number=None, citing_date="2019-06-01") == GUIDE_2015
    assert catalog.resolve(title="国家智能制造标准体系建设指南", doc_number=None, citing_date="2022-06-01") == GUIDE_2021


def test_a_document_from_a_later_year_is_not_cited(catalog: Catalog) -> None:
    assert catalog.resolve(title="“十四五”智能制造发展规划", doc_number=None, citing_date="2020-05-01") is None


def test_a_document_never_cites_itself(catalog: Catalog) -> None:
    assert catalog.resolve(title="“十四五”智能制造发展规划", doc_number=None, citing=PLAN) is None


def test_short_leftovers_are_not_keys() -> None:
    keys = title_keys("关于印发《规划》的通知")
    assert "规划" not in keys
    assert all(len(k) >= 6 or strength == 0 for k, (strength, _) in keys.items())
