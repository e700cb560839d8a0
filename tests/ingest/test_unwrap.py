"""PDF-wrapped text: lines joined, page furniture dropped, offsets kept, targets read the same."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.pipeline import parse_text
from ingest.targets import targets
from ingest.textmap import MappedText
from ingest.unwrap import unwrap

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
PLANS = [
    "national/jiakuai-chuantong-zhizaoye-zhuanxing-shengji-zhidao-yijian-2023.txt",
    "national/feijiu-fangzhipin-xunhuan-liyong-shishi-yijian-2022.txt",
    "municipal/guangzhou-shishang-chanye-jiqun-gaozhiliang-fazhan-sannian-xingdong-jihua-2022.txt",
]


def _width(ch: str) -> int:
    return 2 if ord(ch) >= 0x2E80 or ch in ",.;:!?()" else 1  # as printed: punctuation full-width


def pdf_like(text: str, *, columns: int = 70, lines_per_page: int = 30, header: str = "政策文件") -> str:
    """Lay ``text`` out as text copied from a PDF: digits set apart by blanks, a hard break at
    the page width (~35 Chinese characters), and a page number and running header per page."""
    out: list[str] = []
    for paragraph in text.splitlines():
        paragraph = re.sub(r"(?<=[\u4e00-\u9fff，,])(\d+(?:\.\d+)?)", r" \1", paragraph)
        paragraph = re.sub(r"(\d)(?=[\u4e00-\u9fff])", r"\1 ", paragraph)
        line, width = "", 0
        for ch in paragraph:
            if width + _width(ch) > columns:
                out.append(line)
                line, width = "", 0
            line += ch
            width += _width(ch)
        out.append(line)
    paged: list[str] = []
    for n, start in enumerate(range(0, len(out), lines_per_page), start=1):
        paged += [*out[start:start + lines_per_page], f"- {n} -", header]
    return "\n".join(paged)


def _targets(raw: str) -> list[tuple[object, ...]]:
    doc = parse_text(raw, path="plan.txt")
    return [(t.quantity, t.unit, t.comparator, t.subject, t.deadline, t.baseline)
            for p in doc.provisions for t in p.targets]


@pytest.mark.parametrize("name", PLANS)
def test_targets_are_recovered_from_a_pdf_like_copy(name: str) -> None:
    raw = (CORPUS / name).read_text(encoding="utf-8")
    wrapped = pdf_like(raw)
    assert wrapped.count("\n") > raw.count("\n") + 15  # the copy really is wrapped
    expected = _targets(raw)
    assert expected
    assert _targets(wrapped) == expected


def test_spans_in_unwrapped_text_map_back_to_the_wrapped_raw() -> None:
    raw = pdf_like((CORPUS / PLANS[0]).read_text(encoding="utf-8"))
    doc = parse_text(raw, path="plan.txt")
    found = [t for p in doc.provisions for t in p.targets]
    assert found
    for t in found:
        start, end = doc.raw_span(t.start, t.end)
        assert re.sub(r"\s", "", raw[start:end]) == t.text


def test_page_numbers_and_running_headers_are_dropped() -> None:
    raw = pdf_like((CORPUS / PLANS[0]).read_text(encoding="utf-8"), lines_per_page=15, header="关于推动传统制造业转型升级的指导意见")
    text = unwrap(MappedText.identity(raw)).text
    assert "- 1 -" not in text
    assert text.count("关于推动传统制造业转型升级的指导意见") <= 1
    assert "到2027年，传统制造业高端化" in text.replace(",", "，")


def test_issue_example_sentence_is_joined() -> None:
    filler = ["为贯彻落实国家能源发展战略，推动能源结构优化调整，加快构建清"] * 24
    raw = "\n".join([*filler, "能源体系，制定本方案。到 2025 年，光伏装机容量力争达到 400", "万千瓦。"])
    text = unwrap(MappedText.identity(raw)).text
    assert "到2025年，光伏装机容量力争达到400万千瓦。" in text
    (t,) = targets(text, 0)
    assert (t.quantity, t.unit, t.comparator, t.deadline) == (400.0, "万千瓦", "atLeast", "2025")


def test_text_that_is_not_wrapped_keeps_its_lines() -> None:
    raw = (CORPUS / PLANS[1]).read_text(encoding="utf-8")
    mt = unwrap(MappedText.identity(raw))
    assert mt.text == raw  # no blanks around digits in this text, and its lines are paragraphs
    assert list(mt.origin) == list(range(len(raw) + 1))


def test_blanks_around_digits_go_everywhere_with_offsets() -> None:
    mt = unwrap(MappedText.identity("到 2025 年，建成 120 个平台。"))
    assert mt.text == "到2025年，建成120个平台。"
    start = mt.text.index("120")
    assert mt.raw_span(start, start + 3) == (12, 16)  # up to the next kept character


@pytest.mark.parametrize("name", PLANS)
def test_normalizing_a_pdf_like_copy_twice_changes_nothing(name: str) -> None:
    from ingest.normalize import normalize

    once = normalize(pdf_like((CORPUS / name).read_text(encoding="utf-8"))).text
    assert normalize(once).text == once


def test_short_repeated_lines_are_not_a_page_layout() -> None:
    raw = "\n".join(["关于推动纺织行业高质量发展的通知", *(["第一部分总体要求"] * 40)])
    assert unwrap(MappedText.identity(raw)).text == raw
