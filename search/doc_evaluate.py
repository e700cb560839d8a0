"""Document-level retrieval quality, against a plain document BM25 baseline computed in the same run.

Staff ask for documents; the question is whether the first distinct document of the hits is a
right one (R@1), or one of the first three (R@3). The baseline is what anyone could write in
twenty lines: BM25 (bm25s defaults) over jieba's tokens of each whole document, no tuning. It
is computed on the same corpus in the same run, so a product below it is visible at once.

Cases come from any gold set: ``doc_queries.toml`` (document answers, with dev/test splits,
reported separately: test is never tuned on), and the unit-level ``queries.toml`` / ``links.toml``
turned into document answers (the documents of the relevant provisions). The real corpus's
``provision_links.toml`` gives the same link task (a local provision's text -> the national document
it carries out) as ``link:test``, held out.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import bm25s
import jieba
import numpy as np

from common.errors import InputError
from search.documents import DocumentIndex, collapse_copies, document_texts
from search.filters import Filters
from search.hybrid import HybridIndex, Mode, prepare_query
from search.linking import query_text

if TYPE_CHECKING:
    from search.citations import CitedNames
    from search.units import Unit

DOC_KS = (1, 3)
DOC_MODES: tuple[Mode, ...] = ("dense", "lexical", "hybrid")
BASELINE = "bm25-doc"
# Gold link files -> (task, case id prefix). The bundled links were tuned on (dev); the real-corpus
# provision links were never used to choose anything in document search, so that task is held out
# whole (decided in session 7 before any product figure on it was seen).
LINK_FILES = {"links.toml": ("link", "link"), "provision_links.toml": ("link:test", "plink")}


@dataclass
class DocCase:
    id: str
    query: str
    relevant: frozenset[str]  # document ids
    task: str  # doc-query | doc-query:dev | doc-query:test… | query | link (bundled, dev) | link:test (real, held out)
    national_only: bool = False  # a link's answers are national documents: search them only


@dataclass
class DocScores:
    task: str
    method: str
    n: int
    recall: dict[int, float]
    mrr: float
    misses: list[str]


class DocBaseline:
    """Plain BM25 over jieba tokens of whole documents (title + text): the bar to beat."""

    def __init__(self, units: HybridIndex, docs: DocumentIndex) -> None:
        rows = document_texts(docs.docs, units.units)
        self.ids = [info.doc_id for info, _, _ in rows]
        self.national = {info.doc_id for info, _, _ in rows if info.level == "national"}
        self.bm25 = bm25s.BM25()
        self.bm25.index([_words(body) for _, body, _ in rows], show_progress=False)  # title + text

    def rank(self, query: str, *, national_only: bool = False) -> list[str]:
        words = [w for w in _words(prepare_query(query)) if w in self.bm25.vocab_dict]
        if not words:
            return []
        scores = self.bm25.get_scores(words)
        order = sorted(range(len(self.ids)), key=lambda i: -scores[i])
        return [self.ids[i] for i in order if scores[i] > 0 and (not national_only or self.ids[i] in self.national)]


def _words(text: str) -> list[str]:
    return [w for w in jieba.lcut(text) if w.strip()]


def load_doc_cases(gold_dir: Path, units: HybridIndex, docs: DocumentIndex) -> list[DocCase]:
    """Document-level cases from every gold file present in ``gold_dir``."""
    cases: list[DocCase] = []
    try:
        doc_queries = gold_dir / "doc_queries.toml"
        if doc_queries.exists():
            for q in tomllib.loads(doc_queries.read_text(encoding="utf-8"))["query"]:
                split = q.get("split")
                cases.append(DocCase(q["id"], q["query"], frozenset(q["relevant"]),
                                     f"doc-query:{split}" if split else "doc-query"))
        queries = gold_dir / "queries.toml"
        if queries.exists():
            for q in tomllib.loads(queries.read_text(encoding="utf-8"))["query"]:
                cases.append(DocCase(q["id"], q["query"], frozenset(r["doc"] for r in q["relevant"]), "query"))
        by_key = {(u.doc_id, tuple(u.path)): u for u in units.units if u.kind == "provision"}
        for name, (task, prefix) in LINK_FILES.items():
            links = gold_dir / name
            if links.exists():
                cases.extend(_link_cases(tomllib.loads(links.read_text(encoding="utf-8"))["link"], by_key,
                                         task=task, prefix=prefix, source=name))
    except (KeyError, tomllib.TOMLDecodeError) as e:
        raise InputError(f"Cannot read the gold set in {gold_dir}: {e}.") from e
    known = {d.doc_id for d in docs.docs}
    for case in cases:
        if not case.relevant & known:
            raise InputError(f"Gold case {case.id}: none of {sorted(case.relevant)} is in the index; "
                             "ingest the corpus the gold set was written for.")
    return cases


def _link_cases(links: Sequence[Mapping], by_key: Mapping[tuple[str, tuple[str, ...]], Unit], *, task: str,
                prefix: str, source: str) -> list[DocCase]:
    """A local provision's text (or the clause ``local_text``) asking for the national documents it
    carries out; negatives (no national answer) ask for nothing and are left out."""
    cases = []
    for i, link in enumerate(links, start=1):
        if not link["national"]:
            continue
        unit = by_key.get((link["local_doc"], tuple(link["local_path"])))
        if unit is None:
            raise InputError(f"Gold link #{i} of {source}: no provision {link['local_doc']} {link['local_path']} "
                             "in the index; re-ingest the corpus.")
        query = link.get("local_text") or query_text(unit)
        cases.append(DocCase(f"{prefix}{i}", query, frozenset(n["doc"] for n in link["national"]), task,
                             national_only=True))
    return cases


def evaluate_documents(units: HybridIndex, docs: DocumentIndex, cases: Sequence[DocCase],
                       *, modes: Sequence[Mode] = DOC_MODES, groups: dict[str, str] | None = None,
                       cited: Mapping[str, CitedNames] | None = None,
                       jitter: Callable[[np.ndarray], np.ndarray] | None = None) -> list[DocScores]:
    """R@1, R@3 and MRR over distinct documents, per task: the baseline, then each mode. ``groups``
    (doc id -> copy group, from linking) folds copies as the product's search does, and ``cited``
    (doc id -> the 文号 and titles other texts cite it by) lets a copy be found by a number or title it never states; ``jitter`` moves
    each query vector (``perturbed``: how a ranking stands a vector that is not quite the same)."""
    baseline = DocBaseline(units, docs)
    vectors = {}
    if units.embedder is not None and any(m != "lexical" for m in modes):
        queries = sorted({c.query for c in cases})
        vectors = dict(zip(queries, units.embedder.embed_queries([prepare_query(q) for q in queries]), strict=True))
        if jitter is not None:
            vectors = {q: jitter(v) for q, v in vectors.items()}

    def product(mode: Mode) -> Callable[[DocCase], list[str]]:
        def ranked(case: DocCase) -> list[str]:
            filters = Filters(level="national") if case.national_only else None
            hits = collapse_copies(docs.rank(case.query, units, k=10, filters=filters, mode=mode,
                                             vector=vectors.get(case.query), cited=cited), groups)
            return [h.doc.doc_id for h in hits]
        return ranked

    methods: list[tuple[str, Callable[[DocCase], list[str]]]] = [
        (BASELINE, lambda c: baseline.rank(c.query, national_only=c.national_only)),
        *((f"doc-{m}", product(m)) for m in modes),
    ]
    out = []
    for task in sorted({c.task for c in cases}):
        group = [c for c in cases if c.task == task]
        for name, ranked in methods:
            out.append(_score(task, name, group, ranked))
    return out


def perturbed(cosine: float, seed: int) -> Callable[[np.ndarray], np.ndarray]:
    """A jitter that turns a unit vector by a random direction to ``cosine`` with itself. The int8
    runtime's query vector depends on the batch it was embedded in (cosine 0.995-0.998 between
    batches), so a ranking decided by less than that is decided by the batch."""
    rng = np.random.default_rng(seed)

    def turn(vector: np.ndarray) -> np.ndarray:
        noise = rng.normal(size=vector.shape)
        noise -= (noise @ vector) * vector
        turned = cosine * vector + np.sqrt(1 - cosine**2) * noise / np.linalg.norm(noise)
        return (turned / np.linalg.norm(turned)).astype(vector.dtype)
    return turn


def _score(task: str, method: str, cases: Sequence[DocCase], ranked: Callable[[DocCase], list[str]]) -> DocScores:
    recall = dict.fromkeys(DOC_KS, 0.0)
    rr = 0.0
    misses = []
    for case in cases:
        ids = list(dict.fromkeys(ranked(case)))
        first = next((r for r, d in enumerate(ids, start=1) if d in case.relevant), None)
        rr += 1.0 / first if first else 0.0
        for k in DOC_KS:
            recall[k] += first is not None and first <= k
        if first is None or first > 1:
            misses.append(case.id)
    n = max(1, len(cases))
    return DocScores(task, method, len(cases), {k: v / n for k, v in recall.items()}, rr / n, misses)


def format_doc_table(scores: Sequence[DocScores]) -> str:
    lines = [f"{'task (documents)':<18}{'method':<13}{'n':>4}" + "".join(f"{'R@' + str(k):>8}" for k in DOC_KS)
             + f"{'MRR':>8}"]
    for s in scores:
        lines.append(f"{s.task:<18}{s.method:<13}{s.n:>4}" + "".join(f"{s.recall[k]:>8.3f}" for k in DOC_KS)
                     + f"{s.mrr:>8.3f}")
    return "\n".join(lines)
