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
dict feeds the JSON-LD response, the Turtle response (``to_rdf``, through pyld's toRdf) and the
HTML page.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from common.errors import NotFoundError
from graph.queries import internal_query
from graph.store import GraphStore
from graph.views import require_iri
from ontology.loader import context
from ontology.namespaces import PREFIXES

EXTRA_CONTEXT: dict[str, Any] = {
    "alignments": {"@reverse": "pkg:local"},
    "implementedBy": {"@reverse": "pkg:national"},
    "agencyRoles": {"@reverse": "prov:wasDerivedFrom"},
    "citations": {"@reverse": "prov:wasDerivedFrom"},
    "fieldEvidence": {"@reverse": "prov:wasDerivedFrom"},
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
def _compaction_context() -> dict[str, Any]:
    """The project context without ``"@type": "@id"`` coercions, so pyld keeps every linked node an
    object (``{"@id": ..., "title": ...}``) that can carry a label; still valid under the full context."""
    ctx: dict[str, Any] = {}
    for term, definition in context()["@context"].items():
        if isinstance(definition, dict) and definition.get("@type") == "@id":
            definition = {k: v for k, v in definition.items() if k != "@type"}
        ctx[term] = definition
    return {"@context": ctx}


_COMPACTION_CONTEXT_URL = "urn:policykg:entity-compaction-context"


def _load_compaction_context(url: str, _options: Any = None) -> dict[str, Any]:
    """pyld's document loader for the one context it is given by name: by name, pyld keeps the
    processed context between calls instead of hashing the whole context on each (~7 ms a call)."""
    if url != _COMPACTION_CONTEXT_URL:
        raise NotFoundError(f"No JSON-LD context at {url}: entities are compacted with the project context only.")
    return {"contextUrl": None, "documentUrl": url, "document": _compaction_context(), "tag": "static"}


def _value(term: Any) -> dict[str, Any]:
    """An RDF term as a JSON-LD value object; numbers and booleans native, so a term whose context
    type matches compacts to a plain JSON number or boolean."""
    if isinstance(term, URIRef):
        return {"@id": str(term)}
    if isinstance(term, BNode):
        return {"@id": f"_:{term}"}
    if term.language:
        return {"@value": str(term), "@language": term.language}
    dt = term.datatype
    if dt is None or dt == XSD.string:
        return {"@value": str(term)}
    if dt in _NATIVE:
        native = term.toPython()
        if isinstance(native, _NATIVE[dt]) or (dt == XSD.double and isinstance(native, int)):
            return {"@value": _NATIVE[dt](native), "@type": str(dt)}
    return {"@value": str(term), "@type": str(dt)}


class NodeBuilder:
    """Collects triples per subject; ``nodes()`` compacts them with the project context."""

    def __init__(self) -> None:
        self.props: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        self.seen: set[tuple[str, str, Node]] = set()

    def add(self, subject: str, predicate: URIRef, obj: Any, label: dict[str, Any] | None = None) -> None:
        """One triple; ``label`` (context term -> RDF term) is embedded in a linked node."""
        key = (subject, str(predicate), obj)
        if key in self.seen:
            return
        self.seen.add(key)
        if predicate == RDF.type:
            self.props[subject]["@type"].append(str(obj))
            return
        value = _value(obj)
        if "@id" in value:  # labels are plain values (no language tag): names to show next to a link
            value.update({_term_iri(term): [_value(Literal(str(t)) if isinstance(t, Literal) and t.language else t)]
                          for term, t in (label or {}).items() if t is not None})
        self.props[subject][str(predicate)].append(value)

    def nodes(self) -> dict[str, dict[str, Any]]:
        """Every collected subject as a compact JSON-LD node object, by subject."""
        shaped = (_shape(_compact_node({"@id": s, **props})) for s, props in self.props.items())
        return {n["@id"]: n for n in shaped}

    def node(self, subject: str) -> dict[str, Any]:
        return self.nodes()[subject]


def compact_with_pyld(expanded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Expanded node objects compacted by pyld with the entity compaction context (arrays kept)."""
    from pyld import jsonld

    if not expanded:
        return []
    compacted = jsonld.compact(expanded, _COMPACTION_CONTEXT_URL, {
        "compactArrays": False, "skipExpansion": True, "documentLoader": _load_compaction_context})
    return compacted["@graph"] if "@graph" in compacted else [
        {k: v for k, v in compacted.items() if k != "@context"}]


# Direct compaction. pyld compacting a whole document tree took ~400 ms for the few thousand values
# of the largest real document, re-deciding for every value which term and form it gets. Those
# decisions depend only on the value's shape (its property, and whether it is a node or a value of
# which datatype, language and JSON type), so pyld decides each shape once, on the first value of
# that shape, and the decision is applied to every value of it: the output is pyld's, key for key.

_PROBE = "urn:policykg:probe"


def _compact_node(node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"@id": node["@id"]}
    for prop, values in node.items():
        if prop == "@id":
            continue
        if prop == "@type":
            out["@type"] = [_type_term(t) for t in values]
            continue
        for value in values:
            key, form = _rule(prop, _shape_of(value))
            if form is None:  # a linked node: its labels compact by the same rules
                compact = _compact_node(value)
            elif form == "bare":
                compact = value["@value"]
            else:
                compact = {"@value": value["@value"], **dict(form)}
            out.setdefault(key, []).append(compact)
    return out


def _shape_of(value: dict[str, Any]) -> tuple[Any, ...]:
    if "@id" in value:
        return ("node",)
    return ("value", value.get("@type"), value.get("@language"), type(value["@value"]).__name__)


@cache
def _rule(prop: str, shape: tuple[Any, ...]) -> tuple[str, Any]:
    """The term pyld gives ``prop`` for a value of ``shape``, and the value's form: None for a node,
    ``"bare"`` for the plain JSON value, else the keys (compacted ``@type``, ``@language``) kept beside ``@value``."""
    if shape[0] == "node":
        sample: dict[str, Any] = {"@id": _PROBE + "/value"}
    else:
        _, dtype, language, kind = shape
        sample = {"@value": {"str": "x", "int": 1, "float": 1.5, "bool": True}[kind]}
        sample.update({k: v for k, v in (("@type", dtype), ("@language", language)) if v is not None})
    ((key, (compact,)),) = [(k, v) for k, v in compact_with_pyld([{"@id": _PROBE, prop: [sample]}])[0].items()
                            if k != "@id"]
    if shape[0] == "node":
        return key, None
    if not isinstance(compact, dict):
        return key, "bare"
    return key, tuple(sorted((k, v) for k, v in compact.items() if k != "@value"))


@cache
def _type_term(iri: str) -> str:
    """The term (``Provision``) or compact IRI pyld writes for a class IRI in ``@type``."""
    types = compact_with_pyld([{"@id": _PROBE, "@type": [iri]}])[0]["@type"]
    return types if isinstance(types, str) else types[0]


@cache
def _prefixes() -> dict[str, str]:
    return {k: v for k, v in context()["@context"].items() if isinstance(v, str) and v.endswith(("#", "/"))}


@cache
def _term_iri(term: str) -> str:
    """The IRI a context term (``title``) stands for (``http://purl.org/dc/terms/title``)."""
    definition = context()["@context"][term]
    return _full_iri(definition if isinstance(definition, str) else definition["@id"])


def _full_iri(iri: str) -> str:
    """pyld writes node ids as compact IRIs where a prefix fits; an entity's ids stay full IRIs."""
    prefix, sep, rest = iri.partition(":")
    return _prefixes()[prefix] + rest if sep and prefix in _prefixes() and not rest.startswith("//") else iri


def _shape(node: dict[str, Any]) -> dict[str, Any]:
    """Full IRIs as ids; lists only where a key can hold many values (``MANY``); ``@type`` sorted, first."""
    out: dict[str, Any] = {"@id": _full_iri(node["@id"])}
    for key, values in sorted(node.items(), key=lambda kv: (kv[0] != "@type", kv[0])):
        if key == "@id":
            continue
        if key == "@type":
            out[key] = sorted(set([values] if isinstance(values, str) else values))
            continue
        values = [_shape(v) if isinstance(v, dict) and "@id" in v else v for v in values]
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
    hint = "Check the address, or find the entity with /search or /documents."
    require_iri(iri, hint=hint)
    s = URIRef(iri)
    builder = NodeBuilder()
    for row in store.query(internal_query("entity-properties"), bindings={"s": s}):
        label = {"title": row.oTitle, "prefLabel": row.oLabel, "path": row.oPath, "order": row.oOrder}
        builder.add(iri, row.p, row.o, label)
    if iri not in builder.props:
        raise NotFoundError(f"Nothing in the graph is called <{iri}>.", hint=hint)
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
        if str(row.p) == str(PREFIXES["prov"]) + "wasDerivedFrom" or str(row.p).endswith("#document"):
            continue  # the entity itself (and its document): already the context of the node
        facts.add(str(row.f), row.p, row.o, {"prefLabel": row.oLabel})
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    nodes = facts.nodes()
    for f in sorted(nodes, key=_natural):
        n = nodes[f]
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
    if by_type.get("FieldEvidence"):
        node["fieldEvidence"] = by_type["FieldEvidence"]


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


_TREE_FACTS = {"Target": "hasTarget", "AgencyMention": "agencyRoles", "Citation": "citations"}
"""The facts of each provision in a document's tree, by type, and the key that holds them."""


def document_tree(store: GraphStore, doc: URIRef) -> list[dict[str, Any]]:
    """The provisions of ``doc`` nested by ``hasPart``, each with its targets, agency roles and
    citations (the page marks them in the text)."""
    facts = NodeBuilder()
    source_of: dict[str, str] = {}
    for row in store.query(internal_query("document-facts"), bindings={"doc": doc}):
        p = str(row.p)
        if p.endswith("#wasDerivedFrom") or p.endswith("#document"):
            source_of[str(row.f)] = str(row.source)
            continue
        facts.add(str(row.f), row.p, row.o, {"prefLabel": row.oLabel})
    by_source: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    nodes = facts.nodes()
    for f in sorted(nodes, key=_natural):
        n = nodes[f]
        key = next(k for t, k in _TREE_FACTS.items() if t in n.get("@type", []))
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


def to_rdf(node: dict[str, Any], fmt: str) -> bytes:
    """The triples of a JSON-LD node as Turtle (``ttl``) or N-Triples (``nt``): the JSON-LD is the one source."""
    import pyoxigraph as ox
    from pyld import jsonld

    nquads = jsonld.to_rdf(node, {"format": "application/n-quads"})
    triples = [q.triple for q in ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS)]
    if fmt == "nt":
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
