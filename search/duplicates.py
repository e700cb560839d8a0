"""Copies and editions of one document, found by MinHash over character shingles.

Real collections hold the same document several times (a ministry page, a law database, a
province's repost; one copy cut short or missing its preamble) and several editions of one
guideline (2015, 2018, 2021 版; a 征求意见稿 and the issued text). Both are found from the text
alone, so they work on any corpus:

- **copies**: estimated Jaccard of 5-character shingles >= ``COPY_JACCARD``, or one text inside
  the other (containment >= ``COPY_CONTAINMENT``, for a copy cut short or missing its preamble;
  on the real corpus copies score 0.97-1.0, the closest editions 0.70-0.74). A copy
  group is one work: the longest text is kept as canonical, the others are ``prov:alternateOf``
  it, and linking, search and evaluation count the group once.
- **editions**: a large share of the text in common (``EDITION_JACCARD``) but not a copy. They
  are different documents; in date order each later one ``dcterms:replaces`` the one before.

LSH (``datasketch.MinHashLSH``) finds the candidate pairs without comparing every pair, so this
scales to large collections; only candidate pairs are scored.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from graph.build import Triple
from graph.iris import Iris
from graph.queries import internal_query
from graph.store import GraphStore
from ontology.namespaces import PKG
from search.unit_cache import text_key

if TYPE_CHECKING:
    from datasketch import MinHash

SHINGLE = 5
NUM_PERM = 128
COPY_JACCARD = 0.9
COPY_CONTAINMENT = 0.95
EDITION_JACCARD = 0.25
SCHEME = "affine32"  # datasketch's permutation scheme: kept signatures are rebuilt with it
SIGNATURES = f"minhash-{SCHEME}-{NUM_PERM}-{SHINGLE}.npz"  # the file name ``save_signatures`` is given
MIN_SHINGLES = 40  # shorter texts (a title, a news line) are compared only when byte-identical
_DROP = re.compile(r"[\s\W_]+")


@dataclass(frozen=True)
class Text:
    """A document's words as duplicate detection sees them."""

    doc_id: str
    iri: str
    text: str
    date: str | None = None


@dataclass
class Group:
    kind: str  # copies | editions
    members: list[str]  # copies: canonical first; editions: oldest first
    similarity: float  # the lowest estimated Jaccard of a joining pair
    why: str

    @property
    def canonical(self) -> str:
        return self.members[0]


@dataclass
class Duplicates:
    groups: list[Group] = field(default_factory=list)

    def canonical(self) -> dict[str, str]:
        """Each copy's document id -> the id of the copy kept (canonical ids map to themselves)."""
        return {m: g.canonical for g in self.groups if g.kind == "copies" for m in g.members}

    def copies(self) -> list[Group]:
        return [g for g in self.groups if g.kind == "copies"]

    def editions(self) -> list[Group]:
        return [g for g in self.groups if g.kind == "editions"]


def _shingles(text: str) -> set[str]:
    flat = _DROP.sub("", text)
    return {flat[i : i + SHINGLE] for i in range(max(1, len(flat) - SHINGLE + 1))}


def _minhash(shingles: set[str]) -> MinHash:
    from datasketch import MinHash  # here, not at import: it pulls scipy.optimize (0.3 s) into every search

    m = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)
    m.update_batch([s.encode("utf-8") for s in shingles])
    return m


Signature = tuple[int, np.ndarray]
"""A text's shingle count and MinHash values: what ``find_duplicates`` needs of it, kept by text hash."""


def load_signatures(path: Path) -> dict[str, Signature]:
    """Signatures saved by ``save_signatures`` (none when the file is missing or unreadable)."""
    try:
        with np.load(path) as f:
            return {k: (int(n), v) for k, n, v in zip(f["keys"].tolist(), f["counts"], f["values"], strict=True)}
    except (OSError, ValueError, KeyError):
        return {}


def save_signatures(path: Path, signatures: Mapping[str, Signature]) -> None:
    """Write ``signatures`` whole (temporary file, then rename): hashing the shingles was 2.7 s of each link."""
    keys = sorted(signatures)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, keys=np.array(keys), counts=np.array([signatures[k][0] for k in keys], np.int64),
             values=np.array([signatures[k][1] for k in keys]).reshape(len(keys), NUM_PERM))
    os.replace(tmp, path)


def find_duplicates(texts: Iterable[Text], *, signatures: MutableMapping[str, Signature] | None = None) -> Duplicates:
    """Copy groups and edition series among ``texts``; ``signatures`` (by ``text_key``) are used
    and completed, so an unchanged text is not shingled and hashed again."""
    from datasketch import MinHash, MinHashLSH

    items = [t for t in texts if t.text.strip()]
    known = signatures if signatures is not None else {}
    for t in items:
        key = text_key(t.text)
        if key not in known:
            s = _shingles(t.text)
            known[key] = (len(s), _minhash(s).hashvalues)
    sizes = {t.doc_id: known[text_key(t.text)][0] for t in items}
    hashes = {t.doc_id: MinHash(seed=1, hashvalues=known[text_key(t.text)][1], scheme=SCHEME) for t in items}
    by_id = {t.doc_id: t for t in items}
    lsh = MinHashLSH(threshold=EDITION_JACCARD, num_perm=NUM_PERM)
    for d, h in hashes.items():
        lsh.insert(d, h)
    copy_pairs: dict[tuple[str, str], float] = {}
    edition_pairs: dict[tuple[str, str], float] = {}
    for d, h in hashes.items():
        for other in lsh.query(h):
            if other <= d:
                continue
            a, b = sizes[d], sizes[other]
            if min(a, b) < MIN_SHINGLES and _shingles(by_id[d].text) != _shingles(by_id[other].text):
                continue
            j = h.jaccard(hashes[other])
            inter = j * (a + b) / (1 + j)
            containment = inter / max(1, min(a, b))
            if j >= COPY_JACCARD or containment >= COPY_CONTAINMENT:
                copy_pairs[(d, other)] = j
            elif j >= EDITION_JACCARD:
                edition_pairs[(d, other)] = j
    out = Duplicates()
    copy_of: dict[str, str] = {}
    for members, sim in _components(copy_pairs):
        ordered = sorted(members, key=lambda m: (-sizes[m], m))
        out.groups.append(Group("copies", ordered, sim, f"MinHash: {len(members)} texts share >= {sim:.0%} "
                                f"of their {SHINGLE}-character shingles"))
        copy_of.update(dict.fromkeys(members, ordered[0]))
    # editions between works: a copy stands for its group
    work_pairs = {}
    for (a, b), j in edition_pairs.items():
        wa, wb = copy_of.get(a, a), copy_of.get(b, b)
        if wa != wb:
            key = (min(wa, wb), max(wa, wb))
            work_pairs[key] = max(j, work_pairs.get(key, 0.0))
    for members, sim in _components(work_pairs):
        ordered = sorted(members, key=lambda m: (by_id[m].date or "9999", m))
        out.groups.append(Group("editions", ordered, sim, f"MinHash: editions sharing >= {sim:.0%} of their text"))
    out.groups.sort(key=lambda g: (g.kind, g.members))
    return out


def _components(pairs: Mapping[tuple[str, str], float]) -> list[tuple[list[str], float]]:
    """Connected components of the pair graph, each with its lowest pair similarity."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for x in list(parent):
        groups.setdefault(find(x), []).append(x)
    out = []
    for members in groups.values():
        sims = [s for (a, b), s in pairs.items() if a in members and b in members]
        out.append((sorted(members), min(sims)))
    return out


def duplicate_triples(dups: Duplicates, iris_of: Mapping[str, str], *, iris: Iris) -> list[Triple]:
    """Links-graph triples: a ``pkg:CopyGroup`` node per copy group (canonical, members, similarity,
    why), ``prov:alternateOf`` from each copy to the canonical one, ``dcterms:replaces`` along
    each edition series (later -> earlier)."""
    out: list[Triple] = []
    for g in dups.groups:
        docs = [URIRef(iris_of[m]) for m in g.members]
        if g.kind == "copies":
            node = iris.fact(docs[0], "copies", 1)
            out += [(node, RDF.type, PKG.CopyGroup), (node, PKG.canonical, docs[0]),
                    (node, PKG.similarity, Literal(round(g.similarity, 3), datatype=XSD.double)),
                    (node, DCTERMS.description, Literal(g.why))]
            for doc in docs:
                out.append((node, PKG.member, doc))
            out += [(doc, PROV.alternateOf, docs[0]) for doc in docs[1:]]
        else:
            out += [(later, DCTERMS.replaces, earlier) for earlier, later in itertools.pairwise(docs)]
    return out


def stored_copies(store: GraphStore) -> dict[str, str]:
    """Document id -> id of the copy kept, for every member of a copy group in the links graph
    (what search collapses hits with); empty before ``policykg link``."""
    return {str(row.memberId): str(row.canonicalId) for row in store.query(internal_query("copy-groups"))}
