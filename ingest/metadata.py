"""What a policy text says about itself: title, 文号, addressees (主送), issuers, date, type.

The header of a Chinese official document has a fixed order (title, 文号, 主送, body, signature,
date), but reposts drop or reorder parts, so each field is looked for on its own and the
header ends where the first line of running text starts. A field the text does not show stays
empty (a numbered heading is not a title); each found field keeps its evidence span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest import jurisdiction
from ingest.agencies import looks_like_agency, split_joined
from ingest.extract import doc_numbers

_DATE_LINE = re.compile(r"^[（(]?(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日[）)]?(?:印发|发布|起施行)?$")
_CN_DATE_LINE = re.compile(r"^[（(]?([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日[）)]?$")
_MONTH_LINE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月$")
_TITLE_WORDS = re.compile(r"(关于|通知|意见|方案|计划|办法|公告|解读|措施|条件|规划|决定|规定|细则|纲要|指南|要点|规范|批复|"
                          r"规则|指引|清单|名单|倡议|标准体系|报告|要求)")
_NUMBERED = re.compile(r"^(第[一二三四五六七八九十百\d]+[章节条部分篇]|[一二三四五六七八九十]+[、．.]|[（(][一二三四五六七八九十\d]+[)）]|"
                       r"\d+[.．、]|专栏|附件|附表|目\s*录)")
_NOT_A_TITLE_START = re.compile(r"^(为|根据|按照|近年来|当前|目前|本|各|经|现|主要|其中|以|在|对|从|由|是|有)")
DOC_TYPES = ("解读", "公告", "通知", "指导意见", "实施意见", "意见", "行动方案", "实施方案", "方案", "行动计划", "计划",
              "管理办法", "办法", "政策措施", "措施", "规范条件", "条件", "规划", "决定")
_SENTENCE_PUNCT = re.compile(r"[。；！？，：]")
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}

Span = tuple[int, int]


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
    addressee_span: Span | None = None
    issuer_spans: list[Span] = field(default_factory=list)
    spans: dict[str, Span] = field(default_factory=dict)  # evidence of title, doc_number, date
    place: jurisdiction.Jurisdiction | None = None  # level and region as the text gives them


def _lines(text: str) -> list[tuple[int, int, str]]:
    """Lines as (start, end, stripped text); start/end bound the stripped text itself."""
    out, pos = [], 0
    for raw in text.split("\n"):
        lead = len(raw) - len(raw.lstrip())
        stripped = raw.strip()
        out.append((pos + lead, pos + lead + len(stripped), stripped))
        pos += len(raw) + 1
    return out


def _is_title_like(line: str) -> bool:
    return (0 < len(line) <= 90 and not _SENTENCE_PUNCT.search(line) and not _date_of(line)
            and not _NUMBERED.match(line) and not _NOT_A_TITLE_START.match(line) and "..." not in line
            and "…" not in line)


def _cn_number(text: str) -> int:
    """十二 -> 12, 二十 -> 20, 三十一 -> 31 (month and day numerals)."""
    if "十" not in text:
        return _CN_DIGITS[text]
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _date_of(line: str) -> str | None:
    """An ISO date when ``line`` is a date and nothing else: 2023年4月14日, 二〇二三年四月十四日, 2022 年11月."""
    if m := _DATE_LINE.match(line):
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    if m := _CN_DATE_LINE.match(line):
        year = "".join(str(_CN_DIGITS[c]) for c in m.group(1))
        return f"{year}-{_cn_number(m.group(2)):02d}-{_cn_number(m.group(3)):02d}"
    if m := _MONTH_LINE.match(line):
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    return None


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
        start, _end, line = top[number_idx]
        head.doc_number = doc_numbers(line)[0]
        pos = start + line.find(head.doc_number)
        head.spans["doc_number"] = (pos, pos + len(head.doc_number))
        title_lines = [ln for ln in top[:number_idx] if _is_title_like(ln[2])]
        if not title_lines and _TITLE_WORDS.search(line):
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
        if consumed < len(top) and _date_of(top[consumed][2]) and not head.date:  # a cover date under the title
            head.date, head.spans["date"] = _date_of(top[consumed][2]), top[consumed][:2]
            consumed += 1
    if title_lines:
        head.title = _cut_run_on(_join_title([ln[2] for ln in title_lines]))
        head.spans["title"] = (title_lines[0][0], title_lines[0][0] + len(head.title)) if len(title_lines) == 1 else (
            title_lines[0][0], title_lines[-1][1])
    rest = top[consumed:]
    if rest and rest[0][2].endswith("：") and re.search(r"(各|有关|部|厅|委|局|政府|联合会|单位|学校|公司)", rest[0][2]):
        start, end, line = rest[0]
        head.addressees = split_addressees(line[:-1])
        head.addressee_span = (start, end - 1)
        consumed += 1
    head.body_start = top[consumed][0] if consumed < len(top) else (top[-1][1] if top else 0)
    _read_closing(text, lines, head)
    if head.title and not head.issuers:
        head.issuers = issuers_from_title(head.title)
        title_start = head.spans["title"][0]
        head.issuer_spans = [(title_start + p, title_start + p + len(n))
                             for n in head.issuers if (p := head.title.find(n)) >= 0]
    if head.title is None and (found := _embedded_title(lines, head.body_end)) is not None:
        head.title, head.spans["title"] = found[2], found[:2]
    if head.date is None and head.doc_number and (m := re.search(r"〔(\d{4})〕", head.doc_number)):
        head.date, head.spans["date"] = m.group(1), head.spans["doc_number"]
    head.doc_type = doc_type(head.title)
    head.place = _place(text, head)
    return head


def _place(text: str, head: Header) -> jurisdiction.Jurisdiction:
    issuers = [(s, e, text[s:e]) for s, e in head.issuer_spans]
    title = (*head.spans["title"], head.title) if head.title and "title" in head.spans else None
    number_start = head.spans.get("doc_number", (0, 0))[0]
    addressees = text[slice(*head.addressee_span)] if head.addressee_span else ""
    return jurisdiction.infer(text, issuers=issuers, title=title, doc_number=head.doc_number,  # type: ignore[arg-type]
                              doc_number_start=number_start, addressees=addressees)


def _cut_run_on(title: str) -> str:
    """A title the copy ran into the first sentence (…行动计划（2021-2025 年）智慧健康养老产业是…) ends
    at its document type and the bracket after it."""
    m = re.match(r"^.{4,60}?(?:计划|方案|规划|意见|办法|指南|通知|规定|细则|要点|措施|纲要)(?:（[^）]{1,20}）)*", title)
    if m and len(title) - m.end() > 10 and m.group().count("《") == m.group().count("》"):
        return m.group()
    return title


def _join_title(parts: list[str]) -> str:
    """Title lines broken across lines: issuer line + 关于… keeps a space, broken words join."""
    title = parts[0]
    for part in parts[1:]:
        sep = " " if looks_like_agency(title.split(" ")[-1]) and part.startswith("关于") else ""
        title += sep + part
    return title


def _embedded_title(lines: list[tuple[int, int, str]], body_end: int) -> tuple[int, int, str] | None:
    """An 印发 notice carries the plan's own title on a line of its own after its signature."""
    for start, end, line in lines:
        if start < body_end:
            continue
        if (_is_title_like(line) and re.search(r"(方案|计划|办法|意见|措施|规划|指南|细则|规定)(（[^）]*）)?$", line)
                and not looks_like_agency(line)):
            return start, end, line
    return None


def _read_closing(text: str, lines: list[tuple[int, int, str]], head: Header) -> None:
    """The signature block: agency lines right above a standalone date line (a date line with
    no signature counts when it ends the text, as a 落款 whose issuer the repost dropped)."""
    dated = [(k, d) for k, ln in enumerate(lines) if (d := _date_of(ln[2])) and len(d) == 10]
    signed = [(k, d, names) for k, d in dated if (names := _signature(lines, k))]
    if signed:
        k, date, names = signed[0]
    elif dated and dated[-1][0] >= len(lines) - 3:
        (k, date), names = dated[-1], []
    else:
        return
    head.date, head.spans["date"] = date, lines[k][:2]
    head.issuers = [n for _, _, n in names]
    head.issuer_spans = [(s, e) for s, e, _ in names]
    block_start = names[0][0] if names else lines[k][0]
    if all(not ln[2] or _date_of(ln[2]) or ln[2].startswith("（此件") for ln in lines[k + 1 :]):
        head.body_end = text.rfind("\n", 0, block_start) + 1


def _signature(lines: list[tuple[int, int, str]], k: int) -> list[tuple[int, int, str]]:
    """Agency names on the lines right above line ``k``, as (start, end, name)."""
    names: list[tuple[int, int, str]] = []
    j = k - 1
    while j >= 0:
        pieces = [(p.start(), p.group()) for p in re.finditer(r"\S+", lines[j][2])]
        if not pieces or not all(looks_like_agency(p) for _, p in pieces):
            break
        found = []
        for off, piece in pieces:
            start = lines[j][0] + off
            for part in split_joined(piece):
                found.append((start, start + len(part), part))
                start += len(part)
        names = found + names
        j -= 1
    return names


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
    for kind in DOC_TYPES:
        if bare.endswith(kind):
            return kind
    found = re.findall("|".join(DOC_TYPES), bare)
    return found[-1] if found else None
