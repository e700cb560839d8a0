"""The numbered hierarchy of a policy text: 第一部分 / 第一章 / 第一条 / 一、 / （一） / 1. / （1）.

Which style nests in which is learned from the document itself (a style first seen inside
another nests under it), because real texts differ: the Guangdong 解读 puts 第一部分 under 二、,
a 办法 puts 第一条 under 第一章. Numbering garbled in a copy (``（□）``) or lost (a heading
line with no numeral between 一、 and 三、) is inferred from its neighbours and flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.model import Provision

CN_DIGITS = "零一二三四五六七八九"
CN_NUM = "零〇一二三四五六七八九十百两"
DAMAGED = "□"

# One pattern per numbering style; group "n" is the numeral as written.
_STYLES: list[tuple[str, str, re.Pattern[str]]] = [
    ("part", "部分", re.compile(rf"^第(?P<n>[{CN_NUM}]+)部分")),
    ("chapter", "章", re.compile(rf"^第(?P<n>[{CN_NUM}]+)章")),
    ("article", "条", re.compile(rf"^第(?P<n>[{CN_NUM}]+)条")),
    ("item", "、", re.compile(rf"^(?P<n>[{CN_NUM}]+)、")),
    ("subitem", "（）", re.compile(rf"^[（(]?(?P<n>[{CN_NUM}{DAMAGED}]{{1,3}})[）)]")),
    ("point", ".", re.compile(r"^(?P<n>\d{1,3})(?:[.．、](?!\d)|\s)")),
    ("subpoint", "（1）", re.compile(r"^[（(](?P<n>\d{1,3})[）)]")),
]
_SENTENCE_END = re.compile(r"[。；！？]")
_HEADING_LINE_MAX = 40


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


def format_label(kind: str, numeral: str) -> str:
    return {
        "part": f"第{numeral}部分",
        "chapter": f"第{numeral}章",
        "article": f"第{numeral}条",
        "item": f"{numeral}、",
        "subitem": f"（{numeral}）",
        "point": f"{numeral}.",
        "subpoint": f"（{numeral}）",
    }[kind]


@dataclass
class _Line:
    start: int
    end: int
    text: str


@dataclass
class _Numbered:
    line: _Line
    kind: str
    numeral: str  # as it should read (inferred when damaged)
    value: int | None
    label_end: int  # offset where the content after the label starts
    inferred: bool = False


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


def _match(line: _Line) -> _Numbered | None:
    for kind, _, pattern in _STYLES:
        m = pattern.match(line.text)
        if not m:
            continue
        numeral = m.group("n")
        if kind in ("point", "subpoint"):
            value: int | None = int(numeral)
        else:
            value = cn_to_int(numeral)
        if kind == "point" and len(line.text) <= m.end():
            return None  # a bare number on a line is not a point
        return _Numbered(line, kind, numeral, value, line.start + m.end())
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
    last_value: dict[str, int] = {}
    for num in found:
        if num is None:
            continue
        if num.value is None:  # damaged, e.g. （□）
            guess = last_value.get(num.kind, 0) + 1
            num.numeral, num.value, num.inferred = int_to_cn(guess), guess, True
        last_value[num.kind] = num.value
        # a deeper style restarts under each new parent
        depth = [k for k, _, _ in _STYLES].index(num.kind)
        for k, _, _ in _STYLES[depth + 1 :]:
            last_value.pop(k, None)
    items = [(i, n) for i, n in enumerate(found) if n is not None and n.kind == "item"]
    unnumbered = [i for i, n in enumerate(found) if n is None and _is_heading_line(lines[i])]
    if not items:
        # e.g. a repost that lost every 一、二、三、: heading lines followed by numbered content
        heads = [i for i in unnumbered if i + 1 < len(lines) and (found[i + 1] is not None or not _is_heading_line(lines[i + 1]))]
        if len(heads) >= 2:
            for value, i in enumerate(heads, start=1):
                found[i] = _Numbered(lines[i], "item", int_to_cn(value), value, lines[i].start, inferred=True)
        return found
    # a heading line sitting where a numeral is missing from the 一、二、三、 sequence
    expected = 1
    values = {n.value for _, n in items}
    for i in range(len(found)):
        num = found[i]
        if num is not None and num.kind == "item":
            expected = (num.value or expected) + 1
        elif i in unnumbered and expected not in values and (expected + 1 in values):
            found[i] = _Numbered(lines[i], "item", int_to_cn(expected), expected, lines[i].start, inferred=True)
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


def parse_provisions(text: str, start: int, end: int) -> list[Provision]:
    """Split ``text[start:end]`` (the body) into provisions in document order."""
    lines = _lines(text, start, end)
    found = _infer_numbering([_match(line) for line in lines], lines)
    provisions: list[Provision] = []
    stack: list[tuple[str, Provision]] = []  # (style kind, provision)
    current: Provision | None = None
    for line, num in zip(lines, found, strict=True):
        if num is None:
            if current is not None:  # continuation paragraph
                current.end = line.end
                current.text = text[current.start : current.end]
            continue
        kinds_open = [k for k, _ in stack]
        if num.kind in kinds_open:
            del stack[kinds_open.index(num.kind) :]
        label = format_label(num.kind, num.numeral)
        path = [p.label.rstrip("、.") if p.kind in ("item", "point") else p.label for _, p in stack]
        own = label.rstrip("、.") if num.kind in ("item", "point") else label
        content_start = num.label_end
        while content_start < line.end and text[content_start] in " \u3000":
            content_start += 1
        current = Provision(
            path=[*path, own],
            label=label,
            kind=num.kind,
            heading=heading_of(text[content_start : line.end]),
            text=text[content_start : line.end],
            start=content_start,
            end=line.end,
            numbering_inferred=num.inferred,
        )
        provisions.append(current)
        stack.append((num.kind, current))
    return provisions
