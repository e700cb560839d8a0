"""Load the ontology, the SKOS schemes, the SHACL shapes and the JSON-LD context.

Everything is read from the Turtle/JSON files next to this module and cached; callers get
copies they may mutate. ``Schemes`` answers the lookups the graph builder needs (region by
name, document type by label, ...) from ``schemes.ttl`` itself, so the code holds no second
list of codes.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from ontology.namespaces import PREFIXES, REGION, SCHEME
from ontology.regions import REGIONS_FILE, divisions, region_triples, regions_graph

HERE = Path(__file__).resolve().parent
ONTOLOGY_FILE = HERE / "policykg.ttl"
SCHEMES_FILE = HERE / "schemes.ttl"
SHAPES_FILE = HERE / "shapes.ttl"
CONTEXT_FILE = HERE / "context.jsonld"


def _bind(graph: Graph) -> Graph:
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True)
    return graph


@cache
def _parsed(path: Path) -> Graph:
    return _bind(Graph().parse(path, format="turtle"))


def _copy(graph: Graph) -> Graph:
    out = _bind(Graph())
    out += graph
    return out


def ontology_graph() -> Graph:
    """The OWL/RDFS terms of ``policykg.ttl``."""
    return _copy(_parsed(ONTOLOGY_FILE))


def schemes_graph() -> Graph:
    """The SKOS concept schemes of ``schemes.ttl`` with the regions of ``regions.ttl``."""
    out = _copy(_parsed(SCHEMES_FILE))
    out += regions_graph()
    return out


def shapes_graph() -> Graph:
    """The SHACL shapes of ``shapes.ttl``."""
    return _copy(_parsed(SHAPES_FILE))


def vocabulary_graph() -> Graph:
    """Ontology and schemes together: what the store keeps in its ontology graph.

    Of the ~3,400 regions only the country and the provinces are here: all of them made a fresh
    store take 7 s to open, every SHACL run check 3,400 concepts, and Virtuoso refuse the insert
    (SP031, over ~1,500 quads in one request). A document brings the concepts of its own
    jurisdiction below the province (city, county) with it (``graph.build``).
    """
    out = _copy(_parsed(ONTOLOGY_FILE))
    out += _parsed(SCHEMES_FILE)
    for region in divisions().by_code.values():
        if region.tier in ("national", "province"):
            out.addN((*t, out) for t in region_triples(region))
    return out


@cache
def _context() -> str:
    return CONTEXT_FILE.read_text(encoding="utf-8")


def context() -> dict[str, Any]:
    """The JSON-LD context document (``{"@context": {...}}``)."""
    return json.loads(_context())


def ontology_hash() -> str:
    """A hash of the ontology and scheme files; the store reloads its copy when it changes."""
    h = hashlib.sha256()
    for path in (ONTOLOGY_FILE, SCHEMES_FILE, REGIONS_FILE):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _norm(label: str) -> str:
    return "".join(label.split())


class Schemes:
    """Lookups into the SKOS schemes by label or notation."""

    def __init__(self, graph: Graph | None = None) -> None:
        g = graph if graph is not None else _parsed(SCHEMES_FILE)
        self._by_scheme: dict[URIRef, dict[str, URIRef]] = {}
        self._notation: dict[URIRef, str] = {}
        for concept in g.subjects(RDF.type, SKOS.Concept):
            if not isinstance(concept, URIRef):
                continue
            for scheme in g.objects(concept, SKOS.inScheme):
                table = self._by_scheme.setdefault(URIRef(scheme), {})
                for prop in (SKOS.notation, SKOS.prefLabel, SKOS.altLabel):
                    for label in g.objects(concept, prop):
                        table.setdefault(_norm(str(label)), concept)
            notation = g.value(concept, SKOS.notation)
            if notation is not None:
                self._notation[concept] = str(notation)

    def lookup(self, scheme: URIRef, label: str | None) -> URIRef | None:
        """The concept of ``scheme`` whose notation, prefLabel or altLabel is ``label``."""
        if not label:
            return None
        return self._by_scheme.get(scheme, {}).get(_norm(label))

    def region(self, name: str | None) -> URIRef | None:
        """Region concept for a name as written in the manifest (广东省, 广东省广州市, 全国) or a
        GB/T 2260 code; a name several regions share resolves as ``Divisions.lookup`` says."""
        found = divisions().lookup(name)
        return REGION[found.code] if found is not None else None

    def doctype(self, label: str | None) -> URIRef | None:
        return self.lookup(SCHEME.doctype, label)

    def notation(self, concept: URIRef) -> str | None:
        """The skos:notation of a concept (a region's GB/T 2260 code)."""
        if str(concept).startswith(str(REGION)):
            return str(concept)[len(str(REGION)):]
        return self._notation.get(concept)


@cache
def schemes() -> Schemes:
    """The shared ``Schemes`` lookup over ``schemes.ttl``."""
    return Schemes()
