"""/search, /documents, /links, /coverage, /health, / and the one error shape."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi.encoders import jsonable_encoder

from api.service import Service
from graph.views import MAX_PAGE, LinkFilter

from .conftest import GUANGDONG_JIEDU, NATIONAL_DOC, NATIONAL_IRI

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_search_gives_the_same_hits_as_the_cli(client: httpx.Client, service: Service) -> None:
    params = {"q": "设备更新", "k": 5, "level": "national"}
    http = client.get("/search", params=params).json()
    env = {**os.environ, "POLICYKG_BASE_IRI": service.settings.base_iri, "POLICYKG_MODEL": service.settings.model}
    cli = subprocess.run(
        [sys.executable, "-m", "api.cli", "search", "设备更新", "-k", "5", "--level", "national", "--json",
         "--data", str(service.settings.data)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert http == json.loads(cli.stdout)
    assert [h["rank"] for h in http] == list(range(1, len(http) + 1)) and 1 < len(http) <= 5
    assert all(h["doc"]["level"] == "national" for h in http)
    assert len({h["doc"]["doc_id"] for h in http}) == len(http)  # one hit per document
    assert http[0]["relevance"] == 1.0 and all(0 < h["relevance"] <= 1 for h in http)
    assert "<mark>设备更新</mark>" in http[0]["provisions"][0]["snippet"]
    assert all(p["unit"]["doc_id"] == h["doc"]["doc_id"] for h in http for p in h["provisions"])


def test_group_provision_keeps_the_flat_list_of_units(client: httpx.Client) -> None:
    hits = client.get("/search", params={"q": "设备更新", "k": 5, "level": "national", "group": "provision"}).json()
    assert [h["rank"] for h in hits] == [1, 2, 3, 4, 5]
    assert all(h["unit"]["level"] == "national" for h in hits)
    assert "<mark>设备更新</mark>" in hits[0]["snippet"]


def test_a_province_named_in_the_query_ranks_its_document_first(client: httpx.Client) -> None:
    top = client.get("/search", params={"q": "江苏省对纺织企业有哪些扶持措施"}).json()[0]
    assert top["doc"]["region"] == "江苏省" and top["matched"]["region"] == ["江苏省"]


def test_a_title_that_contradicts_the_query_says_so(client: httpx.Client) -> None:
    hits = client.get("/search", params={"q": "印染行业规范条件2019年版"}).json()
    found = next(h for h in hits if "印染行业规范条件" in h["doc"]["title"])
    assert found["conflicts"] == ["year"]  # the corpus has the 2023 edition only


@pytest.mark.parametrize(("lang", "words"), [("zh", "年份或版本与所问不符"), ("en", "not the year or edition asked for")])
def test_the_search_page_shows_why_a_hit_was_ranked_down(client: httpx.Client, lang: str, words: str) -> None:
    def header(query: str) -> str:  # the header of the 印染 hit on the page
        page = client.get("/search", params={"q": query, "lang": lang}, headers={"Accept": "text/html"}).text
        heads = [h.split('class="provisions"')[0] for h in page.split('class="hit docgroup"')[1:]]
        return next(h for h in heads if "印染行业规范条件" in h)

    assert 'class="tag conflict"' in (edition := header("印染行业规范条件2019年版")) and words in edition
    assert 'class="tag conflict"' not in header("印染行业规范条件")  # no edition asked for: none contradicted


def test_traditional_query_finds_what_simplified_finds(client: httpx.Client) -> None:
    simplified = client.get("/search", params={"q": "设备更新"}).json()
    traditional = client.get("/search", params={"q": "設備更新"}).json()
    assert [(h["doc"]["doc_id"], [p["iri"] for p in h["provisions"]]) for h in simplified] == \
        [(h["doc"]["doc_id"], [p["iri"] for p in h["provisions"]]) for h in traditional]


@pytest.mark.parametrize(("params", "status", "code"), [
    ({"q": "   "}, 422, "bad-input"), ({"q": "x", "k": 0}, 422, "bad-input"),
    ({"q": "x", "level": "galactic"}, 422, "bad-input"),
])
def test_search_errors_have_the_one_shape(client: httpx.Client, params: dict, status: int, code: str) -> None:
    r = client.get("/search", params=params)
    assert r.status_code == status
    assert set(r.json()) == {"error", "message", "hint", "status"} and r.json()["error"] == code


def test_search_region_and_type_filters(client: httpx.Client) -> None:
    hits = client.get("/search", params={"q": "纺织服装品牌", "region": "广东省", "type": "解读"}).json()
    assert hits and all(h["doc"]["region"].startswith("广东省") and h["doc"]["doc_type"] == "解读" for h in hits)


@pytest.mark.parametrize(("params", "expected"), [
    ({}, 17), ({"level": "national"}, None), ({"region": "广东省"}, None), ({"region": "440000"}, None),
    ({"year": "2023"}, None), ({"type": "通知"}, None),
])
def test_documents_filter(client: httpx.Client, params: dict, expected: int | None) -> None:
    docs = client.get("/documents", params=params).json()
    if expected is not None:
        assert len(docs) == expected
    assert docs
    for d in docs:
        assert params.get("level", d["level"]) == d["level"]
        assert params.get("region", d["region"]) in (d["region"], d["regionCode"])
        assert (d["date"] or "").startswith(params.get("year", ""))
        assert params.get("type", d["doctype"]) == d["doctype"]


def test_unknown_document_is_404(client: httpx.Client) -> None:
    r = client.get("/documents/no-such-doc")
    assert r.status_code == 404 and "no-such-doc" in r.json()["message"]


def test_links_are_the_service_rows(client: httpx.Client, service: Service) -> None:
    rows = client.get("/links").json()
    assert rows == jsonable_encoder(service.links().rows)
    assert {r["relation"] for r in rows} == {"implements", "correspondsTo"}
    focused = client.get("/links", params={"from": f"{NATIONAL_IRI}/2-2"}).json()
    assert focused and all(f"{NATIONAL_IRI}/2-2" in (r["local"], r["target"]) for r in focused)


def test_links_page_on_through_the_link_header(client: httpx.Client) -> None:
    first = client.get("/links", params={"limit": 3, "relation": "implements", "region": "广东省"})
    assert len(first.json()) == 3 and all(r["relation"] == "implements" for r in first.json())
    nxt = first.links["next"]["url"]
    assert "offset=3" in nxt and "region=" in nxt
    both = client.get("/links", params={"limit": 6, "relation": "implements", "region": "广东省"}).json()
    assert first.json() + client.get(nxt).json() == both
    assert client.get("/links", params={"region": "火星"}).status_code == 400


def test_coverage_is_national_tasks_by_regions(client: httpx.Client) -> None:
    cov = client.get("/coverage").json()
    assert {"440000", "320000", "330000"} <= {r["code"] for r in cov["regions"]}
    task = next(t for t in cov["tasks"] if t["task"] == f"{NATIONAL_IRI}/2-2")
    assert task["document"] == NATIONAL_DOC and task["total"] == sum(c["links"] for c in task["regions"].values())
    assert task["total"] > 0
    html = client.get("/coverage", headers={"Accept": "text/html"})
    assert 'id="coverage"' in html.text and "广东省" in html.text
    row = next(d for d in cov["documents"] if d["document"] == NATIONAL_DOC)
    mine = [t["regions"]["440000"] for t in cov["tasks"] if t["document"] == NATIONAL_DOC and "440000" in t["regions"]]
    assert row["regions"]["440000"]["candidates"] == len(mine)
    assert row["regions"]["440000"]["tasks"] == sum(bool(c["likely"]) for c in mine)  # taken up: a likely alignment
    assert all(c["implements"] <= c["likely"] <= c["links"] for t in cov["tasks"] for c in t["regions"].values())
    assert all(d["regions"] for d in cov["documents"]) and all(t["regions"] for t in cov["tasks"])
    every = client.get("/coverage", params={"all": "true"}).json()["tasks"]
    assert len(every) > len(cov["tasks"]) and [t for t in every if t["regions"]] == cov["tasks"]
    csv = client.get("/coverage", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv") and f"{NATIONAL_DOC}," in csv.text
    cell = client.get(f"/coverage/{NATIONAL_DOC}/440000", params={"format": "json"}).json()
    assert cell["groups"] and all(g["regionCode"] == "440000" for g in cell["groups"])
    listed = next(d for d in client.get("/documents").json() if d["id"] == NATIONAL_DOC)
    assert cell["title"] == listed["title"] and "纺织服装" in cell["title"]  # the breadcrumb names the document


def test_coverage_cities_directly_or_through_the_province(client: httpx.Client) -> None:
    from ontology.regions import divisions

    every = client.get("/coverage/cities").json()["tasks"]
    assert every, "the bundled corpus's city plans take up national tasks"
    for task in every:
        for city in task["cities"]:
            assert divisions().by_code[city["code"]].tier in ("prefecture", "county")
            assert set(city["routes"]) <= {"direct", "province"}
            assert all(route["links"] >= 1 for route in city["routes"].values())
    one = every[0]["document"]
    only = client.get("/coverage/cities", params={"document": one}).json()["tasks"]
    assert only and {t["document"] for t in only} == {one}
    assert client.get("/coverage/cities", params={"document": "no-such-doc"}).status_code == 404


def test_document_links_by_document(client: httpx.Client) -> None:
    down = client.get(f"/documents/{NATIONAL_DOC}/links").json()
    local_docs = {g["id"] for g in down["implementedBy"]}
    assert GUANGDONG_JIEDU in local_docs and not down["implements"]
    up = client.get(f"/documents/{GUANGDONG_JIEDU}/links").json()
    parent = next(g for g in up["implements"] if g["id"] == NATIONAL_DOC)
    assert parent["pairs"] and parent["best"] == max(p["score"] for p in parent["pairs"])
    assert all(p["national"]["doc"] == NATIONAL_DOC and p["local"]["doc"] == GUANGDONG_JIEDU for p in parent["pairs"])
    # a band per candidate: high exactly when the document model asserted it
    assert all((g["confidence"] == "high") == bool(g["decision"] and g["decision"]["asserted"]) for g in up["implements"])
    page = client.get(f"/documents/{GUANGDONG_JIEDU}", headers={"Accept": "text/html"}).text
    assert 'id="implements"' in page and f'href="/documents/{NATIONAL_DOC}"' in page


def test_health_reports_store_and_index(client: httpx.Client) -> None:
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["counts"]["documents"] == 17 and h["index"]["units"] > 0


def test_home_and_unknown_routes(client: httpx.Client, service: Service) -> None:
    index = client.get("/").json()
    assert index["endpoints"]["sparql"] == "/sparql"
    docs = service.documents()
    assert index["documents"] == len(docs) == sum(index["byLevel"].values())
    assert index["byLevel"]["national"] == sum(d["level"] == "national" for d in docs)
    guangdong = next(r for r in index["regions"] if r["code"] == "440000")
    assert guangdong["name"] == "广东省" and guangdong["documents"] == sum(
        (d["regionCode"] or "").startswith("44") for d in docs)
    implements = service.links(LinkFilter(relation="implements"), limit=MAX_PAGE).rows
    assert index["links"]["implements"] == sum(bool(r["localPath"]) for r in implements)
    page = client.get("/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 200 and f'id="doc-total">{len(docs)}<' in page.text and "广东省" in page.text
    assert 'option value="广东省"' in page.text  # the region filter comes from the data
    r = client.get("/no/such/route")
    assert r.status_code == 404 and r.json()["error"] == "not-found"


@pytest.mark.parametrize("path", ["/search?q=设备更新", "/documents", "/coverage", "/links"])
def test_every_page_links_its_json_twin(client: httpx.Client, path: str) -> None:
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200
    href = page.text.split('rel="alternate" type="application/json" href="')[1].split('"')[0]
    twin = client.get(href.replace("&amp;", "&"))
    assert twin.status_code == 200 and twin.headers["content-type"].startswith("application/json")
    assert twin.json() == client.get(path).json()
