"""Second stage for provision links: rescore the hybrid top-k with more than one signal.

Rank fusion alone puts a shared 指导思想 or 保障措施 paragraph, or a topical neighbour from an
unrelated national plan, at rank 1 for many local provisions. The second stage scores each
(local provision, candidate) pair with a logistic model (``search.model``) over:

- both retrievers' ranks and scores, and the fused rank;
- the margin of the candidate's dense score over the best other candidate's;
- how strongly the candidate's *document* is the local document's parent (share of its
  provisions matching that document best, rank mass, an explicit citation of it);
- the date order of the two documents;
- a boilerplate penalty: headings such as 指导思想, 基本原则, 保障措施 that every opinion shares;
- the query terms found in the candidate (shared agencies, targets, actions show up here);
- against the candidate's *siblings* (the other candidates of its document, near ties for rank
  fusion): the words only it shares with the query, its dense margin, and how much more of the
  local provision's head (a task's heading) its own heading repeats, and its BM25 rank among them;
- the candidate document's title named in the local text (落实国家推动传统产业转型升级要求);
- general sections of one kind (指导思想 / 基本原则 / 目标; 总体要求 holds all three) on both sides.

``rank_key`` orders the candidates: inside a document already asserted as the local document's
parent (``search.doclinks``) first, a chain step issued after the local document last, a local
general section's parent's general section first, then by probability. Linking asserts
``eli:implements`` only for the best candidate above the model's cut, and only inside such a parent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from search.doclinks import (
    LEVEL_RANK,
    WEAK_GRAMS,
    DocPair,
    Probe,
    general_kinds,
    is_boilerplate,
    order,
    title_share,
)
from search.hybrid import Hit
from search.model import Model

PROVISION_FEATURES = [
    "inv_rank", "inv_dense_rank", "inv_lexical_rank", "dense_score", "lexical_share", "dense_margin",
    "doc_top1_share", "doc_rank_mass", "doc_cited", "doc_later", "doc_best", "boilerplate", "local_boilerplate",
    "boilerplate_both", "matched", "heading_overlap", "sibling_distinct", "sibling_dense_margin", "title_named",
    "general_both", "head_sibling_margin", "sibling_lexical_rank",
]


_BOTH = PROVISION_FEATURES.index("boilerplate_both")
_LATER = PROVISION_FEATURES.index("doc_later")
_GENERAL = PROVISION_FEATURES.index("general_both")
_DOC_BEST = PROVISION_FEATURES.index("doc_best")


@dataclass
class Scored:
    """One candidate of a probe, with its second-stage probability."""

    hit: Hit
    features: list[float]
    prob: float = 0.0


def candidate_rows(p: Probe, pairs: Mapping[tuple[str, str], DocPair]) -> list[list[float]]:
    """The feature rows of a probe's candidates, in the probe's order."""
    if not p.hits:
        return []
    q = p.query
    best_lex = max((h.lexical_score or 0.0) for h in p.hits) or 1.0
    dense = [h.dense_score or 0.0 for h in p.hits]
    q_boiler = float(is_boilerplate(None, q.text))
    q_general = general_kinds(None, q.text)
    heads = [_head_match(q.text, h.unit.heading or h.unit.text[:40]) for h in p.hits]
    distinct = _sibling_distinct(p.hits)
    shares = {h.unit.doc_id: pairs[(q.doc_id, h.unit.doc_id)].features["top1_share"]
              for h in p.hits if (q.doc_id, h.unit.doc_id) in pairs}
    best_share = max(shares.values(), default=0.0)
    rows = []
    for i, h in enumerate(p.hits):
        others = max((d for j, d in enumerate(dense) if j != i), default=dense[i])
        pair = pairs.get((q.doc_id, h.unit.doc_id))
        f = pair.features if pair else {}
        rows.append([
            1.0 / h.rank,
            1.0 / h.dense_rank if h.dense_rank else 0.0,
            1.0 / h.lexical_rank if h.lexical_rank else 0.0,
            dense[i],
            (h.lexical_score or 0.0) / best_lex,
            dense[i] - others,
            f.get("top1_share", 0.0),
            f.get("rank_mass", 0.0),
            f.get("cites", 0.0),
            f.get("later", 0.0),
            float(best_share > 0 and shares.get(h.unit.doc_id, 0.0) == best_share),
            boiler := float(is_boilerplate(h.unit.heading, h.unit.text)),
            q_boiler,
            boiler * q_boiler,
            min(len(h.matched), 30) / 30,
            _overlap(h.unit.heading or h.unit.text[:40], q.text),
            distinct[i],
            dense[i] - max((d for j, d in enumerate(dense) if j != i and p.hits[j].unit.doc_id == h.unit.doc_id),
                           default=dense[i]),
            title_share(h.unit.doc_title, q.text),
            float(bool(q_general & general_kinds(h.unit.heading, h.unit.text))),
            heads[i] - max((m for j, m in enumerate(heads) if j != i and p.hits[j].unit.doc_id == h.unit.doc_id),
                           default=heads[i]),
            _sibling_lexical_rank(p.hits, i),
        ])
    return rows


def assertable(row: Sequence[float]) -> bool:
    """Whether a candidate may be stated as ``eli:implements`` at all: never a boilerplate section
    matched to a boilerplate section (指导思想 ↔ 指导思想): every opinion has one, so their likeness
    says the two texts are opinions, not that one carries the other out. It may still rank first."""
    return not row[_BOTH]


def late_step(hit: Hit, row: Sequence[float]) -> bool:
    """A candidate that is a step of a chain (a provincial provision for a city's) issued after the
    local document: the city could not have carried it out, so it is no step of the chain (a
    2020 city plan beside a 2024 provincial one is a topical neighbour). National candidates keep
    the model's soft date feature: a later national text often restates a continuing policy line."""
    return LEVEL_RANK.get(hit.unit.level, 0) > 0 and bool(row[_LATER])


def parent_general(hit: Hit, row: Sequence[float], parent: set[str]) -> bool:
    """A general section (指导思想, 总体要求…) answering a local general section, inside the local
    document's parent (``parent``: the asserted ones, or else the first at document level). Every
    plan has such a section, so a general section carries out its parent's, not whichever
    national one shares most of the stock phrases."""
    return bool(row[_GENERAL]) and hit.unit.doc_id in parent


def rank_key(hit: Hit, row: Sequence[float], prob: float, mine: set[str],
             lead: str | None = None) -> tuple[bool, bool, bool, float, int]:
    """Order of a probe's candidates: inside an asserted parent document (``mine``) first, a chain
    step that came after the local document last (``late_step``), the parent's general section
    first for a general section (``parent_general``; ``lead``: the first candidate parent at
    document level, used when none is asserted), then by the second-stage probability."""
    parent = mine or ({lead} if lead else set())
    return hit.unit.doc_id not in mine, late_step(hit, row), not parent_general(hit, row, parent), -prob, hit.rank


def _sibling_distinct(hits: Sequence[Hit]) -> list[float]:
    """How much of each candidate's match is its own among the candidates of the same document,
    as a share of the best: the query words that few siblings share (品牌 in one task of a notice,
    纺织 in all) weigh most. Rank fusion sees the siblings as near ties; a local task usually
    repeats the words that set its national counterpart apart from the other tasks."""
    by_doc: dict[str, list[set[str]]] = {}
    words = [set(h.matched) for h in hits]
    for h, w in zip(hits, words, strict=True):
        by_doc.setdefault(h.unit.doc_id, []).append(w)
    out = []
    for h, w in zip(hits, words, strict=True):
        siblings = by_doc[h.unit.doc_id]
        n = len(siblings)
        out.append(sum(math.log(1 + n / sum(t in s for s in siblings)) * len(t) for t in w))
    best = max(out, default=0.0) or 1.0
    return [v / best for v in out]


def _sibling_lexical_rank(hits: Sequence[Hit], i: int) -> float:
    """1 / the BM25 rank of ``hits[i]`` among the candidates of its own document (ties share the
    better rank; a candidate BM25 did not find ranks after those it found). The lexical counterpart of the sibling dense margin: BM25 often tells sibling
    tasks apart (品牌 in one task of a notice, 纺织 in all) where the dense scores lie within 0.002
    of each other, and a rank, unlike a score, does not move when a re-embedding nudges them."""
    mine = hits[i].lexical_score or 0.0
    doc = hits[i].unit.doc_id
    return 1.0 / (1 + sum((h.lexical_score or 0.0) > mine for h in hits if h.unit.doc_id == doc))


def _head_match(query: str, heading: str) -> float:
    """Share of the local provision's head (its first sentence: the heading of a task, or the whole
    clause) found in the candidate's heading, by character bigrams: 加速工业数据高质量汇聚 ~
    推动工业数据高质量汇聚. A local plan often restates its parent's task headings; the body of a long
    task, measured by ``_overlap``, dilutes that. Used against the candidate's siblings: alone it
    adds nothing to ``_overlap`` (out of fold), as a margin it tells the restated task from its
    neighbours."""
    head = re.split(r"[。；]", query.strip(), maxsplit=1)[0][:40]
    grams = {head[i : i + 2] for i in range(len(head) - 1)} - WEAK_GRAMS
    return sum(g in heading for g in grams) / len(grams) if grams else 0.0


def _overlap(heading: str, text: str) -> float:
    """Share of the candidate heading's character bigrams found in the query (品牌建设 ~ 培育品牌)."""
    grams = {heading[i : i + 2] for i in range(len(heading) - 1)} - {"推动", "加快", "推进", "加强", "促进", "发展"}
    return sum(g in text for g in grams) / len(grams) if grams else 0.0


def rerank(probes: Sequence[Probe], pairs: Sequence[DocPair], model: Model,
           parents: Mapping[str, set[str]] | None = None) -> list[list[Scored]]:
    """Every probe's candidates, best first (``rank_key``; ``parents``: local document id -> the
    parent ids asserted at document level)."""
    by_pair = {(pr.local, pr.parent): pr for pr in pairs}
    lead = leading(pairs)
    out = []
    for p in probes:
        rows = candidate_rows(p, by_pair)
        scored = [Scored(h, r, float(pb)) for h, r, pb in zip(p.hits, rows, model.prob(rows), strict=True)]
        mine = (parents or {}).get(p.query.doc_id, set())
        first = lead.get(p.query.doc_id)
        out.append(sorted(scored, key=lambda s: rank_key(s.hit, s.features, s.prob, mine, first)))
    return out


def leading(pairs: Sequence[DocPair]) -> dict[str, str]:
    """Local document id -> its first candidate parent at document level (``search.doclinks.order``
    over the pairs' probabilities)."""
    best: dict[str, DocPair] = {}
    for pr in pairs:
        if pr.local not in best or order(pr.features, pr.prob) < order(best[pr.local].features, best[pr.local].prob):
            best[pr.local] = pr
    return {d: pr.parent for d, pr in best.items()}


def matrix(rows: Sequence[Sequence[float]]) -> np.ndarray:
    return np.asarray(rows, dtype=float).reshape(len(rows), len(PROVISION_FEATURES))
