"""The micro-batcher gives every concurrent caller its own vectors, in fewer forward passes."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from search.batcher import MicroBatcher, VectorCache


def _fake_encode(calls: list[int]):
    """A stand-in model: the vector of a text is its code points, padded; each pass takes 5 ms."""

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        time.sleep(0.005)
        out = np.zeros((len(texts), 8), np.float32)
        for row, text in enumerate(texts):
            codes = [ord(c) for c in text[:8]]
            out[row, : len(codes)] = codes
        return out

    return encode


def test_concurrent_callers_each_get_their_own_rows_in_fewer_passes() -> None:
    calls: list[int] = []
    batcher = MicroBatcher(_fake_encode(calls), max_batch=32)
    queries = [[f"设备更新{i}", f"技术改造{i}"] if i % 3 == 0 else [f"数字经济{i}"] for i in range(24)]
    results: dict[int, np.ndarray] = {}
    start = threading.Barrier(len(queries))

    def client(i: int) -> None:
        start.wait()
        results[i] = batcher(queries[i])

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(queries))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    encode = _fake_encode([])
    for i, texts in enumerate(queries):
        np.testing.assert_array_equal(results[i], encode(texts))
    assert sum(calls) == sum(len(q) for q in queries)
    assert len(calls) < len(queries)  # batched, not one pass per caller
    assert max(calls) <= 32


def test_an_error_in_the_model_reaches_every_caller_and_the_batcher_recovers() -> None:
    def encode(texts: list[str]) -> np.ndarray:
        if "坏" in texts:
            raise ValueError("model failed")
        return np.ones((len(texts), 2), np.float32)

    batcher = MicroBatcher(encode)
    with pytest.raises(ValueError, match="model failed"):
        batcher(["坏"])
    assert batcher(["好", "好的"]).shape == (2, 2)


def test_vector_cache_keeps_the_most_recent_and_returns_read_only_rows() -> None:
    cache = VectorCache(maxsize=2)
    for i, text in enumerate(["一", "二", "三"]):
        cache.put(text, np.full(3, i, np.float32))
    assert cache.get("一") is None
    row = cache.get("三")
    assert row is not None and row.tolist() == [2, 2, 2]
    with pytest.raises(ValueError):
        row[0] = 9
    assert (cache.hits, cache.misses, len(cache)) == (1, 1, 2)


def test_length_batches_group_similar_lengths_under_a_padded_token_cap(corpus_docs) -> None:
    from search.batcher import length_batches

    provisions = [p for doc in corpus_docs.values() for p in doc.provisions]
    lengths = [len(p.text) for p in provisions] + [len(a.verb + a.object) for p in provisions for a in p.actions]
    assert max(lengths) > 1024 and len(lengths) > 200  # long provisions and many short actions
    batches = length_batches(lengths, rows=16, tokens=1024)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    firsts = [lengths[b[0]] for b in batches]
    assert firsts == sorted(firsts, reverse=True)  # longest first
    for batch in batches:
        assert len(batch) <= 16
        assert all(lengths[i] <= lengths[batch[0]] for i in batch)  # the first text is the widest
        assert len(batch) == 1 or len(batch) * lengths[batch[0]] <= 1024
    assert [len(b) for b in batches if lengths[b[0]] > 1024] == [1] * sum(n > 1024 for n in lengths)
    short = [b for b in batches[:-1] if lengths[b[0]] * 16 <= 1024]  # the last takes what is left
    assert short and all(len(b) == 16 for b in short)  # short texts still go 16 at a time
