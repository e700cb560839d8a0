"""/sparql speaks the SPARQL 1.1 Protocol: checked with httpx, SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

from api.service import Service

from .conftest import NATIONAL_DOC, NATIONAL_IRI

pytestmark = pytest.mark.slow

DOCS = ("PREFIX eli: <http://data.europa.eu/eli/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/> "
        "SELECT ?doc ?id WHERE { ?doc a eli:LegalResource ; dcterms:identifier ?id } ORDER BY ?id")
CONSTRUCT = ("PREFIX dcterms: <http://purl.org/dc/terms/> CONSTRUCT { ?d dcterms:title ?t } "
             f"WHERE {{ ?d dcterms:identifier \"{NATIONAL_DOC}\" ; dcterms:title ?t }}")


def _ids(body: dict) -> list[str]:
    return [b["id"]["value"] for b in body["results"]["bindings"]]


def test_get_post_form_and_post_body_give_the_same_rows(client: httpx.Client) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    get = client.get("/sparql", params={"query": DOCS}, headers=accept)
    form = client.post("/sparql", data={"query": DOCS}, headers=accept)
    body = client.post("/sparql", content=DOCS.encode(), headers={**accept, "Content-Type": "application/sparql-query"})
    assert get.status_code == form.status_code == body.status_code == 200
    assert get.headers["content-type"].startswith("application/sparql-results+json")
    assert _ids(get.json()) == _ids(form.json()) == _ids(body.json())
    assert NATIONAL_DOC in _ids(get.json()) and len(_ids(get.json())) == 17


@pytest.mark.parametrize(("accept", "media"), [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("*/*", "application/sparql-results+json"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+xml"),
])
def test_select_results_follow_accept(client: httpx.Client, accept: str, media: str) -> None:
    r = client.get("/sparql", params={"query": DOCS}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    if media == "text/csv":
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == ["doc", "id"] and len(rows) == 18
    elif media == "text/tab-separated-values":
        assert r.text.splitlines()[0] == "?doc\t?id"
    elif media.endswith("xml"):
        ns = {"s": "http://www.w3.org/2005/sparql-results#"}
        assert len(ET.fromstring(r.content).findall(".//s:result", ns)) == 17


@pytest.mark.parametrize(("accept", "media"), [
    ("text/turtle", "text/turtle"), ("application/ld+json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"),
])
def test_construct_results_follow_accept(client: httpx.Client, accept: str, media: str) -> None:
    r = client.post("/sparql", data={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    fmt = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt"}[media]
    g = Graph().parse(data=r.text, format=fmt)
    assert len(g) == 1
    assert str(next(iter(g.objects(URIRef(NATIONAL_IRI), None)))).startswith("工业和信息化部办公厅")


def test_ask_answers_in_json(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert r.status_code == 200 and r.json()["boolean"] is True


@pytest.mark.parametrize("request_kwargs", [
    {"method": "GET", "params": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
    {"method": "POST", "data": {"query": "DELETE WHERE { ?s ?p ?o }"}},
    {"method": "POST", "data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
    {"method": "POST", "content": b"CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}},
    {"method": "GET", "params": {"query": "LOAD <http://example.org/data.ttl>"}},
    {"method": "GET", "params": {"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}},
])
def test_updates_load_and_service_are_refused_with_403(client: httpx.Client, request_kwargs: dict) -> None:
    method = request_kwargs.pop("method")
    r = client.request(method, "/sparql", **request_kwargs)
    assert r.status_code == 403
    assert r.json()["error"] in ("forbidden", "update-refused") and r.json()["message"]
    assert client.get("/sparql", params={"query": "ASK { <urn:a> <urn:b> <urn:c> }"}).json()["boolean"] is False


def test_the_word_service_inside_a_string_or_variable_is_not_refused(client: httpx.Client) -> None:
    q = 'SELECT ?service WHERE { BIND("SERVICE <x>" AS ?service) } # SERVICE'
    assert client.get("/sparql", params={"query": q}).status_code == 200


def test_malformed_query_gives_400_with_the_parser_message(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "bad-query" and "SPARQL syntax error" in body["message"]
    assert set(body) == {"error", "message", "hint", "status"}


def test_missing_query_and_wrong_content_type(client: httpx.Client) -> None:
    assert client.get("/sparql").status_code == 400
    r = client.post("/sparql", content=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 415 and "application/sparql-query" in r.json()["hint"]


def test_a_slow_query_is_stopped_at_the_timeout_with_503(client: httpx.Client, service: Service) -> None:
    # ~4 s of filter evaluations, then the abandoned worker thread ends by itself
    slow = 'SELECT * WHERE { ?a a ?c . ?d a ?f FILTER(STR(?c) = CONCAT(STR(?f), "x")) }'
    old = service.settings.query_timeout_s
    service.settings.query_timeout_s = 0.3
    try:
        r = client.get("/sparql", params={"query": slow})
    finally:
        service.settings.query_timeout_s = old
    assert r.status_code == 503
    assert r.json()["error"] == "query-timeout" and "0.3 s" in r.json()["message"]
    assert client.get("/health").status_code == 200  # the server still answers


def test_results_over_the_cap_are_refused_with_a_clear_message(client: httpx.Client, service: Service) -> None:
    old = service.settings.result_cap
    service.settings.result_cap = 5
    try:
        over = client.get("/sparql", params={"query": DOCS})
        under = client.get("/sparql", params={"query": DOCS + " LIMIT 5"})
    finally:
        service.settings.result_cap = old
    assert over.status_code == 422 and over.json()["error"] == "result-cap"
    assert "more than 5 rows" in over.json()["message"] and "LIMIT" in over.json()["hint"]
    assert under.status_code == 200 and len(under.json()["results"]["bindings"]) == 5


def test_sparqlwrapper_select_ask_and_construct(server: str) -> None:
    sw = SPARQLWrapper(f"{server}/sparql")
    sw.setQuery(DOCS)
    for fmt in (JSON, XML, CSV):
        sw.setReturnFormat(fmt)
        result = sw.query().convert()
        if fmt == JSON:
            assert len(result["results"]["bindings"]) == 17
        elif fmt == CSV:
            assert result.decode().count("\n") >= 17
        else:
            assert len(result.getElementsByTagName("result")) == 17
    sw.setQuery("ASK { ?s a <http://data.europa.eu/eli/ontology#LegalResource> }")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True
    sw.setMethod("POST")
    sw.setQuery(CONSTRUCT)
    sw.setReturnFormat(TURTLE)
    g = Graph().parse(data=sw.query().convert(), format="turtle")
    assert (URIRef(NATIONAL_IRI), None, None) in g


def test_sparqlwrapper_update_is_refused(server: str) -> None:
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    sw = SPARQLWrapper(f"{server}/sparql")
    sw.setMethod("POST")
    sw.setQuery("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    with pytest.raises((SPARQLWrapperException, Exception)) as info:
        sw.query()
    assert "403" in str(info.value) or "forbidden" in str(info.value).lower()


def test_rdflib_sparqlstore_queries_and_triples(server: str) -> None:
    g = Graph(store=SPARQLStore(f"{server}/sparql", returnFormat="json"))
    rows = list(g.query(DOCS))
    assert len(rows) == 17 and NATIONAL_DOC in {str(r.id) for r in rows}
    titles = list(g.triples((URIRef(NATIONAL_IRI), URIRef("http://purl.org/dc/terms/title"), None)))
    assert len(titles) == 1
    xml_store = Graph(store=SPARQLStore(f"{server}/sparql"))  # default: SPARQL XML
    assert len(list(xml_store.query(DOCS))) == 17
    constructed = g.query(CONSTRUCT)
    assert len(constructed.graph) == 1


def test_json_results_are_valid_sparql_json(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": DOCS + " LIMIT 1"})
    body = json.loads(r.content)
    assert body["head"]["vars"] == ["doc", "id"]
    assert body["results"]["bindings"][0]["doc"]["type"] == "uri"
