"""The character model: built from counts that ship with the package, equal to the corpus's."""

import gzip
import json
from collections import Counter
from itertools import pairwise
from pathlib import Path

import numpy as np

from ingest.repair.charlm import CharLM, CorpusCounts, default_lm, sequence_trigrams
from tests.conftest import CORPUS


def test_shipped_counts_are_those_of_the_bundled_corpus() -> None:
    # fails when corpus/ changed without `python scripts/build_charlm_counts.py`
    shipped = CorpusCounts.bundled()
    counted = CorpusCounts.from_corpus(CORPUS)
    assert shipped.trigrams == counted.trigrams
    assert shipped.first_marks == counted.first_marks
    assert shipped.first_marks[0]["。"] > shipped.first_marks[0]["、"]


def test_counts_survive_a_save_and_load(tmp_path: Path) -> None:
    counts = CorpusCounts.from_texts(["（一）加强组织协调。各单位要重视舆论宣传工作，整合媒体资源。"])
    path = tmp_path / "counts.json.gz"
    counts.save(path)
    first = path.read_bytes()
    counts.save(path)
    assert path.read_bytes() == first  # same counts, same bytes: the shipped file diffs cleanly
    loaded = CorpusCounts.from_json(json.loads(gzip.decompress(first)))
    assert loaded == counts
    assert loaded.trigrams["组", "织", "协"] == 1


def test_unigrams_and_bigrams_are_the_marginals_of_sequence_trigrams() -> None:
    clauses = ["推进废旧纺织品循环利用，", "完善回收体系。", ""]
    lm = CharLM(sequence_trigrams(clauses))
    padded = ["\n" + c + "\n" for c in clauses]
    uni = Counter(ch for p in padded for ch in p[1:])
    bi = Counter(pair for p in padded for pair in pairwise(p))
    total, n = sum(uni.values()), len(uni)
    assert lm.chars == sorted(uni)
    assert np.allclose(lm._p1, [(uni[c] + 0.5) / (total + 0.5 * n) for c in lm.chars])
    assert {(h, lm.chars[i]): c for h, (ids, cnt) in lm._bi.items() for i, c in zip(ids, cnt, strict=True)} == bi


def test_default_model_reads_traditional_and_prefers_real_words() -> None:
    lm = default_lm()
    assert "產" in lm and "产" in lm
    assert lm.score("废旧纺织品循环利用") > lm.score("废纺旧利织循品环用")
