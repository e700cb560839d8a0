import pytest

from ingest.repair.glosses import strip_glosses
from ingest.textmap import MappedText


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("工業(yè)和信息化部", "工業和信息化部"),
        ("商務(wù)部辦公廳關(guān)于", "商務部辦公廳關于"),
        ("產(chǎn)業(yè)", "產業"),
    ],
)
def test_glosses_are_stripped(raw: str, clean: str) -> None:
    out, repairs, pinyin_at = strip_glosses(MappedText.identity(raw))
    assert out.text == clean
    assert len(repairs) == raw.count("(")
    assert all(r.kind == "gloss" and out.text[r.start] == r.after for r in repairs)
    assert set(pinyin_at) == {r.start for r in repairs}


@pytest.mark.parametrize(
    "text",
    ["按照《计划表》(见附件)安排", "行动计划(2021—2025年)", "(一)发展现状", "（一）加强组织", "5G(第五代)"],
)
def test_real_parentheses_are_kept(text: str) -> None:
    out, repairs, _ = strip_glosses(MappedText.identity(text))
    assert out.text == text and repairs == []


def test_stripping_keeps_raw_offsets() -> None:
    raw = "工業(yè)和信息化部"
    out, _, _ = strip_glosses(MappedText.identity(raw))
    assert out.origin[:3] == (0, 1, 6)
    assert len(out.origin) == len(out.text) + 1
