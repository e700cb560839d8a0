"""Term conversion between rdflib (what callers see) and pyoxigraph (what stores and serializers
take), in one place for every backend.

Remote servers differ from Oxigraph in how they write a few terms; ``canonical`` brings those back
to RDF 1.1 so both stores give the same answers: ``"x"^^xsd:string`` is the simple literal ``"x"``,
Virtuoso's booleans ``1``/``0`` are ``true``/``false``, and a server's blank-node label
(``nodeID://b1``) becomes a valid local label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.query import Result
from rdflib.term import Node

Triple = tuple[Node, Node, Node]
OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
_OX_BOOLEAN = ox.NamedNode(str(XSD.boolean))
_LABEL = re.compile(r"\W")


def to_ox(term: Node) -> OxTerm:
    """The pyoxigraph term for an rdflib one; ``ValueError`` for a term Oxigraph cannot hold."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"cannot store {term!r}")


def from_ox(term: OxTerm) -> Node:
    """The rdflib term for a pyoxigraph one (a literal keeps its datatype, ``xsd:string`` included)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def ox_triples(triples: Iterable[Triple]) -> list[ox.Triple]:
    return [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in triples]


def n_triples(triples: Iterable[Triple]) -> str:
    """``triples`` as N-Triples text (the body of an ``INSERT DATA`` block)."""
    return ox.serialize(ox_triples(triples), format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


def result_from_ox(raw: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> Result:
    """An rdflib ``Result`` for Oxigraph's answer; each distinct term is converted once."""
    cache: dict[object, Node] = {}

    def conv(term: OxTerm) -> Node:
        node = cache.get(term)
        if node is None:
            node = cache[term] = from_ox(term)
        return node

    if isinstance(raw, ox.QueryBoolean):
        out = Result("ASK")
        out.askAnswer = bool(raw)
    elif isinstance(raw, ox.QuerySolutions):
        out = Result("SELECT")
        out.vars = [Variable(v.value) for v in raw.variables]
        out.bindings = [{v: conv(t) for v, t in zip(out.vars, row, strict=True) if t is not None} for row in raw]
    else:
        out = Result("CONSTRUCT")
        out.graph = Graph()
        for t in raw:
            out.graph.add((conv(t.subject), conv(t.predicate), conv(t.object)))
    return out


def canonical(term: Node) -> Node:
    """``term`` as RDF 1.1 writes it (see the module text for what a server may write otherwise)."""
    if isinstance(term, Literal) and term.datatype is not None:
        if term.datatype == XSD.string:
            return Literal(str(term))
        if term.datatype == XSD.boolean and str(term) in ("1", "0"):
            return Literal("true" if str(term) == "1" else "false", datatype=XSD.boolean)
    elif isinstance(term, BNode):
        return BNode(_LABEL.sub("_", str(term)))
    return term


def canonical_ox(term: OxTerm) -> OxTerm:
    """``canonical`` for a pyoxigraph term, keeping the lexical form (rdflib would normalize it)."""
    if isinstance(term, ox.Literal) and term.datatype == _OX_BOOLEAN and term.value in ("1", "0"):
        return ox.Literal("true" if term.value == "1" else "false", datatype=_OX_BOOLEAN)
    if isinstance(term, ox.BlankNode):
        return ox.BlankNode(_LABEL.sub("_", term.value))
    return term


def canonical_result(result: Result) -> Result:
    """``result`` (parsed from a server's SPARQL JSON answer) with every term made ``canonical``."""
    if result.type == "SELECT":
        result.bindings = [{v: canonical(t) for v, t in row.items()} for row in result.bindings]
    return result
