"""Linked-entity JSON-LD: one graph IRI as a JSON-LD node with its linked entities embedded.

The node holds every triple about the entity, each node-valued property as a small embedded
node with a label (title, prefLabel, path), and, by kind:

- a provision: its document and parent, its child provisions, its actions and targets, the
  agencies named in it with their roles, the national provisions it implements (alignments with
  score, rank, method and evidence: ``alignments``) and the local provisions implementing it
  (``implementedBy``);
- a document: the same for its own facts, plus the whole provision tree (``hasPart``, nested);
- an agency: its names and every mention (``mentionedAs``) with role, provision and document.

Keys are the terms of ``ontology/context.jsonld`` (predicates without a term keep a compact IRI
such as ``pkg:foo``); a few reverse terms (``EXTRA_CONTEXT``) name the incoming links. The same
dict feeds the JSON-LD response, the Turtle response (through pyld's toRdf) and the HTML page.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD

from common.errors import NotFoundError
from graph.store import GraphStore
from ontology.loader import context
from ontology.namespaces import PREFIXES
from search.from_graph import internal_query

EXTRA_CONTEXT: dict[str, Any] = {
    "alignments": {"@reverse": "pkg:local"},
    "implementedBy": {"@reverse": "pkg:national"},
    "agencyRoles": {"@reverse": "prov:wasDerivedFrom"},
    "citations": {"@reverse": "prov:wasDerivedFrom"},
    "mentionedAs": {"@reverse": "pkg:agency"},
}
"""Reverse terms for the incoming links an entity page shows (alignments, mentions)."""

MANY = {"hasPart", "hasAction", "hasTarget", "leadAgency", "cooperatingAgency", "responsibleAgency",
        "passedBy", "addressee", "implements", "correspondsTo", "cites", "basedOn", "altLabel", "@type"}
"""Keys that are always lists, so clients need not test for one value or many."""

_NATIVE = {XSD.integer: int, XSD.double: float, XSD.boolean: bool}


def jsonld_context() -> list[Any]:
    """The ``@context`` of every entity: the project context plus the reverse terms."""
    return [context()["@context"], EXTRA_CONTEXT]


@cache
def _terms() -> tuple[dict[str, tuple[str, Any]], dict[str, str]]:
    """predicate IRI -> (term, definition); class IRI -> term."""
    ctx = context()["@context"]
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("#", "/"))}

    def expand(curie: str) -> str:
        prefix, _, local = curie.partition(":")
        return prefixes[prefix] + local if prefix in prefixes else curie

    predicates: dict[str, tuple[str, Any]] = {}
    classes: dict[str, str] = {}
    for term, definition in ctx.items():
        if term.startswith("@") or term in prefixes:
            continue
        if isinstance(definition, str):
            iri = expand(definition)
            if term[0].isupper():
                classes[iri] = term
            else:
                predicates.setdefault(iri, (term, definition))
        elif isinstance(definition, dict) and "@id" in definition:
            predicates.setdefault(expand(definition["@id"]), (term, definition))
    return predicates, classes


def compact_iri(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def _literal(value: Literal, definition: Any) -> Any:
    declared = definition.get("@type") if isinstance(definition, dict) else None
    if value.language:
        return {"@value": str(value), "@language": value.language}
    dt = value.datatype
    if dt is None or dt == XSD.string:
        return str(value)
    if dt in _NATIVE and declared == compact_iri(str(dt)):
        try:
            return _NATIVE[dt](value.toPython())
        except (TypeError, ValueError):
            return str(value)
    if declared == compact_iri(str(dt)):
        return str(value)
    return {"@value": str(value), "@type": compact_iri(str(dt))}


class NodeBuilder:
    """Collects triples per subject and turns them into JSON-LD node objects."""

    def __init__(self) -> None:
        self.props: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        self.seen: set[tuple[str, str, str]] = set()

    def add(self, subject: str, predicate: URIRef, obj: Any, label: dict[str, Any] | None = None) -> None:
        key = (subject, str(predicate), obj.n3() if hasattr(obj, "n3") else str(obj))
        if key in self.seen:
            return
        self.seen.add(key)
        predicates, classes = _terms()
        if predicate == RDF.type:
            self.props[subject]["@type"].append(classes.get(str(obj), compact_iri(str(obj))))
            return
        term, definition = predicates.get(str(predicate), (compact_iri(str(predicate)), None))
        if isinstance(obj, URIRef | BNode):
            node: dict[str, Any] = {"@id": str(obj) if isinstance(obj, URIRef) else f"_:{obj}"}
            node.update({k: v for k, v in (label or {}).items() if v is not None})
            value: Any = node
        else:
            value = _literal(obj, definition)
        self.props[subject][term].append(value)

    def node(self, subject: str) -> dict[str, Any]:
        out: dict[str, Any] = {"@id": subject}
        for key, values in sorted(self.props.get(subject, {}).items(), key=lambda kv: (kv[0] != "@type", kv[0])):
            if key == "@type":
                values = sorted(set(values))
            out[key] = values if (key in MANY or len(values) > 1) else values[0]
        return out


def _label(row: Any, **names: str) -> dict[str, Any]:
    """Plain values of the named columns of ``row`` (JSON key -> column)."""
    out: dict[str, Any] = {}
    for key, col in names.items():
        term = row[col]
        if term is not None:
            out[key] = term.toPython() if isinstance(term, Literal) else str(term)
            if not isinstance(out[key], int | float | str | bool):
                out[key] = str(term)
    return out


def entity(store: GraphStore, iri: str) -> dict[str, Any]:
    """The JSON-LD node of ``iri`` with its linked entities; NotFoundError when the graph has none."""
    import pyoxigraph as ox

    try:
        ox.NamedNode(iri)
    except ValueError as e:
        raise NotFoundError(f"Nothing in the graph is called <{iri}>: it is not a valid IRI.",
                            hint="Check the address, or find the entity with /search or /documents.") from e
    s = URIRef(iri)
    builder = NodeBuilder()
    for row in store.query(internal_query("entity-properties"), bindings={"s": s}):
        label = _label(row, title="oTitle", prefLabel="oLabel", path="oPath", order="oOrder")
        builder.add(iri, row.p, row.o, label)
    if iri not in builder.props:
        raise NotFoundError(f"Nothing in the graph is called <{iri}>.",
                            hint="Check the address, or find the entity with /search or /documents.")
    node = {"@context": jsonld_context(), **builder.node(iri)}
    _order_list(node, "hasPart")
    types = set(node.get("@type", []))
    if types & {"Provision", "Document", "Task"}:
        _add_facts(store, s, node)
    if types & {"Provision", "Task", "Action", "Document"}:
        _add_alignments(store, s, node)
    if "Document" in types:
        node["hasPart"] = document_tree(store, s)
    if "Organization" in types:
        _add_mentions(store, s, node)
    return node


def _order_list(node: dict[str, Any], key: str) -> None:
    if isinstance(node.get(key), list):
        node[key].sort(key=lambda n: (n.get("order", 0), n.get("@id", "")))


def _add_facts(store: GraphStore, s: URIRef, node: dict[str, Any]) -> None:
    """Actions and targets (replacing the bare IRIs), agency mentions and citations."""
    facts = NodeBuilder()
    for row in store.query(internal_query("entity-facts"), bindings={"s": s}):
        label = {"prefLabel": str(row.oLabel)} if row.oLabel is not None else None
        if str(row.p) == str(PREFIXES["prov"]) + "wasDerivedFrom" or str(row.p).endswith("#document"):
            continue  # the entity itself (and its document): already the context of the node
        facts.add(str(row.f), row.p, row.o, label)
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in sorted(facts.props, key=_natural):
        n = facts.node(f)
        for t in n.get("@type", []):
            by_type[t].append(n)
    if by_type.get("Action"):
        node["hasAction"] = by_type["Action"]
    if by_type.get("Target"):
        node["hasTarget"] = by_type["Target"]
    if by_type.get("AgencyMention"):
        node["agencyRoles"] = by_type["AgencyMention"]
    if by_type.get("Citation"):
        node["citations"] = by_type["Citation"]


def _natural(iri: str) -> tuple[str, int]:
    head, _, tail = iri.rpartition("/")
    return (head, int(tail)) if tail.isdigit() else (iri, 0)


def _add_alignments(store: GraphStore, s: URIRef, node: dict[str, Any]) -> None:
    outgoing, incoming = [], []
    for row in store.query(internal_query("entity-alignments"), bindings={"s": s}):
        other = {"@id": str(row.other),
                 **_label(row, path="otherPath", title="otherHeading", label="otherLabel", text="otherText"),
                 "document": {"@id": str(row.otherDoc), **_label(row, identifier="otherDocId",
                                                                  title="otherDocTitle")}}
        if row.otherRegion is not None:
            other["document"]["jurisdiction"] = {"prefLabel": str(row.otherRegion)}
        al = {"@id": str(row.al), "@type": "Alignment",
              **_label(row, score="score", rank="rank", model="model", evidence="evidence"),
              "method": {"@id": f"{PREFIXES['pkgs']}method/{row.method}", "notation": str(row.method)},
              "generatedAtTime": str(row.generated)}
        if row.direction.toPython() == "national":
            al["national"] = other
            outgoing.append(al)
        else:
            al["local"] = other
            incoming.append(al)
    if outgoing:
        node["alignments"] = outgoing
    if incoming:
        node["implementedBy"] = incoming


def _add_mentions(store: GraphStore, s: URIRef, node: dict[str, Any]) -> None:
    mentions = []
    for row in store.query(internal_query("entity-mentions"), bindings={"s": s}):
        source = {"@id": str(row.source), **_label(row, path="sourcePath", title="sourceTitle")}
        mentions.append({
            "@id": str(row.m), "@type": "AgencyMention",
            "role": {"@id": str(row.role), **_label(row, prefLabel="roleLabel")},
            "mention": str(row.mention),
            "derivedFrom": source,
            "document": {"@id": str(row.doc), **_label(row, title="docTitle")},
        })
    if mentions:
        node["mentionedAs"] = mentions


def document_tree(store: GraphStore, doc: URIRef) -> list[dict[str, Any]]:
    """The provisions of ``doc`` nested by ``hasPart``, each with its targets and agency roles."""
    facts = NodeBuilder()
    source_of: dict[str, str] = {}
    for row in store.query(internal_query("document-facts"), bindings={"doc": doc}):
        p = str(row.p)
        if p.endswith("#wasDerivedFrom") or p.endswith("#document"):
            source_of[str(row.f)] = str(row.source)
            continue
        label = {"prefLabel": str(row.oLabel)} if row.oLabel is not None else None
        facts.add(str(row.f), row.p, row.o, label)
    by_source: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for f in sorted(facts.props, key=_natural):
        n = facts.node(f)
        key = "hasTarget" if "Target" in n.get("@type", []) else "agencyRoles"
        by_source[source_of.get(f, "")][key].append(n)

    nodes: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for row in store.query(internal_query("document-tree"), bindings={"doc": doc}):
        iri = str(row.p)
        n: dict[str, Any] = {"@id": iri, "@type": ["Provision", "Task"] if row.isTask.toPython() else ["Provision"],
                             **_label(row, path="path", order="order", number="number", title="title", text="text")}
        n.update(by_source.get(iri, {}))
        nodes[iri] = n
        parent = nodes.get(str(row.parent))
        if parent is not None:
            parent.setdefault("hasPart", []).append(n)
        else:
            roots.append(n)
    return roots
