"""Fuzz the corpus-wide commands with documents built from real text cut at random points.

Each example is a national and a provincial document whose numbered provisions nest up to five
deep in the styles real texts use (GB/T 9704's 一、（一）1.（1）, 第X章/节/条, 1）, ①, (a),
附件), with bodies that are real sentences cut anywhere, empty (a heading directly followed by
the next heading), only □, only punctuation, only digits, or enormous. Ingest (with its shape
check), index, link, validate, export and the pages must all complete; odd units are skipped
and reported, never a reason to stop. A hashing embedder stands in for the model: what is under
test is that the code paths hold, not what the model says.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.service import Service
from common.settings import Settings
from graph.iris import DEFAULT_BASE, Iris
from graph.validate import check_document, validate_store
from ingest.manifest import Entry
from ingest.pipeline import parse_text
from ingest.structure import KINDS, int_to_cn
from search.linking import LOCAL_LEVELS, query_text
from search.units import unsearchable

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
REAL = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*/*.txt"))]
BASE = "http://testserver"

FUZZ = settings(max_examples=6, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

LABELS = {
    "item": lambda n: f"{int_to_cn(n)}、", "subitem": lambda n: f"（{int_to_cn(n)}）", "point": lambda n: f"{n}.",
    "subpoint": lambda n: f"（{n}）", "circled": lambda n: chr(0x2460 + n - 1), "chapter": lambda n: f"第{int_to_cn(n)}章",
    "section": lambda n: f"第{int_to_cn(n)}节", "article": lambda n: f"第{int_to_cn(n)}条",
    "listitem": lambda n: f"{n}）", "letter": lambda n: f"({chr(ord('a') + n - 1)})",
}
CHAINS = (("item", "subitem", "point", "subpoint", "circled"), ("chapter", "section", "article", "listitem", "letter"),
          ("item", "subitem", "point", "listitem", "letter"))
ODD = ("", "□", "（□）□□", "，。；：！", "2025", "——", "12345678")


@st.composite
def bodies(draw: st.DrawFn) -> str:
    """Real text cut at two random points, or one of the odd bodies real documents hold."""
    kind = draw(st.sampled_from(("real", "real", "real", "odd", "huge")))
    if kind == "odd":
        return draw(st.sampled_from(ODD))
    text = draw(st.sampled_from(REAL))
    start = draw(st.integers(0, len(text) - 1))
    if kind == "huge":
        return (text[start:].replace("\n", "") * 4)[:30_000]
    end = draw(st.integers(start, min(len(text), start + 300)))
    return text[start:end].replace("\n", "")  # a line break would start a provision of its own


@st.composite
def document_texts(draw: st.DrawFn) -> str:
    """A title, a preamble and 3-12 numbered provisions nesting up to 5 deep, maybe with an 附件."""
    chain = draw(st.sampled_from(CHAINS))
    lines = ["关于推进产业数字化转型的实施意见", "为贯彻落实有关部署，结合实际，提出如下意见。"]
    counters = [0] * len(chain)
    depth = 0
    for _ in range(draw(st.integers(3, 12))):
        if draw(st.integers(0, 9)) == 0:
            lines.append(f"附件{draw(st.integers(1, 3))}")
            counters, depth = [0] * len(chain), 0
        depth = draw(st.integers(0, min(depth + 1, len(chain) - 1)))
        counters[depth] += 1
        counters[depth + 1 :] = [0] * (len(chain) - depth - 1)
        lines.append(LABELS[chain[depth]](min(counters[depth], 20)) + draw(bodies()))
    return "\n".join(lines) + "\n"


class HashingEmbedder:
    """Character-bigram hashing into 64 dimensions: deterministic, no model, never a zero vector."""

    model_name = "test:hashing-bigrams"
    dim = 64

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        out[:, 0] = 1.0
        for row, text in enumerate(texts):
            for a, b in pairwise(text):
                out[row, 1 + hashlib.blake2b((a + b).encode(), digest_size=2).digest()[0] % (self.dim - 1)] += 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return self._embed(texts)

    def prefetch(self) -> None:  # the Embedder interface: nothing to load
        pass

    def warm(self) -> None:
        pass


HEADING_ONLY = ("关于加快制造业数字化转型的实施意见\n一、总体要求\n（一）指导思想。推动人工智能与制造业深度融合。\n"
                "十、\n十一、保障措施\n（□）□□\n（二）2025\n1.加强组织领导，建立工作机制。\n")


@pytest.mark.slow  # no model, but ingest + index + link + validate + pages per example: ~10 s each
@settings(FUZZ, max_examples=4)
@given(document_texts(), document_texts())
@example(HEADING_ONLY, HEADING_ONLY)  # the real provincial opinion whose empty 十、 stopped `policykg link` at 78 %
def test_corpus_wide_commands_complete_and_report_what_they_skip(national_text: str, local_text: str) -> None:
    docs = [
        parse_text(national_text, path="national/fuzz-nat.txt", meta=Entry(file="national/fuzz-nat.txt", level="national", region="全国")),
        parse_text(local_text, path="provincial/fuzz-gd.txt", meta=Entry(file="provincial/fuzz-gd.txt", level="provincial", region="广东省")),
    ]
    for doc in docs:
        assert {p.kind for p in doc.provisions} <= set(KINDS)
        assert all(doc.text[p.start : p.end] == p.text for p in doc.provisions)
    with tempfile.TemporaryDirectory() as data:
        svc = Service(Settings(data=Path(data), base_iri=BASE, store="oxigraph"))
        svc._embedder = HashingEmbedder()  # type: ignore[assignment]  # the model is not what is under test
        try:
            reports = {}
            svc.ingest(docs, on_check=lambda d, r: reports.__setitem__(d.id, r))
            assert all(r.violations == 0 for r in reports.values()), {k: r.brief() for k, r in reports.items()}
            summary = svc.link()
            local = [u for u in svc.index().units if u.kind == "provision" and u.level in LOCAL_LEVELS]
            wordless = {u.iri for u in local if unsearchable(query_text(u))}
            assert {s.iri for s in summary.skipped} == wordless
            targets = {str(r["target"]) for r in svc.links(limit=1000).rows}
            assert not targets & {u.iri for u in svc.index().units if unsearchable(query_text(u))}
            assert validate_store(svc.store).violations == 0
            assert list(ox.parse(svc.store.export("nq"), format=ox.RdfFormat.N_QUADS))
            with TestClient(create_app(service=svc), headers={"Accept": "text/html"}) as client:
                for doc in docs:
                    assert client.get(f"/documents/{doc.id}").status_code == 200
                for unit in local[:8]:
                    assert client.get(unit.iri.removeprefix(BASE)).status_code == 200, unit.iri
                assert client.get("/links").status_code == 200
                assert client.get("/coverage").status_code == 200
        finally:
            svc.close()


@settings(FUZZ, max_examples=30)
@given(document_texts())
def test_every_fuzzed_document_graph_passes_the_shapes(text: str) -> None:
    doc = parse_text(text, path="provincial/fuzz.txt", meta=Entry(file="provincial/fuzz.txt", level="provincial", region="广东省"))
    report = check_document(doc, iris=Iris(DEFAULT_BASE))
    assert report.violations == 0, report.brief()
