"""Action vectors pooled from their provision's pass: the span pooled is the action's, a label its
provision lacks is embedded alone, and the index's units name the same texts as a parsed document."""

from __future__ import annotations

import pytest

from ingest.model import Document
from search.embedder import Embedder
from search.late_chunking import in_context, passage_texts, pool, span_rows, split, unit_texts
from search.units import Unit
from tests.conftest import NATIONAL_NOTICE


def _provision_with_actions(doc: Document, n: int = 3):  # type: ignore[no-untyped-def]
    return next(p for p in doc.provisions if len(p.actions) >= n)


def test_span_rows_take_the_tokens_that_overlap_the_characters() -> None:
    # <s> ▁passage : ▁推进 废旧 纺织品 </s>, as offsets into "passage: 推进废旧纺织品"
    offsets = [(0, 0), (0, 7), (7, 8), (9, 11), (11, 13), (13, 16), (0, 0)]
    assert span_rows(offsets, 11, 16) == [4, 5]
    assert span_rows(offsets, 10, 12) == [3, 4]  # a token cut by the span's edge counts
    assert span_rows(offsets, 20, 24) == []  # past the model's length: nothing to pool


def test_context_texts_split_back_and_never_equal_a_plain_text(notice: Document) -> None:
    prov = _provision_with_actions(notice)
    label = prov.actions[0].label
    text = in_context(label, prov.text)
    assert split(text) == (label, prov.text)
    assert split(prov.text) is None and split(label) is None
    assert passage_texts([(prov.text, (label,))]) == [prov.text, text]


def test_units_name_the_texts_a_parsed_document_gives(notice: Document) -> None:
    """The index update (units read from the store) and the prefetch (the parsed document) must
    cache the same texts, or the update embeds everything again; paths repeat, IRIs do not."""
    base = "http://x/eli/doc"
    units = []
    for i, prov in enumerate(notice.provisions):
        meta = {"doc_id": notice.id, "doc_title": "", "doc_number": None, "level": "national", "region": "全国",
                "date": None, "doc_type": None, "path": ("一",)}  # one path for all: as in an annex
        units += [Unit(iri=f"{base}/p{i}/action/{n}", text=a.label, kind="action", **meta)  # type: ignore[arg-type]
                  for n, a in enumerate(prov.actions, 1)]
        units.append(Unit(iri=f"{base}/p{i}", text=prov.text, kind="provision", **meta))  # type: ignore[arg-type]
    assert set(unit_texts(units)) == set(passage_texts(notice.passages()))
    orphan = Unit(iri=f"{base}/gone/action/1", text="推进废旧纺织品循环利用", kind="action", **meta)  # type: ignore[arg-type]
    assert unit_texts([orphan]) == ["推进废旧纺织品循环利用"]


@pytest.mark.slow
def test_an_action_vector_is_its_span_pooled_from_the_provision_pass(embedder: Embedder, notice: Document) -> None:
    prov = _provision_with_actions(notice)
    labels = [a.label for a in prov.actions]
    texts = passage_texts([(prov.text, labels)])
    vectors = embedder.embed_passages(texts)
    # the provision's own vector is what a plain call gives
    assert float(vectors[0] @ embedder.embed_passages([prov.text])[0]) > 0.999
    # each action: the mean of the provision pass's states over its label's tokens
    onnx = embedder._onnx
    assert onnx is not None
    prefixed = "passage: " + prov.text
    ((ids, offsets),) = onnx.tokenize_with_offsets([prefixed])
    _, states = onnx.forward_states([ids])
    for label, vector in zip(labels, vectors[1:], strict=True):
        start = prefixed.find(label)
        expected = pool(states[0], span_rows(offsets, start, start + len(label)))
        assert float(vector @ expected) > 0.999
    # context dominates a pooled vector: it stays nearer its provision than any label alone does
    alone = embedder.embed_passages(labels)
    assert (vectors[1:] @ vectors[0]).min() > (alone @ vectors[0]).max()


@pytest.mark.slow
def test_a_label_its_provision_lacks_is_embedded_alone(embedder: Embedder, notice: Document) -> None:
    prov = _provision_with_actions(notice, 1)
    label = "培育一批智能制造示范工厂"
    assert label not in prov.text
    got = embedder.embed_passages([in_context(label, prov.text)])[0]
    assert float(got @ embedder.embed_passages([label])[0]) > 0.99


def test_notice_has_actions_to_pool(corpus_docs: dict[str, Document]) -> None:
    assert _provision_with_actions(corpus_docs[NATIONAL_NOTICE]).actions
