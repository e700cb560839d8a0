"""National <-> local linking: which national provisions each local provision implements.

For every local (provincial, municipal) unit, the hybrid index is asked for the best national
provisions, using the unit's own text as the query. Explicit citations found by ingest outrank
similarity: provisions of a cited national document are ranked first and the citation itself
becomes a link with method ``citation``. A second, separately named relation, ``resembles``,
links local provisions of different provinces to each other.

e5 cosines sit in a narrow band, so the decision to assert ``eli:implements`` uses ranks, not
a fixed cosine cut-off; the rule is chosen from the gold-set evaluation (``search/evaluate.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from rdflib import URIRef
from tqdm import tqdm

from graph.build import alignment_triples
from graph.iris import Iris
from ontology.namespaces import METHOD, PKG
from search.hybrid import Filters, Hit, HybridIndex
from search.units import SearchError, Skipped, Unit, unsearchable

Relation = Literal["implements", "resembles"]
LOCAL_LEVELS = ("provincial", "municipal")

# Chosen from `policykg eval` on the gold set (README, "Linking quality"): the dense cosine of
# the top candidate does not separate right from wrong ones (precision is flat at ~0.65 for any
# cut-off between 0.80 and 0.90), agreement of the two retrievers does a little better; so the
# hybrid rank-1 candidate is asserted as eli:implements when both retrievers have it in their top 2.
AGREEMENT_RANK = 2

# The model reads 512 tokens and BM25 gains nothing from more: an enormous unit (a whole annex
# pasted into one item) is asked with its beginning, not with 100k characters.
MAX_QUERY_CHARS = 2000


@dataclass
class Link:
    """One computed link, stored as a qualified node in the links graph."""

    local: str
    target: str
    relation: Relation
    score: float
    rank: int
    method: str  # citation | hybrid
    model: str | None
    evidence: str  # matched words or the citation text
    dense_score: float | None = None
    lexical_score: float | None = None
    asserted: bool = False  # above the threshold: also an eli:implements triple

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def province_of(region: str) -> str:
    """广东省广州市 -> 广东省; 全国 -> 全国."""
    for suffix in ("省", "自治区", "市"):
        pos = region.find(suffix)
        if pos >= 0:
            return region[: pos + len(suffix)]
    return region


@dataclass
class Linking:
    """The links of one run, and the local provisions it could not ask about."""

    links: list[Link]
    skipped: list[Skipped]


def link_units(
    index: HybridIndex,
    *,
    cited_docs: Mapping[str, Iterable[str]] | None = None,
    top: int = 3,
    horizontal_top: int = 2,
    progress: bool = False,
) -> Linking:
    """Links for every local provision in ``index`` that has words to search with.

    ``cited_docs`` maps a local unit IRI, or a document id (for citations in its preamble), to
    the ids of the documents it cites. A provision without words (empty, only digits or □) is
    skipped and reported, never a reason to stop; it is never a link target either.
    """
    cited_docs = cited_docs or {}
    local: list[Unit] = []
    skipped: list[Skipped] = []
    for u in index.units:
        if u.level in LOCAL_LEVELS and u.kind == "provision":
            reason = unsearchable(query_text(u))
            if reason is None:
                local.append(u)
            else:
                skipped.append(Skipped(u.iri, reason))
    national_filter = Filters(level="national", kind="provision")
    links: list[Link] = []
    queries = [query_text(u) for u in local]
    if index.embedder is None:
        raise SearchError("Linking needs the embedding model; load the index with an embedder.")
    vectors = index.embedder.embed_queries(queries) if queries else []
    for unit, query, vector in tqdm(
        zip(local, queries, vectors, strict=True), total=len(local), desc="linking", unit="provision", disable=not progress
    ):
        hits = _searchable(index.search(query, k=max(top, 10), filters=national_filter, vector=vector))
        cited = set(cited_docs.get(unit.iri, ())) | set(cited_docs.get(unit.doc_id, ()))
        links.extend(_implements(unit, hits, cited, top=top, model=index.model))
        others = _searchable(index.search(
            query, k=horizontal_top + 20, filters=Filters(level=LOCAL_LEVELS, kind="provision"), vector=vector
        ))
        province = province_of(unit.region)
        rank = 0
        for hit in others:
            if province_of(hit.unit.region) == province:
                continue
            rank += 1
            links.append(_from_hit(unit, hit, "resembles", rank, index.model))
            if rank == horizontal_top:
                break
    return Linking(links, skipped)


def query_text(unit: Unit) -> str:
    """What a local provision asks for: its heading and text (headings alone are too short)."""
    text = f"{unit.heading}。{unit.text}" if unit.heading and not unit.text.startswith(unit.heading) else unit.text
    return text[:MAX_QUERY_CHARS]


def _searchable(hits: list[Hit]) -> list[Hit]:
    """Hits on units with words: an empty provision may match a query, but links nothing."""
    return [h for h in hits if unsearchable(query_text(h.unit)) is None]


def _implements(unit: Unit, hits: list[Hit], cited: set[str], *, top: int, model: str) -> list[Link]:
    ordered = sorted(hits, key=lambda h: (h.unit.doc_id not in cited, h.rank))[:top]
    out = []
    for rank, hit in enumerate(ordered, start=1):
        link = _from_hit(unit, hit, "implements", rank, model)
        if hit.unit.doc_id in cited:
            link.method = "citation"
            link.evidence = f"cites {hit.unit.doc_number or hit.unit.doc_title}; " + link.evidence
        link.asserted = rank == 1 and (link.method == "citation" or retrievers_agree(hit))
        out.append(link)
    return out


def retrievers_agree(hit: Hit) -> bool:
    """Both the dense and the lexical retriever rank ``hit`` near the top."""
    return max(hit.dense_rank or 10**6, hit.lexical_rank or 10**6) <= AGREEMENT_RANK


def _from_hit(unit: Unit, hit: Hit, relation: Relation, rank: int, model: str) -> Link:
    return Link(
        local=unit.iri,
        target=hit.iri,
        relation=relation,
        score=hit.score,
        rank=rank,
        method="hybrid",
        model=model,
        evidence="、".join(hit.matched[:12]),
        dense_score=hit.dense_score,
        lexical_score=hit.lexical_score,
    )


@dataclass
class LinkSummary:
    """What one linking run stated, and the store state after it was written."""

    local_units: int = 0
    implements: int = 0
    asserted: int = 0
    resembles: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    write_state: str = ""  # the store's write counter once the links graph was replaced
    skipped: list[Skipped] = field(default_factory=list)  # local provisions without words to search with

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def link_triples(links: Iterable[Link], *, generated: str, iris: Iris) -> tuple[list[Any], LinkSummary]:
    """The links graph for ``links``: a qualified alignment node per ``implements`` candidate (plus
    ``eli:implements`` when asserted) and ``pkg:correspondsTo`` for each best cross-region match."""
    links = list(links)
    triples: list[Any] = []
    summary = LinkSummary(local_units=len({link.local for link in links}))
    for link in links:
        if link.relation == "implements":
            method = METHOD.citation if link.method == "citation" else METHOD.hybrid
            triples.extend(alignment_triples(
                URIRef(link.local), URIRef(link.target), score=link.score, rank=link.rank, method=method,
                generated=generated, model=link.model, evidence=link.evidence or None,
                implements=link.asserted, iris=iris))
            summary.by_method[link.method] = summary.by_method.get(link.method, 0) + 1
            summary.implements += 1
            summary.asserted += link.asserted
        elif link.rank == 1:  # horizontal: the best match in another province
            triples.append((URIRef(link.local), PKG.correspondsTo, URIRef(link.target)))
            summary.resembles += 1
    return triples, summary
