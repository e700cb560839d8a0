"""The links graphs as stored: what each was computed from, and which of them a re-link recomputes.

Each local document has two links graphs: what it implements (``Iris.document_links_graph``: the
document-level candidates and those of its provisions) and its provisions' best matches in other
provinces (``Iris.document_resembles_graph``). Beside each, the meta graph keeps its *inputs*
(``pkg:linkInputs``, ``link_inputs``), hashed:

* what it implements derives from the local document's own graph, the graphs of every document it
  may implement (national ones; for a city also its province's), the citations resolved for it, the
  copies among them, the linking models, the embedding model and the ontology;
* its resemblances from its own graph and those of every local document of another province.

``policykg link`` recomputes only the graphs whose inputs changed (``stale``): adding a provincial
plan relinks that plan and its province's cities, not every province; a national one relinks all.
Of the graphs recomputed it writes only those whose links changed (``changes``: a link added,
dropped, re-ranked, (un)asserted or with other evidence, or a score moved by more than
``SCORE_TOLERANCE``). The shared graph (citations resolved at link time, copy groups, editions) is
computed every time. ``link_state`` (every input at once) says whether anything at all changed.

What is not an input: BM25's corpus statistics (document count, average length, document
frequencies) and, for a city, the other provinces' provincial provisions that fill its candidate
list before the province filter. Any added document moves every lexical score a little, so a
graph kept may differ from what a full link (``--full``) would compute now. Measured on the real
corpus (session 7, re-adding a provincial document that is a candidate of no one): 9 of the other
28 local documents' links moved, 4 in their candidates or ranks (BM25 rank flips), 5 in one score
each by 0.005–0.04. Those are the links an incremental link keeps as they were.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping

import pyoxigraph as ox
from rdflib.namespace import PROV, XSD

from graph.build import Triple
from graph.store import GraphStore
from graph.terms import OxTerm, to_ox
from ontology.namespaces import PKG
from search.doclinks import parent_levels, province_of
from search.from_graph import index_token
from search.linking import LOCAL_LEVELS, LinkContext, linked_documents
from search.model import MODELS_PATH

LINKS_FORMAT = "links-2"  # bump when linking changes what it writes for the same store and models
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


def changes(store: GraphStore, graphs: Mapping[str, list[Triple]], *, full: bool, expected: Iterable[str]
            ) -> tuple[dict[str, list[Triple]], list[str]]:
    """The links graphs to write and those to drop: with ``full`` every computed graph, else only
    those that differ from the stored ones (``same_links``); dropped, every stored links graph a
    link no longer has (``expected``: the shared one and both of each linked local document; a
    removed document's, or a copy's)."""
    stored = set(store.links_graphs())
    def differs(graph: str, triples: list[Triple]) -> bool:
        if graph not in stored:
            return bool(triples)
        return not triples or not same_links(store.backend.quads(graph), triples)

    write = {g: t for g, t in graphs.items() if full or differs(g, t)}
    keep = {*expected, str(store.iris.links_graph)}
    drop = sorted(g for g in stored if g not in keep)
    return write, drop


def link_inputs(store: GraphStore, ctx: LinkContext, *, model: str) -> dict[str, str]:
    """Links graph IRI -> its inputs, hashed, for both links graphs of every local document a link
    now links (``search.linking.linked_documents``); the module docstring says what they are."""
    stored = store.content_versions()
    versions = {d.id: stored.get(str(store.iris.document_graph(d.id)), "") for d in ctx.stored}
    canonical, cites, docs = ctx.canonical, ctx.cites, ctx.docs
    base = [store.ontology_version(), hashlib.sha256(MODELS_PATH.read_bytes()).hexdigest(), model]
    linked = linked_documents(ctx)
    provinces = {province_of(docs[d].region) for d in linked}
    # the candidates of a level in a province (national ones: everywhere) and the local documents of
    # a province, digested once each, not once per local document (the same few pools for all of them)
    pools: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    local: dict[str, list[tuple[str, str]]] = {}
    for d in ctx.stored:
        where = "" if d.level == "national" else province_of(d.region)
        pools.setdefault((d.level, where), []).append((d.id, versions[d.id], canonical.get(d.id, d.id)))
        if d.level in LOCAL_LEVELS:
            local.setdefault(province_of(d.region), []).append((d.id, versions[d.id]))
    pool_digest = {key: _digest(sorted(members)) for key, members in pools.items()}
    local_digest = {province: _digest(sorted(members)) for province, members in local.items()}
    out: dict[str, str] = {}
    for doc_id in linked:
        me = docs[doc_id]
        mine = province_of(me.region)
        pool = [pool_digest.get((level, "" if level == "national" else mine), "") for level in parent_levels(me.level)]
        cited = sorted((d, words, versions.get(d, "")) for d, words in cites.get(doc_id, {}).items())
        out[str(store.iris.document_links_graph(doc_id))] = _digest(
            [*base, versions[doc_id], me.basis_elsewhere, pool, cited])
        others = sorted(digest for province, digest in local_digest.items() if province != mine)
        out[str(store.iris.document_resembles_graph(doc_id))] = _digest(
            [*base, versions[doc_id], others if len(provinces) > 1 else "one province"])
    return out


def _digest(parts: list[object]) -> str:
    return f"{LINKS_FORMAT}-{hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:16]}"


def stale(computed: Mapping[str, str], stored: Mapping[str, str], *, full: bool) -> set[str]:
    """The links graphs to recompute: those whose inputs are not the ones recorded (all with ``full``)."""
    return set(computed) if full else {g for g, key in computed.items() if stored.get(g) != key}
