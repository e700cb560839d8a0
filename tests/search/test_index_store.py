"""The index store on three bundled documents: freshness without reading units, updates that
read and embed only what changed, and a removal that search sees."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import search.index_store as index_store
import search.unit_cache as unit_cache
from graph.store import GraphStore
from ingest.manifest import read_manifest
from ingest.model import Document
from ingest.pipeline import parse_bytes
from search.embedder import Embedder
from search.index_store import IndexStore
from search.lexical import TOKENIZERS, WORDS, words
from tests.conftest import CORPUS, GUANGDONG_JIEDU, NATIONAL_NOTICE

OTHER = "2022-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"


class CountingEmbedder:
    """The real model, counting the passages it is asked to embed."""

    def __init__(self, real: Embedder) -> None:
        self.real, self.model_name, self.dim = real, real.model_name, real.dim
        self.passages: list[str] = []
        self.queries: list[str] = []

    def embed_passages(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        self.passages += texts
        return self.real.embed_passages(texts)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.queries += texts
        return self.real.embed_queries(texts)


@pytest.fixture
def docs(corpus_docs: dict[str, Document]) -> list[Document]:
    return [corpus_docs[NATIONAL_NOTICE], corpus_docs[GUANGDONG_JIEDU], corpus_docs[OTHER]]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Document graphs whose units the index store reads from the store."""
    seen: list[str] = []
    real = index_store.document_units

    def spy(store: GraphStore, graph: str):  # type: ignore[no-untyped-def]
        seen.append(graph)
        return real(store, graph)

    monkeypatch.setattr(index_store, "document_units", spy)
    return seen


def edited(doc: Document, addition: str) -> Document:
    """``doc`` re-read with ``addition`` put into the first sentence of its last provision."""
    entry = next(e for e in read_manifest(CORPUS) if Path(e.file).stem == doc.id)
    raw = (CORPUS / entry.file).read_text(encoding="utf-8")
    end = raw.index("。", raw.index(doc.provisions[-1].text[:6]))
    return parse_bytes((raw[:end] + addition + raw[end:]).encode(), name=entry.file, meta=entry)


def test_a_saved_index_is_current_without_reading_units_and_a_change_reads_one_document(
        tmp_path: Path, embedder: Embedder, docs: list[Document], reads: list[str]) -> None:
    store = GraphStore(tmp_path / "graph")
    store.ingest(docs)
    counting = CountingEmbedder(embedder)
    first = IndexStore(tmp_path / "index", embedder=lambda: counting).current(store)  # type: ignore[arg-type,return-value]
    assert len(reads) == 3 and counting.passages

    reads.clear()
    counting.passages.clear()
    again = IndexStore(tmp_path / "index", embedder=lambda: counting)  # type: ignore[arg-type,return-value]
    assert [u.iri for u in again.current(store).units] == [u.iri for u in first.units]
    assert reads == [] and counting.passages == []  # a new process: the token matched, nothing read

    store.ingest([edited(docs[2], "，并开展年度评估")])
    changed = again.current(store)
    assert reads == [str(store.iris.document_graph(OTHER))]
    assert len(counting.passages) >= 1 and all("开展年度评估" in t for t in counting.passages)
    assert changed.search("开展年度评估", k=1)[0].unit.doc_id == OTHER
    assert changed.graph_state != first.graph_state


def test_writing_the_links_graph_keeps_the_index(tmp_path: Path, embedder: Embedder, docs: list[Document],
                                                 reads: list[str]) -> None:
    store = GraphStore(tmp_path / "graph")
    store.ingest(docs)
    indexes = IndexStore(tmp_path / "index", embedder=lambda: embedder)
    before = indexes.current(store)
    store.replace_graph(store.iris.links_graph, [])
    reads.clear()
    assert indexes.current(store) is before and reads == []


def test_a_relink_of_some_documents_keeps_every_query_vector(
        tmp_path: Path, embedder: Embedder, docs: list[Document], monkeypatch: pytest.MonkeyPatch) -> None:
    """Linking one document asks with its provisions only; the others' query vectors must stay
    cached (a relink of every document after it once embedded them all again: 40 s on the real corpus)."""
    monkeypatch.setattr(unit_cache, "CHUNK", 4)  # compaction is due as soon as a call asks for a few texts
    store = GraphStore(tmp_path / "graph")
    store.ingest(docs)
    counting = CountingEmbedder(embedder)
    indexes = IndexStore(tmp_path / "index", embedder=lambda: counting)  # type: ignore[arg-type,return-value]
    linking = indexes.for_linking(indexes.current(store))
    texts = [u.text for u in linking.units if u.kind == "provision"]
    assert len(texts) > 2 * 2 + 4
    linking.embedder.embed_queries(texts)
    linking.embedder.embed_queries(texts[:2])
    counting.queries.clear()
    linking.embedder.embed_queries(texts)
    assert counting.queries == []


def test_removing_a_document_drops_its_units_from_search_without_embedding(
        tmp_path: Path, embedder: Embedder, docs: list[Document], reads: list[str]) -> None:
    store = GraphStore(tmp_path / "graph")
    store.ingest(docs)
    counting = CountingEmbedder(embedder)
    indexes = IndexStore(tmp_path / "index", embedder=lambda: counting)  # type: ignore[arg-type,return-value]
    before = indexes.current(store)
    query = docs[0].metadata.title or ""
    assert NATIONAL_NOTICE in {h.unit.doc_id for h in before.search(query, k=10)}

    reads.clear()
    counting.passages.clear()
    store.remove_document(NATIONAL_NOTICE)
    after = indexes.current(store)
    assert reads == [] and counting.passages == []
    assert NATIONAL_NOTICE not in {u.doc_id for u in after.units}
    assert len(after) == len(before) - sum(u.doc_id == NATIONAL_NOTICE for u in before.units)
    assert NATIONAL_NOTICE not in {h.unit.doc_id for h in after.search(query, k=10)}


def test_the_document_index_embeds_only_the_profiles_of_changed_documents(
        tmp_path: Path, embedder: Embedder, docs: list[Document], monkeypatch: pytest.MonkeyPatch) -> None:
    """... and cuts only their whole texts into words (the body view of a 200-document corpus took 7 s)."""
    cut: list[str] = []
    monkeypatch.setitem(TOKENIZERS, WORDS, lambda text: cut.append(text) or words(text))
    store = GraphStore(tmp_path / "graph")
    store.ingest(docs)
    counting = CountingEmbedder(embedder)
    indexes = IndexStore(tmp_path / "index", embedder=lambda: counting)  # type: ignore[arg-type,return-value]
    first = indexes.documents(store, indexes.current(store))
    assert len(first) == 3

    store.ingest([edited(docs[2], "，并开展年度评估")])
    units = indexes.current(store)
    counting.passages.clear()
    changed = indexes.documents(store, units)
    assert changed.graph_state != first.graph_state
    assert len(counting.passages) == 1 and "开展年度评估" in counting.passages[0]  # the edited document's profile
    assert len(cut) == 4 and "开展年度评估" in cut[-1]  # three bodies, then the edited one's
    counting.passages.clear()
    store.remove_document(NATIONAL_NOTICE)
    assert len(indexes.documents(store, indexes.current(store))) == 2 and counting.passages == []
