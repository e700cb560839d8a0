"""Which higher-level documents a local document implements: evidence aggregated per document pair.

Every local provision is asked, as a query, for its best candidates among the documents one
level up (national ones for a province; national and the own province's for a city: a chain
municipal -> provincial -> national). Those *probes* are then summed per (local document,
candidate document): how many of the local provisions have their best match there, how much
rank mass falls there, and how far ahead of the next candidate it is; plus an explicit citation
(贯彻落实《…》 resolved to the candidate: the strongest evidence), title correspondence, and the
date order (the parent comes first). A logistic model over these features (``search.model``,
fitted with cross-validation on the gold) gives the probability that the pair is a real
implementation link; ``eli:implements`` is stated only above the calibrated cut, so a local
document whose parent is not stored gets none instead of its nearest topical neighbour.
Copies of one document (``search.duplicates``) are one candidate, counted once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from tqdm import tqdm

from graph.citations import normalize_title
from search.filters import Filters
from search.hybrid import Hit, HybridIndex, Mode, prepare_query
from search.model import Model
from search.units import Unit, unsearchable

LEVEL_RANK = {"national": 0, "provincial": 1, "municipal": 2}
PROBE_K = 10
DOC_FEATURES = ["cites", "top1_share", "lead", "title_overlap", "heading_overlap", "earlier", "later"]
"""The document model's inputs. ``rank_mass`` (also computed, and read by the provision model)
and ``basis_elsewhere`` (a rule of ``may_assert``) are left out; ``rank_mass`` it rewards the national plan every topical provision brushes against (新一代人工智能
发展规划 for any AI text) over the one whose tasks the local document repeats."""
_GENERIC = re.compile(
    r"山东省|[\u4e00-\u9fff]{2,3}(?:省|市|自治区)|关于|印发|进一步|加快|推进|推动|促进|实施方案|实施意见|行动计划|行动方案|"
    r"指导意见|若干措施|工作方案|发展规划|规划|通知|意见|方案|计划|办法|的|年|\d+|[()（）\-—]"
)

BOILERPLATE = re.compile(
    r"指导思想|基本原则|总体要求|保障措施|组织实施|组织领导|加强领导|工作要求|组织保障|资金保障|宣传引导|"
    r"营造.{0,4}氛围|监督检查|考核评估|附则|实施时间|本.{0,4}自.{0,12}起施行"
)


GENERAL_KINDS = {
    "aims": re.compile(r"指导思想|总体要求|总体思路"),
    "principles": re.compile(r"基本原则|总体要求|总体思路"),
    "targets": re.compile(r"(?:发展|主要|总体|工作)目标|总体要求|总体思路"),
}
"""The general sections of a plan, by kind: what it follows, how, and what it aims at. 总体要求 (or
总体思路) is the section that holds all three."""


def general_kinds(heading: str | None, text: str) -> frozenset[str]:
    """The kinds of general section (``GENERAL_KINDS``) a provision is, by its heading or the head
    of its text: 指导思想 -> aims; 指导思想、基本原则和主要目标 -> all three; a task -> none."""
    head = f"{heading or ''} {text[:12]}"
    return frozenset(k for k, pattern in GENERAL_KINDS.items() if pattern.search(head))


def is_boilerplate(heading: str | None, text: str) -> bool:
    """A section every opinion has (指导思想, 保障措施, …): its wording says little about which
    national document a local one carries out."""
    return bool(BOILERPLATE.search(heading or "") or BOILERPLATE.search(text[:30]))


WEAK_GRAMS = {"推动", "加快", "推进", "加强", "促进", "发展", "建设", "提升", "完善", "实施", "开展", "支持", "工作", "体系"}


@dataclass(frozen=True)
class Query:
    """One local provision (or one sentence of it) asking for what it implements."""

    key: str  # the unit IRI, or a gold case id
    doc_id: str
    level: str
    region: str
    text: str


@dataclass
class Probe:
    query: Query
    hits: list[Hit]  # candidates one level up, copies collapsed, best first


def province_of(region: str) -> str:
    """广东省广州市 -> 广东省; 全国 -> 全国."""
    for suffix in ("省", "自治区", "市"):
        pos = region.find(suffix)
        if pos >= 0:
            return region[: pos + len(suffix)]
    return region


def parent_levels(level: str) -> tuple[str, ...]:
    """The levels a document of ``level`` can implement."""
    return tuple(lv for lv, r in LEVEL_RANK.items() if r < LEVEL_RANK.get(level, 0))


def probe(index: HybridIndex, queries: Sequence[Query], *, canonical: Mapping[str, str] | None = None,
          k: int = PROBE_K, mode: Mode = "hybrid", progress: bool = False) -> list[Probe]:
    """The top ``k`` candidates one level up for every query (a city's provincial candidates
    only from its own province); a copy of a document is replaced by the copy kept."""
    canonical = canonical or {}
    texts = [prepare_query(q.text) for q in queries]
    dense = mode != "lexical" and index.embedder is not None and texts
    vectors = index.embedder.embed_queries(texts) if dense else [None] * len(texts)
    asked = [i for i, q in enumerate(queries) if parent_levels(q.level)]
    found = index.search_many(  # all queries at once: one matrix product per retriever and filter
        [texts[i] for i in asked], k=3 * k, mode=mode, vectors=[vectors[i] for i in asked] if dense else None,
        filters=[Filters(level=parent_levels(queries[i].level), kind="provision", exclude_doc_id=queries[i].doc_id)
                 for i in asked])
    raws: dict[int, list[Hit]] = dict(zip(asked, found, strict=True))
    out = []
    for i, q in tqdm(enumerate(queries), total=len(queries), desc="probing", unit="provision", disable=not progress):
        if i not in raws:
            out.append(Probe(q, []))
            continue
        raw = raws[i]
        hits, seen = [], set()
        for h in raw:
            if canonical.get(h.unit.doc_id, h.unit.doc_id) != h.unit.doc_id or unsearchable(h.unit.text + (h.unit.heading or "")):
                continue  # a copy (its kept copy is there too), or a unit without words
            if h.unit.level != "national" and province_of(h.unit.region) != province_of(q.region):
                continue
            if h.iri not in seen:
                seen.add(h.iri)
                hits.append(replace(h, rank=len(hits) + 1))
        out.append(Probe(q, hits[:k]))
    return out


@dataclass
class DocPair:
    """The evidence that ``local`` implements ``parent``."""

    local: str
    parent: str
    features: dict[str, float]
    evidence: list[str] = field(default_factory=list)
    prob: float = 0.0

    def row(self) -> list[float]:
        return [self.features[f] for f in DOC_FEATURES]


@dataclass(frozen=True)
class DocInfo:
    """What doc-level linking needs of a stored document."""

    id: str
    level: str
    region: str
    title: str | None
    date: str | None
    headings: tuple[str, ...] = ()  # its provisions' own headings, boilerplate (指导思想, 保障措施…) left out
    basis_elsewhere: bool = False  # names its basis (根据《…》) and no stored document is it (``Resolutions.basis_elsewhere``)


def doc_infos(stored: Iterable[Any], units: Iterable[Unit]) -> dict[str, DocInfo]:
    """``DocInfo`` per stored document (anything with id, level, region, title and date), with the
    headings of its indexed provisions: what a document without a title in its text is about."""
    headings: dict[str, list[str]] = {}
    for u in units:
        if u.kind == "provision" and u.heading and not is_boilerplate(u.heading, ""):
            headings.setdefault(u.doc_id, []).append(u.heading)
    return {d.id: DocInfo(d.id, d.level, d.region, d.title, d.date, tuple(headings.get(d.id, ()))) for d in stored}


def doc_pairs(probes: Iterable[Probe], docs: Mapping[str, DocInfo],
              cites: Mapping[str, Mapping[str, str]], *, canonical: Mapping[str, str] | None = None) -> list[DocPair]:
    """One ``DocPair`` per (local document, candidate parent): every document a probe hit, and
    every document one level up the local one cites."""
    canonical = canonical or {}
    by_local: dict[str, list[Probe]] = {}
    for p in probes:
        by_local.setdefault(p.query.doc_id, []).append(p)
    out = []
    for local, group in sorted(by_local.items()):
        n = len(group)
        top1: dict[str, float] = {}
        mass: dict[str, float] = {}
        for p in group:
            if p.hits:
                top1[p.hits[0].unit.doc_id] = top1.get(p.hits[0].unit.doc_id, 0) + 1
            best: dict[str, float] = {}
            for h in p.hits:
                best[h.unit.doc_id] = max(best.get(h.unit.doc_id, 0.0), 1.0 / h.rank)
            for d, v in best.items():
                mass[d] = mass.get(d, 0.0) + v
        info = docs.get(local)
        cited = {canonical.get(d, d): words for d, words in cites.get(local, {}).items()}
        levels = parent_levels(info.level) if info else ()
        cited = {d: w for d, w in cited.items() if d in docs and docs[d].level in levels}
        candidates = set(mass) | set(cited)
        for parent in sorted(candidates):
            share = top1.get(parent, 0) / n
            others = max((v for d, v in top1.items() if d != parent), default=0) / n
            pinfo = docs.get(parent)
            feats = {
                "cites": float(parent in cited),
                "top1_share": share,
                "rank_mass": mass.get(parent, 0.0) / n,
                "lead": share - others,
                "title_overlap": _title_overlap(info.title if info else None, pinfo.title if pinfo else None),
                "heading_overlap": _heading_overlap(info, pinfo),
                "earlier": float(_before(pinfo, info)),
                "later": float(_before(info, pinfo)),
                "basis_elsewhere": float(bool(info and info.basis_elsewhere) and parent not in cited),
            }
            evidence = [f"cites {cited[parent]}"] if parent in cited else []
            evidence.append(f"{int(top1.get(parent, 0))} of {n} provisions match it best")
            out.append(DocPair(local, parent, feats, evidence))
    return out


def score_pairs(pairs: list[DocPair], model: Model) -> list[DocPair]:
    """Set each pair's probability; best first within each local document (``order``)."""
    for pair, p in zip(pairs, model.prob([pr.row() for pr in pairs]), strict=True):
        pair.prob = float(p)
    return sorted(pairs, key=lambda pr: (pr.local, *order(pr.features, pr.prob), pr.parent))


def order(features: Mapping[str, float], prob: float) -> tuple[float, float, float]:
    """Sort key of a local document's candidate parents: a document it cites comes first (an
    explicit citation is what the author says it implements), one issued after it last (it
    cannot be what it carries out), then by probability."""
    return -features["cites"], features["later"], -prob


def is_asserted(pair: DocPair, model: Model) -> bool:
    """``eli:implements`` between the documents (``asserts``)."""
    return asserts(pair.features, pair.prob, model.cut)


def asserts(features: Mapping[str, float], prob: float, cut: float) -> bool:
    """The local document cites the parent (resolved citation, the strongest evidence), or the
    model's probability reaches its calibrated cut and ``may_assert`` allows the pair."""
    return bool(features["cites"]) or (prob >= cut and may_assert(features))


def may_assert(features: Mapping[str, float]) -> bool:
    """Whether the model may state an uncited parent at all: not one dated after the local
    document (it cannot be what it carries out); not when the local document names its basis
    (根据《…》) and no stored document is it (its parent is then outside the store, and the nearest
    topical neighbour is not it); and only the one document that more of its provisions match
    best than any other (``lead`` > 0: a tie names no parent)."""
    return not features["later"] and not features["basis_elsewhere"] and features["lead"] > 0


def parents(pairs: Iterable[DocPair], model: Model) -> dict[str, list[DocPair]]:
    """Local document id -> the pairs asserted as eli:implements."""
    out: dict[str, list[DocPair]] = {}
    for pr in pairs:
        if is_asserted(pr, model):
            out.setdefault(pr.local, []).append(pr)
    return out


def _before(a: DocInfo | None, b: DocInfo | None) -> bool:
    """``a`` is dated strictly before ``b`` (both dates known), at the precision both have:
    2023 is not before 2023-04-14."""
    if not (a and b and a.date and b.date):
        return False
    n = min(len(a.date[:10]), len(b.date[:10]))
    return a.date[:n] < b.date[:n]


def _title_overlap(a: str | None, b: str | None) -> float:
    """Share of the local title's distinctive character bigrams (places, 关于, 实施方案… removed)
    found in the candidate's title: 山东省推进工业大数据发展的实施方案 ~ 关于工业大数据发展的指导意见."""
    if not a or not b:
        return 0.0
    ga, gb = _bigrams(a), _bigrams(b)
    return len(ga & gb) / len(ga) if ga else 0.0


def _heading_overlap(local: DocInfo | None, parent: DocInfo | None) -> float:
    """Share of the local document's heading bigrams found in the candidate's headings: a
    provincial plan that repeats a national opinion's task headings (推动工业数据全面采集) carries it out."""
    if not local or not parent or not local.headings or not parent.headings:
        return 0.0
    ours, theirs = _heading_grams(local.headings), _heading_grams(parent.headings)
    return len(ours & theirs) / len(ours) if ours else 0.0


def _heading_grams(headings: Iterable[str]) -> set[str]:
    return {h[i : i + 2] for h in headings for i in range(len(h) - 1)} - WEAK_GRAMS


def title_share(title: str | None, text: str) -> float:
    """Share of a title's distinctive bigrams (``_bigrams``) found in ``text``: a local text that
    names its national document by subject (落实国家推动传统产业转型升级要求) rather than by 《title》."""
    grams = _bigrams(title) if title else set()
    return sum(g in text for g in grams) / len(grams) if grams else 0.0


def _bigrams(title: str) -> set[str]:
    core = _GENERIC.sub(" ", normalize_title(title))
    return {w[i : i + 2] for w in core.split() for i in range(len(w) - 1)}


def feature_matrix(pairs: Sequence[DocPair]) -> np.ndarray:
    return np.asarray([p.row() for p in pairs], dtype=float).reshape(len(pairs), len(DOC_FEATURES))
