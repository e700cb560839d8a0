"""Which table column holds what: explicit names (``--text-col`` …, a mapping TOML) or common headers.

Headers are compared without case, spaces or punctuation and without a leading "policy"/政策/文件,
so ``Policy Content``, ``content`` and ``政策内容`` all find the text. When no header says which
column is the text, the column with the most Chinese in the first rows is taken.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

from common.errors import InputError
from ingest.manifest import LEVELS, Entry

FIELDS = ("text", "title", "date", "issuer", "level", "region", "id", "doc_number", "source")

ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("正文", "内容", "全文", "文本", "原文", "正文内容", "全文内容", "text", "content", "body", "fulltext"),
    "title": ("标题", "名称", "题目", "文件标题", "title", "name"),
    "date": ("发布日期", "发文日期", "成文日期", "印发日期", "日期", "发布时间", "时间", "date", "releasetime",
             "releasedate", "publishdate", "publicationdate", "issuedate", "dateissued"),
    "issuer": ("发文机关", "发布机关", "发文单位", "发布单位", "发布部门", "发文部门", "制定机关", "颁布机关",
               "issuer", "issuingauthority", "releasedepartment", "department", "agency", "authority"),
    "level": ("层级", "级别", "行政级别", "level"),
    "region": ("地区", "区域", "省份", "地域", "行政区", "行政区划", "region", "province", "area"),
    "id": ("id", "编号", "文档编号", "docid", "documentid", "identifier"),
    "doc_number": ("文号", "发文字号", "发文号", "docnumber", "documentnumber", "referencenumber"),
    "source": ("来源", "链接", "网址", "原文链接", "来源链接", "url", "link", "source"),
}
LEVEL_WORDS: dict[str, str] = {
    **{w: "national" for w in ("national", "国家", "国家级", "中央", "全国", "国务院")},
    **{w: "provincial" for w in ("provincial", "province", "省", "省级", "省部级", "自治区", "直辖市")},
    **{w: "municipal" for w in ("municipal", "city", "市", "市级", "地市", "地市级", "地级", "地级市")},
}
SAMPLE_ROWS = 20  # rows read ahead to find the text column when no header names it
_CJK = re.compile(r"[\u4e00-\u9fff]")


def has_chinese(value: str) -> bool:
    return bool(_CJK.search(value))


def header_key(header: object) -> str:
    key = re.sub(r"[\W_]+", "", str(header or "")).lower()
    return re.sub(r"^(policy|政策|文件)(?=.)", "", key)


def read_mapping(path: Path) -> dict[str, str]:
    """A mapping TOML: ``text = "Policy Content"``, ``title = "标题"``, … (field = column header)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"Cannot read the column mapping {path}: {e}.", hint="Check the path.") from e
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"The column mapping {path} is not valid TOML: {e}.") from e
    data = data.get("columns", data)  # a [columns] table or top-level keys
    wrong = sorted(k for k, v in data.items() if k not in FIELDS or not isinstance(v, str))
    if wrong:
        raise InputError(f"The column mapping {path} has unknown or non-text keys: {', '.join(wrong)}.",
                         hint=f"Use only {', '.join(FIELDS)}, each = \"column header\".")
    return dict(data)


def resolve(headers: Sequence[object], explicit: Mapping[str, str], sample: Sequence[Sequence[object]], *,
            where: str) -> dict[str, int]:
    """Field -> column index. Explicit names must exist; other fields are found by header."""
    keys = [header_key(h) for h in headers]
    shown = ", ".join(repr(str(h)) for h in headers if h not in (None, "")) or "(none)"
    out: dict[str, int] = {}
    for field, name in explicit.items():
        matches = [i for i, h in enumerate(headers) if str(h or "").strip() == name.strip()]
        matches = matches or [i for i, k in enumerate(keys) if k and k == header_key(name)]
        if not matches:
            raise InputError(f"{where} has no column {name!r} (asked for as the {field} column).",
                             hint=f"Its columns are: {shown}.")
        out[field] = matches[0]
    for field, aliases in ALIASES.items():
        if field in out:
            continue
        found = next((i for alias in aliases for i, k in enumerate(keys) if k == alias and i not in out.values()),
                     None)
        if found is not None:
            out[field] = found
    if "text" not in out:
        chinese = [sum(len(_CJK.findall(str(row[i]))) for row in sample if i < len(row) and row[i] is not None)
                   for i in range(len(headers))]
        best = max(range(len(chinese)), key=chinese.__getitem__, default=None)
        if best is None or chinese[best] < 50 * max(1, min(len(sample), 3)) or best in out.values():
            raise InputError(f"{where}: no column looks like the document text.",
                             hint=f"Name it with --text-col (or text = \"…\" in --columns). Columns: {shown}.")
        out["text"] = best
    return out


def entry(row: Sequence[object], cols: Mapping[str, int], headers: Sequence[object], *,
          origin: str) -> tuple[Entry, list[str]]:
    """The row's metadata as a manifest entry, and notes on values that were not usable.

    Titles, issuers and regions are used only when written in Chinese: an English title is a
    translation, and the Chinese one is read from the text instead.
    """
    values: dict[str, str] = {}
    notes: list[str] = []

    def cell(field: str) -> object:
        i = cols.get(field)
        return row[i] if i is not None and i < len(row) else None

    for field in ("title", "issuer", "region", "doc_number", "source"):
        raw = cell(field)
        value = "" if raw is None else str(raw).strip()
        if not value:
            continue
        if field in ("title", "issuer", "region") and not has_chinese(value):
            notes.append(f"{str(headers[cols[field]])!r} is not in Chinese; not used as the {field}")
            continue
        values[field] = re.sub(r"\s*[、，,；;]\s*", ";", value) if field == "issuer" else value
    raw_date = cell("date")
    if raw_date not in (None, ""):
        iso = iso_date(raw_date)
        if iso:
            values["date"] = iso
        else:
            notes.append(f"{str(headers[cols['date']])!r} holds {raw_date!r}, not a date; not used")
    raw_level = cell("level")
    if raw_level not in (None, ""):
        level = LEVEL_WORDS.get(str(raw_level).strip().lower())
        if level in LEVELS:
            values["level"] = level
        else:
            notes.append(f"{str(headers[cols['level']])!r} holds {raw_level!r}, not a level (national, "
                         "provincial, municipal or 国家/省/市); the level is read from the text")
    return Entry(file=origin, **values), notes


def iso_date(value: object) -> str | None:
    """``2022-03-10`` from a spreadsheet date, ``2022/3/10``, ``2022.3.10``, ``2022年3月10日`` (with
    or without a time), or a bare year-month / year."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    m = re.fullmatch(r"\s*((?:19|20)\d\d)\s*(?:[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*月?)?"
                     r"(?:[ T]\d{1,2}:\d\d(?::\d\d(?:\.\d+)?)?)?\s*", str(value))
    if not m:
        return None
    year, month, day = m.group(1), m.group(2), m.group(3)
    if (month and not 1 <= int(month) <= 12) or (day and not 1 <= int(day) <= 31):
        return None
    return "-".join([year, *(f"{int(p):02d}" for p in (month, day) if p)])
