"""What a policy text says about itself: title, 文号, addressees (主送), issuers, date, type.

The header of a Chinese official document has a fixed order (title, 文号, 主送, body, signature,
date), but reposts drop or reorder parts, so each field is looked for on its own and the
header ends where the first line of running text starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.agencies import looks_like_agency
from ingest.extract import doc_numbers

_DATE_LINE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_TITLE_WORDS = re.compile(r"(关于|通知|意见|方案|计划|办法|公告|解读|措施|条件|规划|决定|规定|细则|纲要)")
_DOC_TYPES = ("解读", "公告", "通知", "指导意见", "实施意见", "意见", "行动方案", "实施方案", "方案", "行动计划", "计划",
              "管理办法", "办法", "政策措施", "措施", "规范条件", "条件", "规划", "决定")
_SENTENCE_PUNCT = re.compile(r"[。；！？，：]")


@dataclass
class Header:
    title: str | None = None
    doc_number: str | None = None
    addressees: list[str] = field(default_factory=list)
    issuers: list[str] = field(default_factory=list)
    date: str | None = None
    doc_type: str | None = None
    body_start: int = 0  # first offset after the header
    body_end: int = 0  # where the closing signature starts (or the end)
    addressee_span: tuple[int, int] | None = None
    issuer_spans: list[tuple[int, int]] = field(default_factory=list)


def _lines(text: str) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for raw in text.split("\n"):
        out.append((pos, pos + len(raw), raw.strip()))
        pos += len(raw) + 1
    return out


def _is_title_like(line: str) -> bool:
    return 0 < len(line) <= 90 and not _SENTENCE_PUNCT.search(line) and not _DATE_LINE.match(line)


def read_header(text: str) -> Header:
    """Find the header fields; offsets are into ``text`` (normalized)."""
    head = Header(body_end=len(text))
    lines = [ln for ln in _lines(text) if ln[2]]
    i = 0
    while i < len(lines) and re.fullmatch(r"附件\s*\d*", lines[i][2]):
        i += 1
    top = lines[i : i + 8]
    # 文号 on a line of its own, near the top
    number_idx = next((k for k, ln in enumerate(top) if (nums := doc_numbers(ln[2])) and len(nums[0]) >= len(ln[2]) - 2), None)
    if number_idx is not None:
        head.doc_number = doc_numbers(top[number_idx][2])[0]
        title_lines = [ln for ln in top[:number_idx] if _is_title_like(ln[2])]
        if not title_lines and _TITLE_WORDS.search(top[number_idx][2]):
            title_lines = [top[number_idx]]  # a 公告 whose number is its title
        consumed = number_idx + 1
    else:
        title_lines = []
        for ln in top:
            if not _is_title_like(ln[2]) or (title_lines and len(title_lines) >= 3):
                break
            title_lines.append(ln)
        if title_lines and not any(_TITLE_WORDS.search(ln[2]) for ln in title_lines):
            title_lines = []
        consumed = len(title_lines)
    if title_lines:
        head.title = _join_title([ln[2] for ln in title_lines])
    rest = top[consumed:]
    if rest and rest[0][2].endswith("：") and re.search(r"(各|有关|部|厅|委|局|政府|联合会)", rest[0][2]):
        start, end, line = rest[0]
        head.addressees = split_addressees(line[:-1])
        head.addressee_span = (start, end - 1)
        consumed += 1
    head.body_start = top[consumed][0] if consumed < len(top) else (top[-1][1] if top else 0)
    _read_closing(text, lines, head)
    if head.title and not head.issuers:
        head.issuers = issuers_from_title(head.title)
    if head.title is None:
        head.title = _embedded_title(lines, head.body_start)
    head.doc_type = doc_type(head.title)
    return head


def _join_title(parts: list[str]) -> str:
    """Title lines broken across lines: issuer line + 关于… keeps a space, broken words join."""
    title = parts[0]
    for part in parts[1:]:
        sep = " " if looks_like_agency(title.split(" ")[-1]) and part.startswith("关于") else ""
        title += sep + part
    return title


def _embedded_title(lines: list[tuple[int, int, str]], body_start: int) -> str | None:
    """An 印发 notice carries the plan's own title on a line further down."""
    for _, _, line in lines:
        if _is_title_like(line) and re.search(r"(方案|计划|办法|意见|措施)(（[^）]*）)?$", line) and not looks_like_agency(line):
            return line
    return None


def _read_closing(text: str, lines: list[tuple[int, int, str]], head: Header) -> None:
    """The signature block: agency lines right above a standalone date line."""
    for k, (start, _end, line) in enumerate(lines):
        m = _DATE_LINE.match(line)
        if not m:
            continue
        head.date = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
        j = k - 1
        names: list[tuple[int, int, str]] = []
        while j >= 0:
            pieces = [(p.start(), p.group()) for p in re.finditer(r"\S+", lines[j][2])]
            if not pieces or not all(looks_like_agency(p) for _, p in pieces):
                break
            lead = lines[j][0] + (len(text[lines[j][0] : lines[j][1]]) - len(text[lines[j][0] : lines[j][1]].lstrip()))
            names = [(lead + off, lead + off + len(p), p) for off, p in pieces] + names
            j -= 1
        head.issuers = [n for _, _, n in names]
        head.issuer_spans = [(s, e) for s, e, _ in names]
        block_start = lines[j + 1][0] if names else start
        if all(not ln[2] or _DATE_LINE.match(ln[2]) or ln[2].startswith("（此件") for ln in lines[k + 1 :]):
            head.body_end = block_start  # a closing signature, not an 印发 notice's
        return


def split_addressees(line: str) -> list[str]:
    """主送: split on commas; a 、-list is split further when every piece is an agency name."""
    out: list[str] = []
    for segment in re.split(r"[，,；]", line):
        segment = segment.strip()
        if not segment:
            continue
        pieces = [p.strip() for p in segment.split("、")]
        if len(pieces) > 1 and all(looks_like_agency(p) and len(p) <= 10 for p in pieces):
            out.extend(pieces)
        else:
            out.append(segment)
    return out


def issuers_from_title(title: str) -> list[str]:
    """工业和信息化部办公厅 商务部办公厅关于… -> the two offices; 工业和信息化部等八部门关于… -> 工业和信息化部."""
    prefix = title.split("关于", 1)[0] if "关于" in title else ""
    prefix = re.sub(r"等[\u4e00-\u9fff\d]{1,3}部门$", "", prefix)
    names = [p for p in re.split(r"[\s、]+", prefix) if p]
    return [n for n in names if looks_like_agency(n)]


def doc_type(title: str | None) -> str | None:
    if not title:
        return None
    bare = re.sub(r"《[^》]*》", "", title)
    bare = re.sub(r"（[^）]*）$", "", bare)
    for kind in _DOC_TYPES:
        if bare.endswith(kind):
            return kind
    found = re.findall("|".join(_DOC_TYPES), bare)
    return found[-1] if found else None
