"""China's administrative divisions (GB/T 2260) from ``regions.ttl``: names, codes, hierarchy.

``regions.ttl`` is generated from a maintained division table (see ``scripts/make_regions.py``);
this module answers what the rest of the code asks of it: which region a name means, whether
one region lies within another (a filter on 山东省 must match a Jinan document), and the full
name of a code (山东省济南市). Codes are six-digit strings; ``100000`` is the whole country.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

import pyoxigraph
from rdflib import Graph, URIRef
from rdflib import Literal as RDFLiteral
from rdflib.namespace import RDF, SKOS

from ontology.namespaces import SCHEME_IRI

REGIONS_FILE = Path(__file__).resolve().parent / "regions.ttl"
NATIONAL = "100000"
REGION_IRI = SCHEME_IRI + "region/"

Tier = Literal["national", "province", "prefecture", "county"]
_TIER_RANK = {"national": 0, "province": 1, "prefecture": 2, "county": 3}


@dataclass(frozen=True)
class Region:
    code: str
    name: str  # the official name: 山东省, 济南市, 历下区
    parent: str | None  # the code of the region it lies in; None for the country
    labels: tuple[str, ...] = ()  # altLabels: 山东, 鲁, 山东省济南市 …
    tier: Tier = "county"
    english: str | None = None

    @property
    def short(self) -> str | None:
        """济南市 -> 济南, 广西壮族自治区 -> 广西 (the first multi-character altLabel)."""
        return next((lb for lb in self.labels if 1 < len(lb) < len(self.name) and self.name.startswith(lb)), None)

    @property
    def abbreviations(self) -> tuple[str, ...]:
        """A province's one-character 简称 (鲁, 粤); empty below the provinces."""
        return tuple(lb for lb in self.labels if len(lb) == 1)


@dataclass
class Divisions:
    """Every region by code, with lookups by name and by position in the hierarchy."""

    by_code: dict[str, Region]
    _children: dict[str, list[str]] = field(default_factory=dict)
    _names: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for region in self.by_code.values():
            if region.parent:
                self._children.setdefault(region.parent, []).append(region.code)
            for label in (region.name, *region.labels):
                self._names.setdefault(label, []).append(region.code)

    def get(self, code: str | None) -> Region | None:
        return self.by_code.get(code or "")

    def lookup(self, name: str | None) -> Region | None:
        """The region a name or code means: 山东省, 山东, 鲁, 济南市, 山东省济南市, 370100.

        A name several regions share (朝阳区) resolves to the highest tier holding it, and to
        none when that tier holds it twice: a wrong region is worse than no region.
        """
        key = "".join((name or "").split())
        if key in self.by_code:
            return self.by_code[key]
        codes = self._names.get(key, [])
        if not codes:
            return None
        top = min(_TIER_RANK[self.by_code[c].tier] for c in codes)
        best = [c for c in codes if _TIER_RANK[self.by_code[c].tier] == top]
        return self.by_code[best[0]] if len(best) == 1 else None

    def chain(self, code: str) -> list[Region]:
        """The region and the regions it lies in, from the province down (the country left out)."""
        out: list[Region] = []
        region = self.by_code.get(code)
        while region is not None and region.code != NATIONAL:
            out.append(region)
            region = self.by_code.get(region.parent or "")
        return list(reversed(out))

    def province(self, code: str | None) -> Region | None:
        """The province-level division ``code`` lies in (itself for a province); None for the
        country or an unknown code."""
        chain = self.chain(code or "")
        return chain[0] if chain and chain[0].tier == "province" else None

    def full_name(self, code: str) -> str:
        """山东省济南市 for 370100, 全国 for 100000."""
        return "".join(r.name for r in self.chain(code)) or self.by_code[code].name

    def is_within(self, code: str, ancestor: str) -> bool:
        """True when ``code`` is ``ancestor`` or lies inside it (every region lies within 100000)."""
        if ancestor == NATIONAL or code == ancestor:
            return code in self.by_code
        return any(r.code == ancestor for r in self.chain(code))

    def children(self, code: str) -> list[Region]:
        return [self.by_code[c] for c in self._children.get(code, [])]

    def descendants(self, code: str) -> set[str]:
        """Codes of every region inside ``code`` (not ``code`` itself)."""
        out: set[str] = set()
        stack = list(self._children.get(code, []))
        while stack:
            c = stack.pop()
            out.add(c)
            stack.extend(self._children.get(c, []))
        return out

    def provinces(self) -> list[Region]:
        return self.children(NATIONAL)


def _tier(code: str, parent: str | None) -> Tier:
    if parent is None:
        return "national"
    if parent == NATIONAL:
        return "province"
    return "prefecture" if code.endswith("00") else "county"


def read_divisions(path: Path = REGIONS_FILE) -> Divisions:
    """Divisions from the region Turtle. Read with Oxigraph's parser, not rdflib's: this runs at
    the start of every ingest, and rdflib takes ~2.5 s for the 24k triples where this takes 0.1 s."""
    fields: dict[str, dict[str, list[str]]] = {}
    for quad in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE):
        obj, predicate = quad.object, quad.predicate.value
        if isinstance(obj, pyoxigraph.Literal) and obj.language == "en":
            predicate = "en"
        value = obj.value if isinstance(obj, pyoxigraph.NamedNode | pyoxigraph.Literal) else str(obj)
        fields.setdefault(quad.subject.value, {}).setdefault(predicate, []).append(value)
    regions: dict[str, Region] = {}
    notation, pref, alt, broader = (str(SKOS.notation), str(SKOS.prefLabel), str(SKOS.altLabel), str(SKOS.broader))
    for props in fields.values():
        if notation not in props or pref not in props:
            continue
        code = props[notation][0]
        parent = props[broader][0].rsplit("/", 1)[-1] if broader in props else None
        labels = tuple(sorted(props.get(alt, []), key=lambda s: (len(s), s)))
        regions[code] = Region(code, props[pref][0], parent, labels, _tier(code, parent), props.get("en", [None])[0])
    return Divisions(regions)


def region_triples(region: Region) -> list[tuple[URIRef, URIRef, URIRef | RDFLiteral]]:
    """The SKOS triples of one region concept, as ``regions.ttl`` states them."""
    iri = URIRef(REGION_IRI + region.code)
    out: list[tuple[URIRef, URIRef, URIRef | RDFLiteral]] = [
        (iri, RDF.type, SKOS.Concept), (iri, SKOS.inScheme, URIRef(SCHEME_IRI + "region")),
        (iri, SKOS.notation, RDFLiteral(region.code)), (iri, SKOS.prefLabel, RDFLiteral(region.name, lang="zh")),
    ]
    if region.parent:
        out.append((iri, SKOS.broader, URIRef(REGION_IRI + region.parent)))
    else:
        out.append((iri, SKOS.topConceptOf, URIRef(SCHEME_IRI + "region")))
    if region.english:
        out.append((iri, SKOS.prefLabel, RDFLiteral(region.english, lang="en")))
    out += [(iri, SKOS.altLabel, RDFLiteral(label, lang="zh")) for label in region.labels]
    return out


@cache
def regions_graph() -> Graph:
    """The region concepts as a graph (parsed once)."""
    return Graph().parse(REGIONS_FILE, format="turtle")


@cache
def divisions() -> Divisions:
    """The shared ``Divisions`` over ``regions.ttl``."""
    return read_divisions()


def region_within(region: str | None, ancestor: str | None) -> bool:
    """Is the region named (or coded) ``region`` inside ``ancestor``? 山东省济南市 within 山东省: True."""
    d = divisions()
    inner, outer = d.lookup(region), d.lookup(ancestor)
    return inner is not None and outer is not None and d.is_within(inner.code, outer.code)
