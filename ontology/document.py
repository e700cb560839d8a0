"""Generate ``ontology/README.md`` from the Turtle files: ``python -m ontology.document``.

The page lists the classes the graph holds (with their SHACL properties), the project's own
terms (label, domain, range, comment, one example each) and the SKOS schemes. A test fails when
the README is out of date.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from ontology.loader import ontology_graph, schemes_graph, shapes_graph
from ontology.namespaces import PKG, PREFIXES, SCHEME_IRI, terms

README = Path(__file__).resolve().parent / "README.md"

INTRO = """\
# policykg ontology

*Generated from `policykg.ttl`, `shapes.ttl` and `schemes.ttl` by `python -m ontology.document`;
do not edit by hand.*

Namespace `pkg:` = `https://w3id.org/policykg/ns#`; concept schemes under
`https://w3id.org/policykg/scheme/`. Reused as they are: ELI (`eli:`) for documents, provisions,
citations and implementation; W3C ORG (`org:`) for agencies; SKOS (`skos:`) for the schemes;
PROV-O (`prov:`) for evidence; Dublin Core (`dcterms:`) for titles, dates and identifiers. The
own namespace holds only what none of them has: Task, Action, Target, AgencyMention, Citation,
Alignment and their properties.

**Evidence.** Every extracted fact (agency role, action, target, citation) is a node that is
`prov:wasDerivedFrom` its provision (or the document, for preamble facts) and carries
`pkg:evidenceStart` / `pkg:evidenceEnd` (half-open character offsets into the document's
normalized text) and `pkg:evidenceText`.

**IRIs** (base configurable, default `https://w3id.org/policykg`):
`{base}/eli/cn/{GB/T 2260 code}/{year}/{doc-id}` for documents, `…/{path}` for provisions
(`二/（一）` → `2-1`, `第二部分` → `part2`), `…/{action|target|agency|citation}/{n}` for facts,
`{base}/org/{slug}` for agencies, `{base}/link/{hash}` for alignments; one named graph per
document `{base}/graph/doc/{doc-id}`, the computed links of each local document in
`{base}/graph/links/{doc-id}` (replaced alone when only that document's links change), citations
resolved at link time, copy groups and edition series in `{base}/graph/links`, and
`{base}/graph/ontology`.
"""


def _q(term: object) -> str:
    if isinstance(term, BNode) or term is None:
        return ""
    text = str(term)
    if text.startswith(SCHEME_IRI):
        return f"`pkgs:{text[len(SCHEME_IRI):]}`"
    for prefix, iri in PREFIXES.items():
        if text.startswith(iri) and prefix != "pkgs":
            return f"`{prefix}:{text[len(iri):]}`"
    return f"`{text}`" if isinstance(term, URIRef) else text


def _en(g: Graph, s: object, p: URIRef) -> str:
    values = list(g.objects(s, p))
    for v in values:
        if getattr(v, "language", None) == "en":
            return str(v)
    return str(values[0]) if values else ""


def _value_type(shapes: Graph, prop: object) -> str:
    for p in (SH.datatype, SH["class"], SH.nodeKind, SH.hasValue):
        v = shapes.value(prop, p)
        if v is not None:
            return _q(v)
    alternatives = shapes.value(prop, SH["or"])
    if alternatives is not None:
        parts = [_value_type(shapes, alt) for alt in Collection(shapes, alternatives)]
        return " or ".join(p for p in parts if p)
    inn = shapes.value(prop, SH["in"])
    if inn is not None:
        return "in " + ", ".join(_q(v) for v in Collection(shapes, inn))
    return ""


def _path(shapes: Graph, path: object) -> str:
    if isinstance(path, BNode):
        return " / ".join(_q(p) for p in Collection(shapes, path))
    return _q(path)


def _classes(shapes: Graph, onto: Graph) -> list[str]:
    out = ["## Classes the graph holds", ""]
    for shape in sorted(shapes.subjects(RDF.type, SH.NodeShape), key=str):
        cls = shapes.value(shape, SH.targetClass)
        if cls is None:
            continue
        comment = _en(onto, cls, RDFS.comment) or _en(shapes, shape, RDFS.comment)
        out += [f"### {_q(cls)}", "", comment, ""]
        example = onto.value(cls, SKOS.example) or shapes.value(shape, SKOS.example)
        if example is not None:
            out += [f"Example: {example}", ""]
        rows = []
        for prop in shapes.objects(shape, SH.property):
            path = shapes.value(prop, SH.path)
            lo, hi = shapes.value(prop, SH.minCount), shapes.value(prop, SH.maxCount)
            card = f"{lo or 0}..{hi if hi is not None else '*'}"
            severity = " (warning)" if shapes.value(prop, SH.severity) == SH.Warning else ""
            rows.append(f"| {_path(shapes, path)} | {card}{severity} | {_value_type(shapes, prop)} |")
        if rows:
            out += ["| property | count | value |", "|---|---|---|", *sorted(set(rows)), ""]
        if shapes.value(shape, SH.node) is not None:
            node = str(shapes.value(shape, SH.node)).rsplit("#", 1)[-1]
            out += [f"Also satisfies `{node}` (`prov:wasDerivedFrom`, `pkg:evidenceStart/End/Text`).", ""]
    return out


def _own_terms(onto: Graph) -> list[str]:
    out = ["## Own terms (`pkg:`)", "", "| term | kind | domain → range | meaning | example |", "|---|---|---|---|---|"]
    kinds = {OWL.Class: "class", OWL.ObjectProperty: "object property", OWL.DatatypeProperty: "datatype property"}
    ordered = sorted(terms(PKG), key=lambda t: (onto.value(t, RDF.type) != OWL.Class, str(t)))
    for t in ordered:
        kind = next((kinds[k] for k in onto.objects(t, RDF.type) if k in kinds), "")
        if kind == "class":
            dr = "⊑ " + ", ".join(_q(s) for s in onto.objects(t, RDFS.subClassOf))
        else:
            dr = f"{_q(onto.value(t, RDFS.domain)) or '—'} → {_q(onto.value(t, RDFS.range)) or '—'}"
        comment = _en(onto, t, RDFS.comment).replace("|", "\\|")
        example = str(onto.value(t, SKOS.example) or "").replace("|", "\\|")
        out.append(f"| {_q(t)} | {kind} | {dr} | {comment} | {example} |")
    return [*out, ""]


def _schemes(sch: Graph) -> list[str]:
    out = ["## Concept schemes (`schemes.ttl`)", ""]
    for scheme in sorted(sch.subjects(RDF.type, SKOS.ConceptScheme), key=str):
        out += [f"### {_en(sch, scheme, SKOS.prefLabel)} — {_q(scheme)}", "",
                "| concept | notation | 中文 | English |", "|---|---|---|---|"]
        concepts = sorted(sch.subjects(SKOS.inScheme, scheme), key=str)
        if len(concepts) > 100:  # the regions: thousands, generated into regions.ttl; list the top two tiers
            tops = set(sch.subjects(SKOS.topConceptOf, scheme))
            out.insert(-2, f"{len(concepts)} concepts, generated into `regions.ttl`; the top two tiers:\n")
            concepts = [c for c in concepts if c in tops or sch.value(c, SKOS.broader) in tops]
        for c in concepts:
            zh = next((str(v) for v in sch.objects(c, SKOS.prefLabel) if v.language == "zh"), "")
            out.append(f"| {_q(c)} | {sch.value(c, SKOS.notation) or ''} | {zh} | {_en(sch, c, SKOS.prefLabel)} |")
        out.append("")
    return out


def render() -> str:
    onto, shapes, sch = ontology_graph(), shapes_graph(), schemes_graph()
    lines = [INTRO, *_classes(shapes, onto), *_own_terms(onto), *_schemes(sch)]
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    README.write_text(render(), encoding="utf-8")
    print(f"wrote {README}")


if __name__ == "__main__":
    main()
