"""Graph IRIs dereference here: linked-entity JSON-LD by default, Turtle by Accept, HTML for browsers."""

from __future__ import annotations

import httpx
import pytest
from pyld import jsonld
from rdflib import Graph, URIRef

from .conftest import JIEDU_IRI, NATIONAL_IRI, local

pytestmark = pytest.mark.slow

ELI = "http://data.europa.eu/eli/ontology#"
PKG = "https://w3id.org/policykg/ns#"
PROVISION = f"{JIEDU_IRI}/2"  # 二、《行动方案》主要内容: four targets, aligned to national provisions
NATIONAL_PROVISION = f"{NATIONAL_IRI}/2-2"


def _expanded_ids(node: dict) -> set[str]:
    ids: set[str] = set()

    def walk(x: object) -> None:
        if isinstance(x, dict):
            if "@id" in x:
                ids.add(x["@id"])
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(jsonld.expand(node))
    return ids


def test_provision_is_json_ld_with_context_and_linked_entities(client: httpx.Client) -> None:
    r = client.get(local(PROVISION))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    node = r.json()
    assert "@context" in node and node["@id"] == PROVISION
    assert node["@type"] == ["Provision", "Task"]
    assert node["path"] == "二" and node["title"] == "《行动方案》主要内容"
    assert node["document"]["@id"] == JIEDU_IRI and node["document"]["title"].startswith("关于《2024年开展")
    assert node["partOf"]["@id"] == JIEDU_IRI
    assert [t["quantityText"] for t in node["hasTarget"]] == ["15家以上", "8家以上", "100家以上", "500件以上"]
    assert node["hasTarget"][0]["comparator"]["prefLabel"] == "以上"
    assert all(c["@id"].startswith(PROVISION + "-") for c in node["hasPart"])
    al = node["alignments"][0]
    assert al["@type"] == "Alignment" and al["rank"] == 1 and isinstance(al["score"], float)
    assert al["evidence"] and al["national"]["document"]["jurisdiction"]["prefLabel"] == "全国"


def test_json_ld_expands_with_every_id_and_reverse_links(client: httpx.Client) -> None:
    node = client.get(local(PROVISION)).json()
    expanded = jsonld.expand(node)
    assert expanded[0]["@id"] == PROVISION
    ids = _expanded_ids(node)
    assert {JIEDU_IRI, f"{PROVISION}/target/1", al_iri(node)} <= ids
    reverse = expanded[0]["@reverse"][f"{PKG}local"]
    assert reverse[0][f"{PKG}national"][0]["@id"] == node["alignments"][0]["national"]["@id"]


def al_iri(node: dict) -> str:
    return node["alignments"][0]["@id"]


def test_national_provision_lists_the_local_provisions_implementing_it(client: httpx.Client) -> None:
    node = client.get(local(NATIONAL_PROVISION)).json()
    assert "implementedBy" in node and "alignments" not in node
    regions = {a["local"]["document"]["jurisdiction"]["prefLabel"] for a in node["implementedBy"]}
    assert "广东省" in regions
    assert all(a["local"]["@id"].startswith("http://127.0.0.1:8000/eli/cn/") for a in node["implementedBy"])
    back = client.get(local(node["implementedBy"][0]["local"]["@id"].split("/action/")[0])).json()
    assert NATIONAL_PROVISION in {a["national"]["@id"] for a in back.get("alignments", [])}


def test_agency_has_names_and_roles(client: httpx.Client) -> None:
    node = client.get("/org/gd-miit").json()
    assert node["prefLabel"] == "广东省工业和信息化厅" and node["@type"] == ["Organization"]
    roles = {m["role"]["prefLabel"] for m in node["mentionedAs"]}
    assert "发文机关" in roles
    assert jsonld.expand(node)[0]["@id"].endswith("/org/gd-miit")


def test_document_entity_holds_the_provision_tree(client: httpx.Client) -> None:
    node = client.get(local(NATIONAL_IRI)).json()
    assert node["docNumber"] == "工信厅联消费函〔2023〕87号"
    assert [p["path"] for p in node["hasPart"]] == ["一", "二", "三"]
    assert [c["path"] for c in node["hasPart"][1]["hasPart"]][:3] == ["二/（一）", "二/（二）", "二/（三）"]
    assert {m["agency"]["prefLabel"] for m in node["agencyRoles"]} >= {"工业和信息化部办公厅", "商务部办公厅"}
    assert node == client.get("/documents/2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi").json()


def test_turtle_and_ntriples_hold_the_same_triples_as_the_json_ld(client: httpx.Client) -> None:
    ttl = client.get(local(PROVISION), headers={"Accept": "text/turtle"})
    assert ttl.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=ttl.text, format="turtle")
    assert (URIRef(PROVISION), URIRef(f"{ELI}is_part_of"), URIRef(JIEDU_IRI)) in g
    assert (None, URIRef(f"{PKG}local"), URIRef(PROVISION)) in g
    nt = client.get(local(PROVISION), headers={"Accept": "application/n-triples"})
    assert len(Graph().parse(data=nt.text, format="nt")) == len(g)


def test_a_browser_gets_the_html_page_with_a_json_twin(client: httpx.Client) -> None:
    r = client.get(local(PROVISION), headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "《行动方案》主要内容" in r.text and 'rel="alternate" type="application/json"' in r.text
    assert "15家以上" in r.text and "national-side" in r.text


def test_unknown_iri_is_404_with_a_message(client: httpx.Client) -> None:
    r = client.get("/eli/cn/100000/2023/no-such-document")
    assert r.status_code == 404
    assert r.json() == {"error": "not-found", "status": 404, "hint": r.json()["hint"],
                        "message": "Nothing in the graph is called <http://127.0.0.1:8000/eli/cn/100000/2023/no-such-document>."}
    html = client.get("/org/nobody", headers={"Accept": "text/html"})
    assert html.status_code == 404 and "Nothing in the graph" in html.text
