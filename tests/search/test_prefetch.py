"""Passages embedded while an ingest writes: the update after it embeds nothing again, and what was
embedded ahead is exactly what the index holds (``Document.passages`` agrees with the graph's units)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from graph.store import GraphStore
from ingest.model import Document
from search.embedder import Embedder, ModelError
from search.index_store import IndexStore
from search.late_chunking import passage_texts, unit_texts
from search.unit_cache import UnitCache
from tests.conftest import GUANGDONG_JIEDU, NATIONAL_NOTICE
from tests.search.test_index_store import CountingEmbedder


def test_passages_embedded_while_writing_are_the_units_and_are_not_embedded_again(
        tmp_path: Path, embedder: Embedder, corpus_docs: dict[str, Document]) -> None:
    docs = [corpus_docs[NATIONAL_NOTICE], corpus_docs[GUANGDONG_JIEDU]]
    counting = CountingEmbedder(embedder)
    indexes = IndexStore(tmp_path / "index", embedder=lambda: counting)  # type: ignore[arg-type,return-value]
    store = GraphStore(tmp_path / "graph")
    for doc in docs:
        indexes.prefetch(doc.passages())
    store.ingest(docs)
    ahead = indexes.settle_prefetch()
    embedded_ahead = list(counting.passages)

    for doc in docs:  # an ingest's prefetch: the update builds the document index too
        indexes.prefetch(doc.passages())
    index = indexes.current(store)
    profiles = counting.passages[len(embedded_ahead):]
    assert len(profiles) == len(docs)  # the update embedded only the documents' profiles
    assert {d.doc_id for d in indexes.documents(store, index).docs} == {d.id for d in docs}
    assert counting.passages[len(embedded_ahead):] == profiles  # ... and the document index is not built again
    assert ahead == len(embedded_ahead) == len(set(embedded_ahead))  # each distinct text once, none again
    assert set(embedded_ahead) == set(unit_texts(index.units))  # actions: read in their provision
    hit = index.search(docs[1].provisions[-1].text[:30], k=1)[0]
    assert hit.unit.doc_id == GUANGDONG_JIEDU


def test_fill_embeds_only_texts_the_cache_lacks_and_vectors_reads_them(tmp_path: Path, embedder: Embedder) -> None:
    texts = ["推进纺织服装产业数字化转型", "支持企业开展技术改造"]
    cache = UnitCache(tmp_path, model=embedder.model_name, tokenizer="t")
    assert cache.fill(texts, embedder.embed_passages) == 2
    assert cache.fill([*texts, "培育一批智能制造示范工厂"], embedder.embed_passages) == 1

    fresh = UnitCache(tmp_path, model=embedder.model_name, tokenizer="t")  # another process later
    asked: list[str] = []
    vectors = fresh.vectors(texts, lambda t: asked.extend(t) or embedder.embed_passages(t), dim=embedder.dim)
    assert asked == [] and vectors.shape == (2, embedder.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-3)


def test_the_model_is_built_on_the_prefetch_thread_while_the_caller_goes_on(
        tmp_path: Path, embedder: Embedder, corpus_docs: dict[str, Document]) -> None:
    built = threading.Event()
    release = threading.Event()
    where: list[str] = []

    def build() -> Embedder:  # a new data directory: the first prefetch builds the model (~35 s)
        where.append(threading.current_thread().name)
        built.set()
        release.wait(30)
        return embedder

    indexes = IndexStore(tmp_path / "index", embedder=build)
    indexes.prefetch(corpus_docs[NATIONAL_NOTICE].passages())  # returns while the model is still being built
    assert built.wait(30) and not release.is_set()
    release.set()
    assert indexes.settle_prefetch() == len(set(passage_texts(corpus_docs[NATIONAL_NOTICE].passages())))
    assert where == ["prefetch"]


def test_a_model_that_cannot_be_built_costs_the_prefetch_nothing(tmp_path: Path,
                                                                 corpus_docs: dict[str, Document]) -> None:
    def broken() -> Embedder:
        raise ModelError("no model here")

    indexes = IndexStore(tmp_path / "index", embedder=broken)
    indexes.prefetch(corpus_docs[NATIONAL_NOTICE].passages())
    assert indexes.settle_prefetch() == 0  # the index update builds it again and reports the error
