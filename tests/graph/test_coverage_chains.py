"""Coverage "directly or through the province", on bundled texts with hand-set links: a city whose
own plan takes up a national task, and a city whose plan implements its province's plan that does."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef

from graph import coverage
from graph.build import alignment_triples
from graph.store import GraphStore
from ingest.model import Document
from ontology.namespaces import METHOD

GUANGZHOU = "guangzhou-shishang-chanye-jiqun-gaozhiliang-fazhan-sannian-xingdong-jihua-2022"
SHENZHEN = "shenzhen-shishang-chanye-gaozhiliang-fazhan-xingdong-jihua-2020-2024"
GUANGDONG = "guangdong-xiandai-qinggong-fangzhi-chanye-jiqun-xingdong-jihua-2021-2025"
NATIONAL = "chanyeyong-fangzhipin-gaozhiliang-fazhan-zhidao-yijian-2022"
OTHER = "huaxian-gongye-gaozhiliang-fazhan-zhidao-yijian-2022"
GENERATED = "2026-12-01T10:00:00Z"


def _units(store: GraphStore, doc_id: str) -> tuple[URIRef, list[URIRef]]:
    rows = list(store.query("SELECT ?id ?d ?p WHERE { ?d dcterms:identifier ?id . "
                            "OPTIONAL { ?p pkg:document ?d ; pkg:order ?o } } ORDER BY ?o", bindings={"id": Literal(doc_id)}))
    return URIRef(str(rows[0].d)), [URIRef(str(r.p)) for r in rows if r.p is not None]


@pytest.fixture(scope="module")
def chain_store(corpus_docs: dict[str, Document]) -> GraphStore:
    store = GraphStore(None)
    store.ingest([corpus_docs[i] for i in (GUANGZHOU, SHENZHEN, GUANGDONG, NATIONAL, OTHER)])
    gz, _ = _units(store, GUANGZHOU)
    sz, sz_units = _units(store, SHENZHEN)
    gd, gd_units = _units(store, GUANGDONG)
    _, tasks = _units(store, NATIONAL)

    def link(local: URIRef, target: URIRef, *, implements: bool, method: URIRef = METHOD.reranked) -> list:
        return alignment_triples(local, target, score=0.95 if implements else 0.4, rank=1, method=method,
                                 generated=GENERATED, implements=implements, iris=store.iris)

    triples = (link(gd_units[0], tasks[0], implements=True)  # the province takes up the national task
               + link(gd_units[1], tasks[0], implements=False)
               + link(gz, gd, implements=True, method=METHOD.document)  # Guangzhou implements the province's plan
               + link(sz_units[0], tasks[0], implements=False)  # Shenzhen's own plan, aligned but not asserted
               + link(sz, gd, implements=False, method=METHOD.document))  # a candidate parent, not asserted
    store.replace_graph(store.iris.links_graph, triples)
    return store


def _cities(cov: dict) -> dict[str, dict]:
    (task,) = cov["tasks"]
    return {c["code"]: c for c in task["cities"]}


def test_a_city_takes_up_a_national_task_through_the_provincial_plan_it_implements(chain_store: GraphStore) -> None:
    cities = _cities(coverage.coverage_chains(chain_store))
    guangzhou = cities["440100"]
    assert guangzhou["name"] == "广州市" and set(guangzhou["routes"]) == {"province"}
    route = guangzhou["routes"]["province"]
    assert route == {"links": 2, "implements": 1, "documents": [GUANGZHOU], "via": [GUANGDONG]}


def test_a_city_aligned_directly_is_direct_and_a_parent_not_asserted_is_no_route(chain_store: GraphStore) -> None:
    shenzhen = _cities(coverage.coverage_chains(chain_store))["440300"]
    assert shenzhen["routes"] == {"direct": {"links": 1, "implements": 0, "documents": [SHENZHEN], "via": []}}


def test_coverage_chains_for_one_national_document(chain_store: GraphStore) -> None:
    assert coverage.coverage_chains(chain_store, NATIONAL)["tasks"][0]["document"] == NATIONAL
    assert coverage.coverage_chains(chain_store, OTHER) == {"tasks": []}
