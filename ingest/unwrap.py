"""Text extracted from a PDF, put back into sentences, with the offset map kept.

Most government documents are published as PDF; text copied out of one breaks every line at
the page width (也 mid-sentence: ``光伏装机容量力争达到 400⏎万千瓦``), sets digits apart with
spaces (``到 2025 年``), and carries page numbers, running headers and a table of contents
among the sentences. Sentence rules (deadlines, targets) cannot see across such breaks.

``unwrap`` always drops blanks between Chinese and digits (``到 2025 年`` -> ``到2025年``, also
seen in web copies of PDFs). Only when the text *looks* wrapped (most lines about as wide as
the widest) does it join lines that run on, and drop page-number lines, lines repeated as
running headers and dot-leader contents lines. Text that does not look wrapped keeps its lines.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from ingest.textmap import MappedText

_CJK = r"\u4e00-\u9fff"  # ideographs only: a blank beside punctuation is left alone (it may be unified later)
_ALNUM = "0-9A-Za-z%０-９Ａ-Ｚａ-ｚ％"  # full-width forms too: they become ASCII later in normalize
_DIGIT_BLANKS = re.compile(rf"(?<=[{_CJK}])[ \t\xa0]+(?=[{_ALNUM}.])|(?<=[{_ALNUM}])[ \t\xa0]+(?=[{_CJK}])")
_LINE_NUMBER = re.compile(r"0\d{1,2}")  # zero-padded item numbers of a 专栏 box: 01, 02
_PAGE_NUMBER = re.compile(r"^\s*(?:[-—－–]\s*)?(?:\d{1,3}|第\s*\d{1,3}\s*页(?:\s*共\s*\d+\s*页)?)(?:\s*[-—－–])?\s*$")
_CONTENTS = re.compile(r"[.．·…]{6,}\s*\d{0,3}\s*$")
# A line that opens a new unit: a numbered heading, a dash item, a 专栏 box, an article.
_OPENS_UNIT = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}[.．、](?!\d)|0\d{1,2}\s|——|专栏|"
    r"第[一二三四五六七八九十百]+[章条节部])"
)
_WRAPPED_SHARE = 0.5  # share of lines that fill the page width for the text to count as wrapped
_MIN_LINES = 10  # fewer full lines than this is no evidence of a page layout
_MIN_WIDTH, _MAX_WIDTH = 40, 120  # columns of a printed page: 20 to 60 Chinese characters
_MAX_PASSES = 3
_SLACK = 6  # columns a full line may fall short of the width (punctuation, digits, a word kept whole)


def unwrap(mt: MappedText) -> MappedText:
    """Join PDF-wrapped lines and drop page furniture (when wrapped); drop blanks around digits.

    Joining runs until nothing changes, so a second normalization finds nothing left to join.
    """
    for _ in range(_MAX_PASSES):
        joined = _join_lines(mt)
        if joined.text == mt.text:
            break
        mt = joined
    return mt.apply((m.start(), m.end(), "") for m in _DIGIT_BLANKS.finditer(mt.text) if not _numbers_line(mt.text, m.start()))


def _join_lines(mt: MappedText) -> MappedText:
    """Lines run on when the text is wrapped (widths measured as printed, blanks included)."""
    lines = [_Line(m.start(), m.end(), m.group()) for m in re.finditer(r"[^\n]+", mt.text) if m.group().strip()]
    width = _wrap_width(lines)
    if width is None:
        return mt
    headers = _running_headers(lines)
    kept = [line for line in lines if not _PAGE_NUMBER.match(line.text) and not _CONTENTS.search(line.text)
            and line.text.strip() not in headers]
    edits = [(0, kept[0].start, "")] if kept else []
    for a, b in pairwise(kept):
        runs_on = _fills(a.text, width) and not _OPENS_UNIT.match(b.text)
        edits.append((a.end, b.start, "" if runs_on else "\n"))
    if kept:
        edits.append((kept[-1].end, len(mt.text), "\n" if mt.text.endswith("\n") else ""))
    return mt.apply(e for e in edits if mt.text[e[0] : e[1]] != e[2])


def _numbers_line(text: str, pos: int) -> bool:
    """The blank at ``pos`` follows an item number that opens its line (``01 关键核心技术``): keep it."""
    return bool(_LINE_NUMBER.fullmatch(text, text.rfind("\n", 0, pos) + 1, pos))


@dataclass(frozen=True)
class _Line:
    start: int
    end: int  # excluding the newline
    text: str


def _display_width(line: str) -> int:
    """Width as laid out on the page: a Chinese character or punctuation mark takes two columns,
    a digit or Latin letter one. Measured as the line will read once normalized (ASCII
    punctuation full-width, no blanks around digits), so a second pass measures the same."""
    line = _DIGIT_BLANKS.sub("", line.strip())
    return sum(2 if ord(ch) >= 0x2E80 or ch in ",.;:!?()" else 1 for ch in line)


def _fills(line: str, width: int) -> bool:
    """The line ends at the page width: the break is the layout's, not the author's."""
    return width - _SLACK <= _display_width(line) <= width + _SLACK


def _wrap_width(lines: list[_Line]) -> int | None:
    """The page width when most lines fill it (a wrapped text), else None."""
    widths = [_display_width(line.text) for line in lines if len(line.text.strip()) >= 8]
    if len(widths) < _MIN_LINES:
        return None
    width = Counter(widths).most_common(1)[0][0]
    full = sum(1 for w in widths if width - _SLACK <= w <= width + _SLACK)
    wrapped = full >= _MIN_LINES and full / len(widths) >= _WRAPPED_SHARE and _MIN_WIDTH <= width <= _MAX_WIDTH
    return width if wrapped else None


def _running_headers(lines: list[_Line]) -> set[str]:
    """Short lines repeated next to page numbers (a title printed at the head of every page)."""
    near_page_number: Counter[str] = Counter()
    for i, line in enumerate(lines):
        neighbours = lines[max(0, i - 1) : i] + lines[i + 1 : i + 2]
        text = line.text.strip()
        if len(text) <= 40 and not _PAGE_NUMBER.match(text) and any(_PAGE_NUMBER.match(n.text) for n in neighbours):
            near_page_number[text] += 1
    return {text for text, n in near_page_number.items() if n >= 3 and not _OPENS_UNIT.match(text)}
