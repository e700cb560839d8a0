import importlib.util
from pathlib import Path

import opencc
import pytest

from ingest.repair import repair
from ingest.repair.charlm import default_lm
from ingest.repair.glosses import MANGLED_RE
from ingest.repair.mojibake import DAMAGED, _char_flags, _unit_flags, _units, repair_mojibake
from ingest.textmap import MappedText
from tests.conftest import CORPUS, NATIONAL_NOTICE

T2S = opencc.OpenCC("t2s")
CLEAN = sorted(p for p in CORPUS.rglob("*.txt") if p.stem != NATIONAL_NOTICE)


def _bench():
    path = Path(__file__).resolve().parents[3] / "bench" / "mojibake_accuracy.py"
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


def _out_of_step(text: str, drop: int) -> str:
    """``text`` in GBK with one junk byte in front and byte ``drop`` lost, decoded pair by pair."""
    data = bytearray(b"\xa1" + text.encode("gbk"))
    del data[drop]
    return _bench()._decode_out_of_step(bytes(data))


def test_a_gloss_after_a_half_character_chooses_it() -> None:
    # 強 (8F 8A) loses its trail byte; only its gloss says which 8F character it was
    bad = _out_of_step("（三）強化創意設計", 8)
    assert "(qiáng)" not in bad
    cut = bad.index("化")
    text = bad[:cut] + "(qiáng)" + bad[cut:]
    out, repairs = repair(MappedText.identity("活動。\n" + text + "與品牌建設"), lm=default_lm())
    assert "（三）強化創意設計" in out.text
    assert any(r.kind == "inferred" and r.after == "強" for r in repairs)


def test_readings_come_from_pypinyin() -> None:
    from ingest.repair.gbk_search import readings

    assert "qiáng" in readings("強") and "jìn" in readings("進")


def test_a_lead_byte_that_lost_its_high_bit_is_restored() -> None:
    from ingest.repair.gbk_search import decode

    # 各 is B8 F7; a 7-bit channel turned B8 into "8"
    obs = [*"宣傳報道。".encode("gbk"), 0x38, 0xF7, *"單位要".encode("gbk")]
    emitted, _ = decode(obs, default_lm(), left="抓好")
    assert "".join(e.char for e in emitted) == "宣傳報道。各單位要"


@pytest.mark.parametrize("path", sorted(CORPUS.rglob("*.txt"))[:8], ids=lambda p: p.stem[:30])
def test_flags_from_distinct_characters_equal_the_unit_by_unit_test(path: Path) -> None:
    """The fast path (no mangled gloss: units are characters) flags exactly what the per-unit loop
    flags, on real texts with their damage and on the same with strays, U+FFFD and ``?`` put in."""
    lm = default_lm()
    text = MANGLED_RE.sub("", path.read_text(encoding="utf-8"))  # those take the per-unit path
    noisy = text[:400] + "推进a产业\ufffd发展？?x9中" + text[400:800]
    for t in (text, noisy):
        assert _char_flags(t, lm) == _unit_flags(t, _units(t), lm)
    assert _char_flags(noisy, lm) != _char_flags(text[:400] + text[400:800], lm)
