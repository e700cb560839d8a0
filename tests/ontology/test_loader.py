from __future__ import annotations

import pytest

from ontology.loader import context, ontology_hash, schemes, shapes_graph, vocabulary_graph
from ontology.namespaces import DOCTYPE, REGION, SCHEME


@pytest.mark.parametrize(("name", "code"), [
    ("全国", "100000"), ("广东省", "440000"), ("广东省广州市", "440100"), ("广州市", "440100"),
    ("广东省深圳市", "440300"), ("江苏省", "320000"), ("浙江省", "330000"),
])
def test_manifest_region_names_resolve_to_gbt2260_codes(name: str, code: str) -> None:
    concept = schemes().region(name)
    assert concept == REGION[code]
    assert schemes().notation(concept) == code


@pytest.mark.parametrize(("label", "concept"), [
    ("通知", DOCTYPE.notice), ("指导意见", DOCTYPE.opinion), ("实施意见", DOCTYPE.opinion),
    ("行动计划", DOCTYPE.plan), ("实施方案", DOCTYPE.programme), ("管理办法", DOCTYPE.rules),
    ("解读", DOCTYPE.interpretation), ("政策措施", DOCTYPE.measures), ("公告", DOCTYPE.announcement),
])
def test_document_type_labels_resolve(label: str, concept: object) -> None:
    assert schemes().doctype(label) == concept


def test_unknown_labels_resolve_to_none() -> None:
    assert schemes().region("火星") is None
    assert schemes().lookup(SCHEME.region, None) is None


def test_graphs_load_and_are_copies() -> None:
    g = vocabulary_graph()
    n = len(g)
    g.remove((None, None, None))
    assert len(vocabulary_graph()) == n > 500
    assert len(shapes_graph()) > 100
    assert "@context" in context()
    assert len(ontology_hash()) == 16
