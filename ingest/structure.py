"""The numbered hierarchy of a policy text, in every numbering style real documents use.

GB/T 9704 (党政机关公文格式) prescribes 一、 > （一） > 1. > （1）; real texts add 第一部分,
第一章 > 第一节 > 第一条, 附件1, decimal clauses (2.1, 2.4.1, as GB/T 1.1 standards number
them), 1）, ①, ⑴, ⒈ and (a). Which style nests in which is learned from the document itself
(a style first seen inside another nests under it), because real texts differ: the Guangdong
解读 puts 第一部分 under 二、, a 办法 puts 第一条 under 第一章. Numbering garbled in a copy
(``（□）``) or lost (a heading line with no numeral between 一、 and 三、) is inferred from its
neighbours and flagged. Every style is a concept of ``pkgs:subdivision`` (ontology/schemes.ttl).

Text that no numbering covers is not dropped: a document with no numbered provisions (a statement,
a news item, a letter), or whose numbering starts only after several paragraphs, has those
paragraphs as provisions of kind ``paragraph`` (第二段, …), so every part of its text is in the
graph and in the search index. The first paragraph stays the preamble (the opening a document
node carries); a preamble of one or two paragraphs (开头 and 过渡句) before the numbering is the
usual GB/T 9704 shape and is left as it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from ingest.model import Provision

CN_DIGITS = "零一二三四五六七八九"
CN_NUM = "零〇一二三四五六七八九十百两"
DAMAGED = "□"


def _ordinal(ch: str) -> int:
    """① -> 1, ⑴ -> 1, ⒈ -> 1 (Unicode knows their numeric value)."""
    return int(unicodedata.numeric(ch))


@dataclass(frozen=True)
class Style:
    """One numbering style: its kind (a ``pkgs:subdivision`` concept), pattern and label."""

    kind: str
    pattern: re.Pattern[str]  # group "n" is the numeral as written
    label: str  # how the label reads, "{n}" standing for the numeral
    value: Callable[[str], int | None]  # numeral -> its value; None when damaged


# In nesting order of the usual document (a deeper style restarts its count under each new parent);
# the first pattern that matches a line wins.
STYLES: tuple[Style, ...] = (
    Style("annex", re.compile(r"^附\s*件\s*(?P<n>\d{1,2}|[一二三四五六七八九十]{1,3})?(?=\s*[：:]|\s|$)"),
          "附件{n}", lambda n: int(n) if n.isdigit() else (cn_to_int(n) if n else 1)),
    Style("part", re.compile(rf"^第(?P<n>[{CN_NUM}]+)部分"), "第{n}部分", lambda n: cn_to_int(n)),
    Style("chapter", re.compile(rf"^第(?P<n>[{CN_NUM}]+)章"), "第{n}章", lambda n: cn_to_int(n)),
    Style("section", re.compile(rf"^第(?P<n>[{CN_NUM}]+)节"), "第{n}节", lambda n: cn_to_int(n)),
    Style("article", re.compile(rf"^第(?P<n>[{CN_NUM}]+)条"), "第{n}条", lambda n: cn_to_int(n)),
    Style("item", re.compile(rf"^(?P<n>[{CN_NUM}]+)、"), "{n}、", lambda n: cn_to_int(n)),
    Style("subitem", re.compile(rf"^[（(]?(?P<n>[{CN_NUM}{DAMAGED}]{{1,3}})[）)]"), "（{n}）", lambda n: cn_to_int(n)),
    # 2.1 needs a space after it (2.5亿元 at a line start is a quantity); 2.4.1 does not
    Style("clause", re.compile(r"^(?P<n>\d{1,2}(?:[.．]\d{1,3}(?=[\s\u3000])|(?:[.．]\d{1,3}){2,4}(?![\d.．%])))"),
          "{n}", lambda n: int(re.split(r"[.．]", n)[-1])),
    Style("point", re.compile(r"^(?P<n>\d{1,3})(?:[.．、](?!\d)|\s)"), "{n}.", int),
    Style("point", re.compile(r"^(?P<n>[⒈-⒛])"), "{n}.", _ordinal),
    Style("subpoint", re.compile(r"^[（(](?P<n>\d{1,3})[）)]"), "（{n}）", int),
    Style("subpoint", re.compile(r"^(?P<n>[⑴-⒇])"), "（{n}）", _ordinal),
    Style("listitem", re.compile(r"^(?P<n>\d{1,2})[）)](?![\d）)])"), "{n}）", int),
    Style("circled", re.compile(r"^(?P<n>[①-⑳])"), "{n}", _ordinal),
    Style("letter", re.compile(r"^[（(]?(?P<n>[a-zA-Z])[）)]"), "({n})", lambda n: ord(n.lower()) - ord("a") + 1),
)
_RANK = {kind: i for i, kind in enumerate(dict.fromkeys(s.kind for s in STYLES))}
KINDS: tuple[str, ...] = (*_RANK, "paragraph")
"""Every provision kind the parser produces: the numbering styles in nesting order, then paragraphs."""
_SENTENCE_END = re.compile(r"[。；！？]")
_HEADING_LINE_MAX = 40
_CLAUSE_PUNCT = re.compile(r"[。；！？，：]")
_PARAGRAPH_END = re.compile(r"[。！？；：…”」）)]$")
PARAGRAPH_MAX = 600  # characters: a run of lines without sentence ends (a table) is cut into units of this size
PREAMBLE_PARAGRAPHS = 2  # paragraphs before the first numbered provision that are still the preamble


def cn_to_int(numeral: str) -> int | None:
    """一 -> 1, 十二 -> 12, 二十 -> 20; None for anything else (e.g. a damaged numeral)."""
    if not numeral or any(ch not in CN_NUM for ch in numeral):
        return None
    if numeral.isdigit():
        return int(numeral)
    total, current = 0, 0
    for ch in numeral:
        if ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            current = CN_DIGITS.index(ch) if ch in CN_DIGITS else (0 if ch == "〇" else 2)
    return total + current


def int_to_cn(value: int) -> str:
    """1 -> 一, 12 -> 十二, 21 -> 二十一 (enough for numbering, < 1000)."""
    if value < 10:
        return CN_DIGITS[value]
    if value < 20:
        return "十" + (CN_DIGITS[value % 10] if value % 10 else "")
    if value < 100:
        return CN_DIGITS[value // 10] + "十" + (CN_DIGITS[value % 10] if value % 10 else "")
    return CN_DIGITS[value // 100] + "百" + (int_to_cn(value % 100) if value % 100 else "")


def format_label(style: Style, numeral: str) -> str:
    return style.label.format(n=numeral)


@dataclass
class _Line:
    start: int
    end: int
    text: str


@dataclass
class _Numbered:
    line: _Line
    style: Style
    numeral: str  # as it should read (inferred when damaged)
    value: int | None
    label_end: int  # offset where the content after the label starts
    inferred: bool = False

    @property
    def slot(self) -> tuple[int, int]:
        """Where the style sits in the nesting: decimal clauses nest by their depth (2.1 > 2.1.1)."""
        depth = len(re.split(r"[.．]", self.numeral)) if self.style.kind == "clause" else 0
        return _RANK[self.style.kind], depth


def _lines(text: str, start: int, end: int) -> list[_Line]:
    out: list[_Line] = []
    pos = start
    for raw in text[start:end].split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            out.append(_Line(pos + lead, pos + lead + len(stripped), stripped))
        pos += len(raw) + 1
    return out


_GLUED = re.compile(r"(?<=[。；！？])[ \u3000]+(?=\S)")
_HEADING_KINDS = ("part", "chapter", "section", "article", "item", "subitem")
"""Numbering that only ever opens a heading (一、, （一）, 第一条…), never a quantity in running text."""


def _unglued(lines: list[_Line]) -> list[_Line]:
    """Lines with a heading glued after a sentence cut off (…的供应链。 （二）深化推广应用…): a copy
    extracted from a PDF often joins the next paragraph to the last line of a box (专栏) with a
    space, and the section heading it holds would otherwise be read as the box's text, its boxes
    numbered under the section before. Only a 一、 / （一） / 第…条-style numeral opens a line here:
    ``。 10 家`` is running text."""
    out: list[_Line] = []
    for line in lines:
        start = 0
        for m in _GLUED.finditer(line.text):
            rest = _Line(line.start + m.end(), line.end, line.text[m.end() :])
            num = _match(rest)
            if num is not None and num.style.kind in _HEADING_KINDS:
                out.append(_Line(line.start + start, line.start + m.start(), line.text[start : m.start()]))
                start = m.end()
        out.append(_Line(line.start + start, line.end, line.text[start:]))
    return out


def _match(line: _Line) -> _Numbered | None:
    for style in STYLES:
        m = style.pattern.match(line.text)
        if not m:
            continue
        numeral = m.group("n") or ""
        if style.kind == "point" and len(line.text) <= m.end():
            return None  # a bare number on a line is not a point
        value = style.value(numeral)
        if style.value is _ordinal and style.kind != "circled":
            numeral = str(value)  # ⑴ reads （1）, ⒈ reads 1.
        return _Numbered(line, style, numeral, value, line.start + m.end())
    return None


def _is_heading_line(line: _Line) -> bool:
    """A short standalone line without sentence punctuation: a heading whose numeral was lost."""
    return (
        len(line.text) <= _HEADING_LINE_MAX
        and not _SENTENCE_END.search(line.text)
        and not line.text.endswith(("，", "：", "、"))
        and not re.match(r"^[\d（(〔\[—–-]", line.text)
        and not re.search(r"\d{4}年\d{1,2}月", line.text)
    )


def _infer_numbering(found: list[_Numbered | None], lines: list[_Line]) -> list[_Numbered | None]:
    """Fill damaged numerals from the previous sibling; give lost 一、-level headings a numeral."""
    last_value: dict[tuple[int, int], int] = {}
    for num in found:
        if num is None:
            continue
        if num.value is None:  # damaged, e.g. （□）
            guess = last_value.get(num.slot, 0) + 1
            num.numeral, num.value, num.inferred = int_to_cn(guess), guess, True
        last_value[num.slot] = num.value
        for deeper in [slot for slot in last_value if slot > num.slot]:  # a deeper style restarts under each new parent
            del last_value[deeper]
    item = next(st for st in STYLES if st.kind == "item")
    items = [(i, n) for i, n in enumerate(found) if n is not None and n.style.kind == "item"]
    unnumbered = [i for i, n in enumerate(found) if n is None and _is_heading_line(lines[i])]
    if not items:
        # e.g. a repost that lost every 一、二、三、: heading lines followed by numbered content
        heads = [i for i in unnumbered if i + 1 < len(lines) and (found[i + 1] is not None or not _is_heading_line(lines[i + 1]))]
        if len(heads) >= 2:
            for value, i in enumerate(heads, start=1):
                found[i] = _Numbered(lines[i], item, int_to_cn(value), value, lines[i].start, inferred=True)
        return found
    # a heading line sitting where a numeral is missing from the 一、二、三、 sequence
    expected = 1
    values = {n.value for _, n in items}
    for i in range(len(found)):
        num = found[i]
        if num is not None and num.style.kind == "item":
            expected = (num.value or expected) + 1
        elif i in unnumbered and expected not in values and (expected + 1 in values):
            found[i] = _Numbered(lines[i], item, int_to_cn(expected), expected, lines[i].start, inferred=True)
            values.add(expected)
            expected += 1
    return found


def heading_of(content: str) -> str | None:
    """The first sentence when it reads as a heading, else None."""
    first = re.split(r"[。；\n]", content, maxsplit=1)[0].strip()
    if not first or len(first) > _HEADING_LINE_MAX:
        return None
    if first.startswith("“") and first.endswith("”"):
        first = first[1:-1]
    return first.rstrip("：:") or None


def paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``text[start:end]`` as paragraph spans: lines joined until one ends a sentence (a copy that
    hard-wrapped its lines keeps its sentences whole), cut at ``PARAGRAPH_MAX`` characters."""
    out: list[tuple[int, int]] = []
    first: int | None = None
    last_end = start
    for line in _lines(text, start, end):
        if first is None:
            first = line.start
        if _PARAGRAPH_END.search(line.text) or line.end - first >= PARAGRAPH_MAX:
            out.append((first, line.end))
            first = None
        last_end = line.end
    if first is not None:
        out.append((first, last_end))
    return out


def _paragraph_provisions(text: str, spans: list[tuple[int, int]]) -> list[Provision]:
    """Paragraphs as provisions, numbered in document order; a short run of lines with no sentence
    in it (a 落款 left between a notice and the text it issues: 国务院 / 2024年3月7日) is left out."""
    out = []
    for n, (s, e) in enumerate(spans, start=1):
        if e - s <= _HEADING_LINE_MAX and not _CLAUSE_PUNCT.search(text, s, e):
            continue
        label = f"第{int_to_cn(n)}段"
        out.append(Provision(path=[label], label=label, kind="paragraph", heading=None, text=text[s:e], start=s, end=e))
    return out


def _unnumbered_paragraphs(text: str, start: int, end: int, provisions: list[Provision]) -> list[Provision]:
    """Paragraph provisions for the text before the first numbered provision, past the preamble."""
    lead_end = text.rfind("\n", start, provisions[0].start) if provisions else end
    spans = paragraphs(text, start, max(lead_end, start))
    if provisions and len(spans) <= PREAMBLE_PARAGRAPHS:
        return []
    numbered_from = 2 if len(spans) > 1 else 1  # the first paragraph is the preamble, unless it is all there is
    return _paragraph_provisions(text, spans)[numbered_from - 1 :]


def parse_provisions(text: str, start: int, end: int) -> list[Provision]:
    """Split ``text[start:end]`` (the body) into provisions in document order: the numbered ones,
    after paragraph provisions for running text no numbering covers."""
    numbered = _numbered_provisions(text, start, end)
    return [*_unnumbered_paragraphs(text, start, end, numbered), *numbered]


def _numbered_provisions(text: str, start: int, end: int) -> list[Provision]:
    lines = _unglued(_lines(text, start, end))
    found = _infer_numbering([_match(line) for line in lines], lines)
    provisions: list[Provision] = []
    stack: list[tuple[tuple[int, int], Provision]] = []  # (style slot, provision)
    current: Provision | None = None
    for line, num in zip(lines, found, strict=True):
        if num is None:
            if current is not None:  # continuation paragraph
                current.end = line.end
                current.text = text[current.start : current.end]
            continue
        slots_open = [slot for slot, _ in stack]
        if num.style.kind == "annex":  # an attachment is a document of its own: never inside the body's numbering
            stack.clear()
        elif (cut := _legal_cut(stack, num.style.kind)) is not None:
            del stack[cut:]
        elif num.slot in slots_open:
            del stack[slots_open.index(num.slot) :]
        label = format_label(num.style, num.numeral)
        path = [_path_segment(p.kind, p.label) for _, p in stack]
        content_start = num.label_end
        while content_start < line.end and text[content_start] in " \u3000：:":
            content_start += 1
        current = Provision(
            path=[*path, _path_segment(num.style.kind, label)],
            label=label,
            kind=num.style.kind,
            heading=heading_of(text[content_start : line.end]),
            text=text[content_start : line.end],
            start=content_start,
            end=line.end,
            numbering_inferred=num.inferred,
        )
        provisions.append(current)
        stack.append((num.slot, current))
    return provisions


_LEGAL = ("part", "chapter", "section", "article")
"""第…部分 > 第…章 > 第…节 > 第…条: fixed by drafting practice, whatever a copy shows first (a text
cut before its 第一章 opens with 第一条; its 第二章 still does not nest in 第四条)."""


def _legal_cut(stack: list[tuple[tuple[int, int], Provision]], kind: str) -> int | None:
    """Where a legal-level heading closes the open provisions: at the first one of the same or a
    lower legal level; None when ``kind`` is not a legal level or none is open."""
    if kind not in _LEGAL:
        return None
    rank = _LEGAL.index(kind)
    return next((i for i, (_, p) in enumerate(stack) if p.kind in _LEGAL and _LEGAL.index(p.kind) >= rank), None)


def _path_segment(kind: str, label: str) -> str:
    """一、 -> 一 and 1. -> 1 in paths (二/（一）/1); other labels as they read."""
    return label.rstrip("、.") if kind in ("item", "point") else label
