"""Targets and agencies measured against the hand-read gold sets (bench/extraction_eval.py).

The bundled gold runs everywhere; the real gold needs the real corpus beside the repository
(``../shared/realcorpus``) and is skipped without it. Thresholds are the ones issue 18 set.
"""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path
from typing import get_args

import pytest

from ingest.model import Comparator

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("extraction_eval", ROOT / "bench" / "extraction_eval.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


BENCH = _bench()


@pytest.mark.parametrize("corpus", ["bundled", "real"])
def test_gold_files_are_well_formed(corpus: str) -> None:
    gold = tomllib.loads(BENCH.GOLD[corpus].read_text(encoding="utf-8"))
    comparators = set(get_args(Comparator))
    files = [d["file"] for d in gold["doc"]]
    assert len(files) == len(set(files))
    for doc in gold["doc"]:
        assert doc["split"] in ("bundled", "dev", "test")
        for t in doc["targets"]:
            assert t["cmp"] in comparators, t
            assert set(t) <= {"q", "hi", "unit", "cmp", "subject", "deadline", "baseline"}, t
    assert set(gold.get("agencies", {})) <= set(files)


def test_real_gold_covers_the_issue() -> None:
    gold = tomllib.loads(BENCH.GOLD["real"].read_text(encoding="utf-8"))
    docs = gold["doc"]
    assert len(docs) >= 15
    assert {d["file"].split("/")[0] for d in docs} == {"national", "provincial"}
    assert {"规划", "实施方案", "行动计划", "通知"} <= {d["kind"] for d in docs}
    test_share = sum(d["split"] == "test" for d in docs) / len(docs)
    assert 0.3 <= test_share <= 0.4


def test_bundled_gold_no_loss() -> None:
    (targets, _), = BENCH.evaluate("bundled", BENCH.CORPUS["bundled"]).values()
    table = targets.table(BENCH.TARGET_FIELDS)
    assert all(v["precision"] >= 0.95 and v["recall"] >= 0.95 for v in table.values()), table


@pytest.mark.skipif(not BENCH.CORPUS["real"].is_dir(), reason="the real corpus is not beside the repository")
def test_real_gold_meets_the_targets() -> None:
    splits = BENCH.evaluate("real", BENCH.CORPUS["real"])
    targets, agencies = BENCH.Tally(), BENCH.Tally()
    for t, a in splits.values():
        for mine, theirs in ((targets, t), (agencies, a)):
            mine.right.update(theirs.right)
            mine.predicted += theirs.predicted
            mine.gold += theirs.gold
    present = targets.table(["present"])["present"]
    assert present["precision"] >= 0.9 and present["recall"] >= 0.85, present
    assert targets.found_share("deadline") >= 0.9
    assert agencies.found_share("name") >= 0.9
