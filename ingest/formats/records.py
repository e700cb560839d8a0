"""What a format reader yields: a record to parse, or a problem to report."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from common.errors import EmptyInputError
from ingest.manifest import Entry
from ingest.reader import check_text

MAX_ID_CHARS = 80


@dataclass(frozen=True)
class Record:
    """One document's text as read (kept unchanged as ``Document.raw_text``) and what is known about it."""

    raw: str
    origin: str  # where it came from, for messages and Document.path: a path, or "table.xlsx#Sheet1:12"
    doc_id: str
    fmt: str  # how the text was read: "utf-8", "gb18030", "docx", "pdf", "html", "xlsx cell", ...
    meta: Entry | None = None
    notes: tuple[Problem, ...] = ()  # metadata values that could not be used, said why


@dataclass(frozen=True)
class Problem:
    """A file, sheet or row that was not imported (or imported with a caveat), and why."""

    where: str  # a path, or a path and sheet
    reason: str
    skipped: bool = True  # False: the document went in, but something about it was dropped
    row: int | None = None  # the row (header = 1) or line of a table

    def __str__(self) -> str:
        if self.row is None and self.reason.startswith(self.where):  # the message already names the file
            return self.reason
        return f"{self.where}{'' if self.row is None else f', row {self.row}'}: {self.reason}"


def summarize(problems: list[Problem]) -> list[str]:
    """One line per file or row left out; caveats on documents that went in are counted per sheet,
    so an English title column gives one line, not one per row."""
    lines = [f"skipped: {p}" for p in problems if p.skipped]
    notes: dict[tuple[str, str], list[int | None]] = {}
    for p in problems:
        if not p.skipped:
            notes.setdefault((p.where, p.reason), []).append(p.row)
    for (where, reason), rows in notes.items():
        numbered = [r for r in rows if r is not None]
        at = "" if not numbered else f", row {numbered[0]}" if len(rows) == 1 else f" ({len(rows)} rows)"
        lines.append(f"note: {where}{at}: {reason}")
    return lines


def slug(name: str) -> str:
    """A stable id part: lower-case ASCII letters, digits and hyphens; Chinese spelt in pinyin.

    ASCII names give the same slug as ``ingest.pipeline.doc_id_for``; long names are cut and
    end in a short hash of the whole name, so two long names sharing a start stay apart.
    """
    if not name.isascii():
        from pypinyin import lazy_pinyin

        name = "-".join(lazy_pinyin(name))
    out = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if len(out) > MAX_ID_CHARS:
        digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
        out = f"{out[: MAX_ID_CHARS - 9].rstrip('-')}-{digest}"
    return out


def checked(text: str, name: str, *, what: str = "text") -> str:
    """Refuse extracted text that is empty, binary junk or not Chinese, as for a plain text file."""
    if not text.strip():
        raise EmptyInputError(f"{name} has no {what}.", hint="Check that this is the right file.")
    return check_text(text, name)
