"""The document model that ingest produces and every later layer consumes.

Plain dataclasses, no behaviour beyond (de)serialisation: ``policykg parse --json`` prints
``Document.to_dict()`` and the graph builder reads the same objects. Every span is a
half-open ``[start, end)`` range of character offsets into ``Document.text`` (the normalized
Simplified text); ``Document.raw_span`` maps it back to the raw file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

AgencyRole = Literal["issuer", "addressee", "lead", "cooperating", "responsible"]
Comparator = Literal["atLeast", "moreThan", "atMost", "lessThan", "exactly", "approximately"]
Level = Literal["national", "provincial", "municipal"]


@dataclass
class Agency:
    """An organisation named in the text, with its role in this context."""

    name: str  # canonical full name, e.g. 工业和信息化部
    role: AgencyRole
    mention: str  # as written, e.g. 工信部
    start: int
    end: int


@dataclass
class Action:
    """A verb-object measure, e.g. 推进 + 废旧纺织品循环利用."""

    verb: str
    object: str
    start: int
    end: int
    instrument: str | None = None  # supply | environment | demand (policy-instrument type)

    @property
    def label(self) -> str:
        """How the action reads as a phrase: its graph label and its search unit's text."""
        return self.verb + self.object


@dataclass
class Target:
    """A quantified target: 建成15家以上……集聚区, 到2025年……达到7000亿元."""

    quantity: float
    unit: str
    comparator: Comparator
    subject: str
    text: str  # the quantity as written, e.g. 15家以上
    start: int
    end: int
    deadline: str | None = None  # ISO year or date, e.g. "2025" or "2025-12-31"
    quantity_max: float | None = None  # the high end of a range: 10—15家 -> quantity 10, max 15
    baseline: str | None = None  # base year of a relative target: 比2020年下降14% -> "2020"


@dataclass
class Citation:
    """An explicit reference to another document, e.g. 为贯彻落实《…》（国办发〔2016〕40号）."""

    relation: str  # 贯彻落实 | 落实 | 根据 | 按照 | 依据 | 参照 | cites
    title: str | None
    doc_number: str | None
    start: int
    end: int


@dataclass
class Provision:
    """One numbered unit of the document: part, article, item, sub-item."""

    path: list[str]  # e.g. ["二", "（一）"]
    label: str  # the numbering as it should read, e.g. "（一）"
    kind: str  # a pkgs:subdivision concept: ingest.structure.KINDS (item, subitem, point, article, annex, …)
    heading: str | None
    text: str  # full text of this provision without its children
    start: int
    end: int
    numbering_inferred: bool = False  # numbering garbled in the copy, inferred from neighbours
    agencies: list[Agency] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)

    @property
    def depth(self) -> int:
        return len(self.path)


@dataclass
class Repair:
    """One thing normalization changed or could not change, for the report."""

    kind: str  # encoding | gloss | mojibake | mojibake-damaged | inferred | script | punctuation
    start: int  # span in the normalized text
    end: int
    before: str
    after: str
    note: str = ""


@dataclass
class Metadata:
    title: str | None = None  # as the text (header) or the manifest states it
    inferred_title: str | None = None  # when none is stated: read from the text (ingest.title_inference)
    doc_number: str | None = None
    issuers: list[str] = field(default_factory=list)
    addressees: list[str] = field(default_factory=list)
    date: str | None = None  # ISO: YYYY, YYYY-MM or YYYY-MM-DD
    doc_type: str | None = None  # 通知 | 意见 | 方案 | 计划 | 办法 | 公告 | 解读 | 措施 | 条件
    level: Level | None = None
    region: str | None = None
    partial: bool = False
    source: str | None = None
    # field -> [start, end) of the text it was read from (title, doc_number, date, level, region,
    # inferred_title: the sentence it was read from);
    # absent when the manifest gave the value or the text did not show it
    evidence: dict[str, tuple[int, int]] = field(default_factory=dict)
    # field (as in ``evidence``, plus issuers) -> "manifest" or "text": where the stored value came from
    origin: dict[str, str] = field(default_factory=dict)
    # field -> why the text gave it, where a span alone does not say (region: "issuer 山东省工业和信息化厅")
    evidence_note: dict[str, str] = field(default_factory=dict)


@dataclass
class Document:
    """A parsed policy document."""

    id: str  # stable slug, from the file name
    path: str  # as given (relative to the corpus for bundled texts)
    raw_text: str
    text: str  # normalized Simplified text
    origin: list[int]  # origin[i] = raw offset of text[i]; len(text) + 1 entries
    encoding: str
    metadata: Metadata
    provisions: list[Provision] = field(default_factory=list)
    agencies: list[Agency] = field(default_factory=list)  # document level: issuers, addressees
    citations: list[Citation] = field(default_factory=list)  # preamble citations
    repairs: list[Repair] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # manifest vs text disagreements
    body: tuple[int, int] | None = None  # the running text: after the header, before the signature
    preamble: tuple[int, int] | None = None

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start], self.origin[end]

    def passages(self) -> list[tuple[str, tuple[str, ...]]]:
        """What search will embed for this document: each provision's text with its actions' labels
        (an action is read inside its provision), known as soon as it is parsed: an ingest embeds
        them while it writes (``search.prefetch``)."""
        return [(p.text, tuple(a.label for a in p.actions)) for p in self.provisions]

    def to_dict(self, *, include_raw: bool = False) -> dict[str, Any]:
        data = asdict(self)
        data.pop("origin")
        if not include_raw:
            data.pop("raw_text")
        return data
