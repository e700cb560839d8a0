import importlib.util
from pathlib import Path

import opencc
import pytest

from ingest.charlm import CORPUS_DIR, default_lm
from ingest.mojibake import DAMAGED, repair_mojibake
from ingest.repair import repair
from ingest.textmap import MappedText

T2S = opencc.OpenCC("t2s")
CLEAN = sorted(p for p in CORPUS_DIR.rglob("*.txt") if "2023-fangzhi-fuzhuang-yougongji" not in p.name)


def _bench():
    path = Path(__file__).resolve().parents[2] / "bench" / "mojibake_accuracy.py"
    spec = importlib.util.spec_from_file_location("mojibake_accuracy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mojibake_run_is_redecoded() -> None:
    # the first heading of the real file, between its clean neighbours
    text = "制勝新賽道。\n。ㄒ唬┚劢垢叨嘶悄芑G色化,加快產業體系"
    out, repairs = repair_mojibake(MappedText.identity(text), lm=default_lm())
    assert T2S.convert(out.text) == "制胜新赛道。\n（一）聚焦高端化智能化绿色化,加快产业体系"
    assert {r.kind for r in repairs} >= {"mojibake", "inferred"}


def test_mangled_gloss_is_redecoded() -> None:
    text = "組織開展具有當?shù)禺a業特色的各類活動"
    out, repairs = repair_mojibake(MappedText.identity(text), lm=default_lm())
    assert T2S.convert(out.text) == "组织开展具有当地产业特色的各类活动"
    assert any(r.kind == "inferred" and r.after == "地" for r in repairs)


@pytest.mark.parametrize("path", CLEAN, ids=lambda p: p.stem)
def test_clean_text_passes_unchanged(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    out, repairs = repair(MappedText.identity(text))
    assert out.text == text
    assert repairs == []


def test_repair_is_general_on_damage_we_make() -> None:
    # leave-one-out character model: the repair cannot remember the damaged sentence
    res = _bench().run(60, seed=3)
    assert res["accuracy"] >= 0.96
    assert res["accuracy"] > res["accuracy_unrepaired"] + 0.04


def test_damaged_marks_are_reported() -> None:
    text = "推動?xùn)|部地區產業"
    out, repairs = repair_mojibake(MappedText.identity(text), lm=default_lm())
    marks = [i for i, c in enumerate(out.text) if c == DAMAGED]
    reported = {r.start for r in repairs if r.kind == "mojibake-damaged"}
    assert set(marks) == reported
