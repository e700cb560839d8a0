"""Retrieval units: what the indexes store and every hit points back to.

The graph layer turns provisions and actions from the RDF store into ``Unit`` objects; the
search layer only sees these, so it never touches the store. A unit is keyed by its IRI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any, Literal

from common.errors import PolicyKGError

UnitKind = Literal["provision", "action"]
UNIT_KINDS: tuple[str, ...] = ("provision", "action")


class SearchError(PolicyKGError):
    """Base of the search layer's errors; the message says what to do next."""

    code = "search-error"


class UnitError(SearchError):
    """Retrieval units are malformed (duplicate IRI, unknown kind)."""

    code = "bad-units"


@dataclass(frozen=True, slots=True)
class Unit:
    """One searchable piece of a document: a provision or an action inside one.

    Slotted: a server keeps every unit it has shown (``search/unit_records.py``), and each
    object the garbage collector tracks lengthens its full passes, which stall every search."""

    iri: str
    text: str
    doc_id: str
    doc_title: str
    doc_number: str | None  # 文号, e.g. 工信厅联消费函〔2023〕87号
    level: str  # national | provincial | municipal
    region: str  # e.g. 全国, 广东省, 广东省广州市
    date: str | None  # ISO date of the document
    doc_type: str | None
    path: tuple[str, ...] = ()  # e.g. ("二", "（三）"); a tuple of strings, which the collector does not track
    heading: str | None = None
    kind: UnitKind = "provision"

    def __post_init__(self) -> None:
        if not isinstance(self.path, tuple):  # a list given (its JSON form): the same path
            object.__setattr__(self, "path", tuple(self.path or ()))

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _UNIT_FIELDS} | {"path": list(self.path)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Unit:
        return cls(**data)


_UNIT_FIELDS = tuple(f.name for f in fields(Unit))


_WORD = re.compile(r"[^\W\d_]")  # a letter of any script (CJK included); not digits, punctuation or □


def unsearchable(text: str) -> str | None:
    """Why ``text`` cannot stand as a query (``None`` when it can).

    Real documents hold units like these: a heading directly followed by the next heading
    (empty text), a numeral garbled to ``□``, a line of digits or dashes. Searching with them
    fails or matches noise, so corpus-wide commands skip them and say so.
    """
    if not text.strip():
        return "empty text"
    if not _WORD.search(text):
        return "no words (only digits, punctuation or □)"
    return None


@dataclass(frozen=True)
class Skipped:
    """A unit a corpus-wide command left out, and why (for the report at the end)."""

    iri: str
    reason: str


def skip_report(skipped: Iterable[Skipped], *, examples: int = 3) -> str:
    """``skipped 2: 1 empty text, 1 no words (…)`` with a few IRIs, or '' when nothing was skipped."""
    items = list(skipped)
    if not items:
        return ""
    by_reason: dict[str, list[str]] = {}
    for s in items:
        by_reason.setdefault(s.reason, []).append(s.iri)
    parts = [f"{len(iris)} {reason} (e.g. {', '.join(iris[:examples])})" for reason, iris in by_reason.items()]
    return f"skipped {len(items)}: " + "; ".join(parts)


def check_units(units: Iterable[Unit]) -> list[Unit]:
    """Validate before indexing: IRIs unique, kinds known. Returns the units as a list."""
    out = list(units)
    seen: set[str] = set()
    for unit in out:
        if unit.iri in seen:
            raise UnitError(f"Unit IRI {unit.iri!r} occurs twice; each provision must be indexed once.")
        seen.add(unit.iri)
        if unit.kind not in UNIT_KINDS:
            raise UnitError(f"Unit {unit.iri!r} has kind {unit.kind!r}; expected one of {UNIT_KINDS}.")
    return out
