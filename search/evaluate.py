"""Retrieval quality on the hand-made gold set: recall@1/3/5 and MRR, per retriever.

Two tasks: *links* (a local provision or one of its sentences as the query, national
provisions as the answers) and *queries* (what staff type, any provision as an answer).
Provisions are matched by (document id, path), so the gold set does not depend on IRIs.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common.errors import InputError
from search.filters import Filters
from search.hybrid import HybridIndex, Mode, prepare_query
from search.linking import query_text

KS = (1, 3, 5)
MODES: tuple[Mode, ...] = ("dense", "lexical", "hybrid")
Key = tuple[str, tuple[str, ...]]


@dataclass
class Case:
    id: str
    query: str
    relevant: list[Key]
    task: str  # link-part | link-sentence | query


@dataclass
class Scores:
    task: str
    mode: str
    n: int
    recall: dict[int, float]
    mrr: float
    misses: list[str]


def load_gold(gold_dir: Path, index: HybridIndex) -> list[Case]:
    """Gold links and queries as cases; a part-level link's query is the local provision's text.

    Either layout: ``links.toml`` + ``queries.toml`` (bundled) or ``provision_links.toml`` (real
    corpus; its negatives have no answer to rank and are left to ``search.link_eval``)."""
    real = gold_dir / "provision_links.toml"
    try:
        links = tomllib.loads((real if real.is_file() else gold_dir / "links.toml").read_text(encoding="utf-8"))["link"]
        links = [link for link in links if link["national"]]
        queries_path = gold_dir / "queries.toml"
        queries = tomllib.loads(queries_path.read_text(encoding="utf-8"))["query"] if not real.is_file() else []
    except (FileNotFoundError, KeyError, tomllib.TOMLDecodeError) as e:
        raise InputError(f"Cannot read the gold set in {gold_dir}: {e}.") from e
    by_key = {(u.doc_id, tuple(u.path)): u for u in index.units if u.kind == "provision"}
    cases = []
    for i, link in enumerate(links, start=1):
        key = (link["local_doc"], tuple(link["local_path"]))
        unit = by_key.get(key)
        if unit is None:
            raise InputError(f"Gold link #{i}: no provision {key} in the index; re-ingest the corpus.")
        query = link.get("local_text") or query_text(unit)
        relevant = [(n["doc"], tuple(n["path"])) for n in link["national"]]
        cases.append(Case(f"link{i}", query, relevant, f"link-{link['level']}"))
    for q in queries:
        relevant = [(r["doc"], tuple(r["path"])) for r in q["relevant"]]
        cases.append(Case(q["id"], q["query"], relevant, "query"))
    return cases


def evaluate(index: HybridIndex, cases: Sequence[Case], *, modes: Sequence[Mode] = MODES) -> list[Scores]:
    """Recall@k and MRR per task and mode.

    For links, recall@k is the share of cases with an acceptable national provision in the top
    k; for queries it is the share of relevant provisions found in the top k, averaged.
    """
    vectors = _query_vectors(index, cases)
    out = []
    tasks = sorted({c.task for c in cases})
    if sum(t.startswith("link-") for t in tasks) > 1:
        tasks.insert(0, "link")
    for task in tasks:
        group = [c for c in cases if c.task == task or (task == "link" and c.task.startswith("link-"))]
        is_link = task.startswith("link")
        filters = Filters(level="national", kind="provision") if is_link else Filters(kind="provision")
        for mode in modes:
            recall = dict.fromkeys(KS, 0.0)
            rr = 0.0
            misses = []
            for case in group:
                hits = index.search(case.query, k=max(KS), filters=filters, mode=mode, vector=vectors.get(case.query))
                ranked = [(h.unit.doc_id, tuple(h.unit.path)) for h in hits]
                relevant = set(case.relevant)
                first = next((r for r, key in enumerate(ranked, start=1) if key in relevant), None)
                rr += 1.0 / first if first else 0.0
                for k in KS:
                    found = len(relevant & set(ranked[:k]))
                    recall[k] += (found > 0) if is_link else found / len(relevant)
                if first is None or first > 3:
                    misses.append(case.id)
            n = len(group)
            out.append(Scores(task, mode, n, {k: v / n for k, v in recall.items()}, rr / n, misses))
    return out


def _query_vectors(index: HybridIndex, cases: Sequence[Case]) -> dict[str, np.ndarray]:
    """Embed every distinct query once, in batches (one by one is ~10x slower on CPU)."""
    if index.embedder is None:
        return {}
    queries = sorted({c.query for c in cases})
    vectors = index.embedder.embed_queries([prepare_query(q) for q in queries])
    return dict(zip(queries, vectors, strict=True))


def format_table(scores: Sequence[Scores]) -> str:
    lines = [f"{'task':<14}{'mode':<9}{'n':>4}" + "".join(f"{'R@' + str(k):>8}" for k in KS) + f"{'MRR':>8}"]
    for s in scores:
        lines.append(
            f"{s.task:<14}{s.mode:<9}{s.n:>4}" + "".join(f"{s.recall[k]:>8.3f}" for k in KS) + f"{s.mrr:>8.3f}"
        )
    return "\n".join(lines)
