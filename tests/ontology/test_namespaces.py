"""The Python namespaces and the Turtle agree, both ways."""

from __future__ import annotations

import json
import re

import pytest
from rdflib import OWL, RDF, Graph, URIRef
from rdflib.namespace import SKOS

from ontology.loader import (
    CONTEXT_FILE,
    ONTOLOGY_FILE,
    SCHEMES_FILE,
    SHAPES_FILE,
    ontology_graph,
    schemes_graph,
)
from ontology.namespaces import (
    ELI,
    ELI_IRI,
    PKG,
    PKG_IRI,
    REGION,
    SCHEME,
    SCHEME_IRI,
    SCHEME_NAMESPACES,
    terms,
)

ROOT = ONTOLOGY_FILE.parents[1]


def _iris_in(graph: Graph) -> set[URIRef]:
    return {t for triple in graph for t in triple if isinstance(t, URIRef)}


def _all_turtle() -> Graph:
    g = Graph()
    for f in (ONTOLOGY_FILE, SCHEMES_FILE, SHAPES_FILE):
        g.parse(f)
    return g


def test_pkg_terms_defined_in_turtle_match_python_class() -> None:
    g = ontology_graph()
    defined = {s for s in g.subjects(RDF.type, None)
               if isinstance(s, URIRef) and str(s).startswith(PKG_IRI)}
    assert defined == terms(PKG)


def test_every_pkg_term_used_anywhere_is_in_python_class() -> None:
    used = {t for t in _iris_in(_all_turtle()) if str(t).startswith(PKG_IRI)}
    assert used <= terms(PKG), sorted(used - terms(PKG))


def test_eli_terms_used_in_turtle_and_python_class_agree() -> None:
    used = {t for t in _iris_in(_all_turtle()) if str(t).startswith(ELI_IRI)}
    assert used == terms(ELI)


def test_eli_terms_used_in_queries_are_in_python_class() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "graph" / "queries").glob("*.rq"))
    used = {ELI[name] for name in re.findall(r"\beli:([A-Za-z_]+)", text)}
    assert used <= terms(ELI)


def test_scheme_concepts_in_turtle_match_python_classes() -> None:
    g = schemes_graph()
    in_turtle = {t for t in _iris_in(g) if str(t).startswith(SCHEME_IRI) and not str(t).startswith(str(REGION))}
    in_python = terms(SCHEME).union(*(terms(ns) for ns in SCHEME_NAMESPACES))
    assert in_turtle == in_python


def test_region_concepts_are_six_digit_codes_in_the_region_scheme() -> None:
    g = schemes_graph()
    regions = {t for t in _iris_in(g) if str(t).startswith(str(REGION))}
    assert len(regions) > 3000
    for concept in regions:
        code = str(concept)[len(str(REGION)):]
        assert re.fullmatch(r"\d{6}", code), concept
        assert (concept, SKOS.inScheme, SCHEME.region) in g


@pytest.mark.parametrize("ns", [PKG, ELI, *SCHEME_NAMESPACES])
def test_namespace_is_closed(ns: type) -> None:
    with pytest.raises(AttributeError):
        ns.NoSuchTerm  # noqa: B018


def test_context_maps_only_known_terms() -> None:
    ctx = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("#", "/"))}
    known = terms(PKG) | terms(ELI)
    for key, value in ctx.items():
        iri = value["@id"] if isinstance(value, dict) else value
        if key.startswith("@") or key in prefixes:
            continue
        prefix, _, local = iri.partition(":")
        full = URIRef(prefixes[prefix] + local)
        if prefix in ("pkg", "eli"):
            assert full in known, key


def test_every_own_class_and_property_is_documented() -> None:
    g = ontology_graph()
    from rdflib.namespace import RDFS, SKOS

    for term in terms(PKG):
        assert g.value(term, RDFS.label) is not None, term
        assert g.value(term, RDFS.comment) is not None, term
        assert g.value(term, SKOS.example) is not None, term
        assert (term, RDF.type, None) in g
    assert (URIRef(PKG_IRI.rstrip("#")), RDF.type, OWL.Ontology) in g
