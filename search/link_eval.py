"""Linking quality on gold: document level (which parents) and provision level (second stage).

Two gold layouts are read: the bundled one (``links.toml``: provision pairs; document parents
derived from them) and the real-corpus one (``provision_links.toml`` with negatives, and
``doc_links.toml``: every local document's parents, ``[]`` when none is stored). Documents are
named by id and provisions by (id, path), so gold does not depend on IRIs; copies of one
document count as one (the gold lists them together, linking keeps one).

``dataset`` turns a gold set into feature rows for the two models of ``search.model``;
``doc_metrics`` and ``provision_metrics`` score probabilities, whether out-of-fold (fitting,
``scripts/fit_linking.py``) or from the shipped models (``policykg eval``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from common.errors import InputError
from search.doclinks import DocInfo, DocPair, Probe, Query, asserts, doc_pairs, feature_matrix, order, probe
from search.hybrid import RRF_K, HybridIndex, Mode
from search.linking import query_text
from search.model import Model
from search.rerank import assertable, candidate_rows, leading, matrix, rank_key

Key = tuple[str, tuple[str, ...]]


@dataclass
class LinkCase:
    id: str
    doc_id: str
    query: str
    relevant: set[Key]  # empty: a negative (no national counterpart stored)


@dataclass
class LinkGold:
    name: str
    cases: list[LinkCase]
    parents: dict[str, set[str]]  # local document -> its gold parents (empty: none stored)
    read_at_document_level: bool = False  # parents read as such (doc_links.toml), not derived from pairs


def load_link_gold(gold_dir: Path, index: HybridIndex) -> LinkGold:
    """The provision and document links of ``gold_dir`` (either layout)."""
    real = (gold_dir / "provision_links.toml").is_file()
    name = "provision_links.toml" if real else "links.toml"
    try:
        links = tomllib.loads((gold_dir / name).read_text(encoding="utf-8"))["link"]
        docs = tomllib.loads((gold_dir / "doc_links.toml").read_text(encoding="utf-8"))["doc_link"] if real else []
    except (FileNotFoundError, KeyError, tomllib.TOMLDecodeError) as e:
        raise InputError(f"Cannot read the link gold in {gold_dir}: {e}.") from e
    units = {(u.doc_id, tuple(u.path)): u for u in index.units if u.kind == "provision"}
    cases, parents = [], {d["local"]: set(d["national"]) for d in docs}
    for i, link in enumerate(links, start=1):
        key = (link["local_doc"], tuple(link["local_path"]))
        unit = units.get(key)
        if unit is None:
            raise InputError(f"Gold link #{i} in {name}: no provision {key} in the index; ingest that corpus.")
        relevant = {(n["doc"], tuple(n["path"])) for n in link["national"]}
        cases.append(LinkCase(f"link{i}", key[0], link.get("local_text") or query_text(unit), relevant))
        if not real:
            parents.setdefault(key[0], set()).update(d for d, _ in relevant)
    return LinkGold(gold_dir.name, cases, parents, read_at_document_level=real)


@dataclass
class Dataset:
    """One gold set as model rows: document pairs and provision candidates. The probes are kept,
    so the rows can be recomputed (``refresh``) when the features change, without searching again."""

    gold: LinkGold
    local_probes: list[Probe]  # every provision of the gold's local documents
    probes: list[Probe]  # one per gold case, same order
    docs: dict[str, DocInfo]
    cites: dict[str, dict[str, str]]
    canonical: dict[str, str] = field(default_factory=dict)
    pairs: list[DocPair] = field(default_factory=list)
    doc_y: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    rows: list[list[list[float]]] = field(default_factory=list)  # per probe, one row per candidate
    labels: list[list[bool]] = field(default_factory=list)

    def refresh(self) -> Dataset:
        canon = self.canonical
        pairs = doc_pairs(self.local_probes, self.docs, self.cites, canonical=canon)
        self.pairs = [p for p in pairs if p.local in self.gold.parents]
        self.doc_y = np.asarray([p.parent in {canon.get(d, d) for d in self.gold.parents[p.local]}
                                 for p in self.pairs], dtype=int)
        by_pair = {(p.local, p.parent): p for p in self.pairs}
        self.rows, self.labels = [], []
        for case, p in zip(self.gold.cases, self.probes, strict=True):
            relevant = {(canon.get(d, d), path) for d, path in case.relevant}
            self.rows.append(candidate_rows(p, by_pair))
            self.labels.append([(h.unit.doc_id, tuple(h.unit.path)) in relevant for h in p.hits])
        return self

    def provision_xy(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        x = [r for rows in self.rows for r in rows]
        y = [lab for labels in self.labels for lab in labels]
        groups = [p.query.doc_id for p, rows in zip(self.probes, self.rows, strict=True) for _ in rows]
        return matrix(x), np.asarray(y, dtype=int), groups


def dataset(index: HybridIndex, gold: LinkGold, docs: Mapping[str, DocInfo], cites: Mapping[str, Mapping[str, str]],
            canonical: Mapping[str, str], *, mode: Mode = "hybrid", progress: bool = False) -> Dataset:
    """Probe every provision of the gold's local documents (for document evidence) and every gold case."""
    canon = dict(canonical)

    def query(doc_id: str, key: str, text: str) -> Query:
        d = docs[doc_id]
        return Query(key, doc_id, d.level, d.region, text)

    local = [query(u.doc_id, u.iri, query_text(u)) for u in index.units
             if u.kind == "provision" and u.doc_id in gold.parents and query_text(u).strip()]
    local_probes = probe(index, local, canonical=canon, mode=mode, progress=progress)
    probes = probe(index, [query(c.doc_id, c.id, c.query) for c in gold.cases], canonical=canon, mode=mode,
                   progress=progress)
    return Dataset(gold, local_probes, probes, dict(docs), {k: dict(v) for k, v in cites.items()}, canon).refresh()


def jittered(data: Dataset, sigma: float, rng: np.random.Generator) -> Dataset:
    """A copy of ``data`` as a slightly different embedding would give it: every candidate's dense
    score moved by N(0, ``sigma``), the probe's dense ranks dealt out again in the new order and
    the candidates fused again (RRF). A re-ingest (other batches, another model build) nudges the
    int8 vectors this way and flips near-ties: a figure that moves as much under jitter as a
    change moved it is no evidence for the change. Candidates outside a probe's top k stay out."""
    return replace(data, local_probes=[_jitter(p, sigma, rng) for p in data.local_probes],
                   probes=[_jitter(p, sigma, rng) for p in data.probes]).refresh()


def _jitter(p: Probe, sigma: float, rng: np.random.Generator) -> Probe:
    dense = {i: h.dense_score + rng.normal(0.0, sigma) for i, h in enumerate(p.hits) if h.dense_score is not None}
    ranks = sorted(h.dense_rank for h in p.hits if h.dense_rank is not None)
    new_rank = dict(zip(sorted(dense, key=lambda i: -dense[i]), ranks, strict=True))
    hits = [replace(h, dense_score=dense.get(i), dense_rank=new_rank.get(i)) for i, h in enumerate(p.hits)]
    fused = [sum(1.0 / (RRF_K + r) for r in (h.dense_rank, h.lexical_rank) if r) for h in hits]
    order = sorted(range(len(hits)), key=lambda i: (-fused[i], hits[i].dense_rank or 10**9))
    return replace(p, hits=[replace(hits[i], score=fused[i], rank=r) for r, i in enumerate(order, start=1)])


def _asserted(data: Dataset, prob: np.ndarray, cut: float) -> np.ndarray:
    """The linking rule (``search.doclinks.asserts``) for every pair."""
    return np.asarray([asserts(p.features, float(pb), cut) for p, pb in zip(data.pairs, prob, strict=True)], dtype=bool)


def doc_metrics(data: Dataset, prob: np.ndarray, cut: float) -> dict[str, float]:
    """Document level: R@1 over local documents with a stored parent; precision and recall of
    the asserted pairs (cited, or at or above ``cut``); share of negatives left with no parent."""
    best: dict[str, tuple[tuple[float, float, float], bool]] = {}
    for pair, p, y in zip(data.pairs, prob, data.doc_y, strict=True):
        key = order(pair.features, float(p))
        if pair.local not in best or key < best[pair.local][0]:
            best[pair.local] = (key, bool(y))
    positives = [d for d, par in data.gold.parents.items() if par]
    negatives = [d for d, par in data.gold.parents.items() if not par]
    asserted = _asserted(data, prob, cut)
    gold_pairs = sum(len({data.canonical.get(x, x) for x in data.gold.parents[d]}) for d in positives)
    flagged = {pair.local for pair, a in zip(data.pairs, asserted, strict=True) if a}
    return {
        "docs": len(data.gold.parents), "positives": len(positives),
        "r1": sum(best[d][1] for d in positives if d in best) / max(1, len(positives)),
        "asserted": int(asserted.sum()),
        "precision": float(data.doc_y[asserted].mean()) if asserted.any() else 1.0,
        "recall": float(data.doc_y[asserted].sum()) / max(1, gold_pairs),
        "negatives_clean": sum(d not in flagged for d in negatives) / max(1, len(negatives)),
    }


@dataclass
class CaseResult:
    """One gold case as the second stage orders its candidates (``provision_cases``)."""

    case: LinkCase
    probe: Probe
    order: list[int]  # candidate indices, best first
    labels: list[bool]
    rank: int | None  # of the first gold candidate; None: not among the candidates
    asserted: bool  # the first candidate would be stated as eli:implements


def provision_cases(data: Dataset, prob: np.ndarray | None, *, cut: float = 1.0,
                    parents: Mapping[str, set[str]] | None = None,
                    lead: Mapping[str, str] | None = None) -> list[CaseResult]:
    """Every gold case with its candidates ordered as ``search.rerank.rerank`` orders them
    (``search.rerank.rank_key``; ``prob`` None: the hybrid order), and whether the first would be
    asserted (at or above ``cut``, allowed by ``search.rerank.assertable``, inside an asserted
    parent when ``parents``). Listing the misses this way says why a figure is what it is."""
    flat = iter(prob if prob is not None else [])
    out = []
    for case, p, labels, rows in zip(data.gold.cases, data.probes, data.labels, data.rows, strict=True):
        if prob is None:
            scores = [-h.rank for h in p.hits]
            order = list(range(len(labels)))
        else:
            scores = [next(flat) for _ in labels]
            mine = (parents or {}).get(case.doc_id, set())
            first = (lead or {}).get(case.doc_id)
            order = sorted(range(len(labels)), key=lambda i: rank_key(p.hits[i], rows[i], scores[i], mine, first))
        rank = next((r for r, i in enumerate(order, start=1) if labels[i]), None)
        asserted = bool(order and prob is not None and scores[order[0]] >= cut and assertable(rows[order[0]]))
        if asserted and parents is not None:
            asserted = p.hits[order[0]].unit.doc_id in parents.get(case.doc_id, set())
        out.append(CaseResult(case, p, order, labels, rank, asserted))
    return out


def provision_metrics(data: Dataset, prob: np.ndarray | None, *, cut: float = 1.0,
                      parents: Mapping[str, set[str]] | None = None,
                      lead: Mapping[str, str] | None = None) -> dict[str, float]:
    """Provision level over the gold cases with a counterpart (``provision_cases``): R@1/3/5 and
    MRR, and precision/recall of the asserted links."""
    return case_metrics(provision_cases(data, prob, cut=cut, parents=parents, lead=lead))


def case_metrics(results: Sequence[CaseResult]) -> dict[str, float]:
    """``provision_metrics`` of cases already ordered (a caller that also lists them orders them once)."""
    ranks = [r.rank for r in results if r.case.relevant]
    asserted = sum(r.asserted for r in results)
    correct = sum(bool(r.asserted and r.labels[r.order[0]]) for r in results)
    n = max(1, len(ranks))
    out = {f"r{k}": sum(1 for r in ranks if r is not None and r <= k) / n for k in (1, 3, 5)}
    out["mrr"] = sum(1.0 / r for r in ranks if r) / n
    out.update(cases=len(results), positives=len(ranks), asserted=asserted,
               precision=correct / asserted if asserted else 1.0, recall=correct / n)
    return out


def doc_xy(data: Dataset) -> tuple[np.ndarray, np.ndarray, list[str]]:
    return feature_matrix(data.pairs), data.doc_y, [p.local for p in data.pairs]


def leading_parents(data: Dataset, prob: np.ndarray) -> dict[str, str]:
    """Local document -> its first candidate parent at document level, by ``prob``."""
    for pair, p in zip(data.pairs, prob, strict=True):
        pair.prob = float(p)
    return leading(data.pairs)


def asserted_parents(data: Dataset, prob: np.ndarray, cut: float) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for pair, a in zip(data.pairs, _asserted(data, prob, cut), strict=True):
        if a:
            out.setdefault(pair.local, set()).add(pair.parent)
    return out


def format_metrics(name: str, m: Mapping[str, float], keys: Sequence[str]) -> str:
    return f"{name:<34}" + "  ".join(f"{k} {m[k]:.3f}" if isinstance(m[k], float) else f"{k} {m[k]}" for k in keys)


def shipped_report(data: Dataset, doc_model: Model, provision_model: Model) -> dict[str, dict[str, float]]:
    """The figures of the shipped models on ``data`` (optimistic when ``data`` was in their fit:
    quote the cross-validated figures of ``Model.note`` instead)."""
    doc_prob = doc_model.prob(feature_matrix(data.pairs))
    x, _, _ = data.provision_xy()
    parents = asserted_parents(data, doc_prob, doc_model.cut)
    return {
        "document": doc_metrics(data, doc_prob, doc_model.cut),
        "provision hybrid": provision_metrics(data, None),
        "provision reranked": provision_metrics(data, provision_model.prob(x), cut=provision_model.cut, parents=parents,
                                                lead=leading_parents(data, doc_prob)),
    }
