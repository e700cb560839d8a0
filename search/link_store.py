"""The links graphs as stored: what they were computed from, and which of them a re-link rewrites.

Linking computes every link of the store in one batched pass (``search.linking``: one matrix
product per retriever, ~10 s for the 1,118 local provisions of the real corpus). It cannot
compute only the local provisions a change "touches" and stay equal to a full link: BM25's
statistics (document count, average length, document frequencies) are corpus-wide, so adding
any document moves every lexical score a little, and with it every second-stage probability.
What is incremental is everything around that pass:

* ``link_state`` hashes what links derive from (every document graph's content hash, the
  ontology, the linking models). ``policykg link`` with the state unchanged writes nothing.
* Each local document's links are one named graph (``Iris.document_links_graph``). A re-link
  compares each computed graph with the stored one and rewrites only those whose links changed:
  a link added, dropped, re-ranked, (un)asserted or with other evidence, or a score moved by more
  than ``SCORE_TOLERANCE``. Graphs of documents no longer linked (removed, or now a copy of
  another) are dropped. Measured on the real corpus: re-adding one provincial document (a
  candidate of no one) changed the links of 9 of the 28 other local documents, 4 of them in
  their candidates or ranks (BM25 rank flips), 5 in one score each by 0.005-0.04; 19 kept theirs.

So the stored links equal those of a full link (``--full``) except for scores that moved by less
than ``SCORE_TOLERANCE`` and the ``prov:generatedAtTime`` of links that did not change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

import pyoxigraph as ox
from rdflib.namespace import PROV, XSD

from graph.build import Triple
from graph.store import GraphStore
from graph.terms import OxTerm, to_ox
from ontology.namespaces import PKG
from search.from_graph import index_token
from search.model import MODELS_PATH

LINKS_FORMAT = "links-1"  # bump when linking changes what it writes for the same store and models
SCORE_TOLERANCE = 0.005
_NUMERIC = {str(XSD.double), str(XSD.float), str(XSD.decimal), str(XSD.integer)}
_SCORE, _GENERATED = ox.NamedNode(str(PKG.score)), ox.NamedNode(str(PROV.generatedAtTime))

Key = tuple[object, object, object]


def link_state(store: GraphStore) -> str:
    """What the links derive from, hashed: changes when a document is added, changed or removed,
    the ontology is reloaded or the linking models are refitted (two small reads of the meta graph)."""
    h = hashlib.sha256(index_token(store.content_versions(), store.ontology_version()).encode())
    h.update(MODELS_PATH.read_bytes())
    return f"{LINKS_FORMAT}-{h.hexdigest()[:16]}"


def _value(term: OxTerm) -> object:
    """A term as compared: a number by its value (a store may write 0.5 as 5.0E-1)."""
    if isinstance(term, ox.Literal) and term.datatype.value in _NUMERIC:
        return (term.datatype.value, float(term.value))
    return term


def _material(triples: Iterable[tuple[OxTerm, OxTerm, OxTerm]]) -> tuple[set[Key], dict[object, float]]:
    """The triples that say what a link is (its time left out), and the scores apart."""
    fixed: set[Key] = set()
    scores: dict[object, float] = {}
    for s, p, o in triples:
        if p == _GENERATED:
            continue
        if p == _SCORE and isinstance(o, ox.Literal):
            scores[s] = float(o.value)
        else:
            fixed.add((s, p, _value(o)))
    return fixed, scores


def same_links(stored: Iterable[ox.Quad], computed: Iterable[Triple]) -> bool:
    """The stored graph says what ``computed`` says, scores within ``SCORE_TOLERANCE``."""
    old_fixed, old_scores = _material((q.subject, q.predicate, q.object) for q in stored)
    new_fixed, new_scores = _material((to_ox(s), to_ox(p), to_ox(o)) for s, p, o in computed)
    return (old_fixed == new_fixed and old_scores.keys() == new_scores.keys()
            and all(abs(old_scores[n] - v) <= SCORE_TOLERANCE for n, v in new_scores.items()))


def changes(store: GraphStore, graphs: Mapping[str, list[Triple]], *, full: bool
            ) -> tuple[dict[str, list[Triple]], list[str]]:
    """The links graphs to write and those to drop: with ``full`` every computed graph, else only
    those that differ from the stored ones (``same_links``)."""
    stored = set(store.links_graphs())
    def differs(graph: str, triples: list[Triple]) -> bool:
        if graph not in stored:
            return bool(triples)
        return not triples or not same_links(store.backend.quads(graph), triples)

    write = {g: t for g, t in graphs.items() if full or differs(g, t)}
    drop = sorted(g for g in stored if g not in graphs)
    return write, drop

