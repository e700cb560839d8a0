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

_CJK = r"\u4e00-\u9fff\u3000-\u303f\uff00-\uffef“”‘’"
_DIGIT_BLANKS = re.compile(rf"(?<=[{_CJK}])[ \t\xa0]+(?=[0-9A-Za-z.%])|(?<=[0-9A-Za-z%])[ \t\xa0]+(?=[{_CJK}])")
_PAGE_NUMBER = re.compile(r"^\s*(?:[-—－–]\s*)?(?:\d{1,3}|第\s*\d{1,3}\s*页(?:\s*共\s*\d+\s*页)?)(?:\s*[-—－–])?\s*$")
_CONTENTS = re.compile(r"[.．·…]{6,}\s*\d{0,3}\s*$")
# A line that opens a new unit: a numbered heading, a dash item, a 专栏 box, an article.
_OPENS_UNIT = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}[.．、](?!\d)|——|专栏|第[一二三四五六七八九十百]+[章条节部])")
_WRAPPED_SHARE = 0.5  # share of lines that fill the page width for the text to count as wrapped
_SLACK = 6  # columns a full line may fall short of the width (punctuation, digits, a word kept whole)


def unwrap(mt: MappedText) -> MappedText:
    """Join PDF-wrapped lines and drop page furniture (when wrapped); drop blanks around digits."""
    mt = _join_lines(mt)
    return mt.apply((m.start(), m.end(), "") for m in _DIGIT_BLANKS.finditer(mt.text))


def _join_lines(mt: MappedText) -> MappedText:
    """Lines run on when the text is wrapped (widths measured as printed, blanks included)."""
    lines = [_Line(m.start(), m.end(), m.group()) for m in re.finditer(r"[^\n]+", mt.text) if m.group().strip()]
    width = _wrap_width(lines)
    if width is None:
        return mt
    repeated = _running_headers(lines)
    kept = [line for line in lines if not _is_furniture(line.text, repeated)]
    edits = [(0, kept[0].start, "")] if kept else []
    for a, b in pairwise(kept):
        runs_on = _display_width(a.text) >= width - _SLACK and not _OPENS_UNIT.match(b.text)
        edits.append((a.end, b.start, "" if runs_on else "\n"))
    if kept:
        edits.append((kept[-1].end, len(mt.text), "\n" if mt.text.endswith("\n") else ""))
    return mt.apply(e for e in edits if mt.text[e[0] : e[1]] != e[2])


@dataclass(frozen=True)
class _Line:
    start: int
    end: int  # excluding the newline
    text: str


def _display_width(line: str) -> int:
    """Width as laid out on the page: a Chinese character takes two columns, a digit one."""
    return sum(1 if ord(ch) < 0x2E80 else 2 for ch in line.strip())


def _wrap_width(lines: list[_Line]) -> int | None:
    """The page width when most lines fill it (a wrapped text), else None."""
    widths = [_display_width(line.text) for line in lines if len(line.text.strip()) >= 8]
    if len(widths) < 20:
        return None
    width = Counter(widths).most_common(1)[0][0]
    full = sum(1 for w in widths if width - _SLACK <= w <= width + 2)
    return width if full / len(widths) >= _WRAPPED_SHARE and width <= 120 else None


def _running_headers(lines: list[_Line]) -> set[str]:
    """Short lines repeated on many pages (a document title printed in every page head)."""
    counts = Counter(line.text.strip() for line in lines if len(line.text.strip()) <= 40)
    return {text for text, n in counts.items() if n >= 3 and not _OPENS_UNIT.match(text)}


def _is_furniture(line: str, repeated: set[str]) -> bool:
    """A page number, a running header or a contents line: not part of any sentence."""
    stripped = line.strip()
    return bool(_PAGE_NUMBER.match(stripped) or _CONTENTS.search(stripped) or stripped in repeated)
