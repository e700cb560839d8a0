"""Raw text -> clean Simplified text, with a map back to raw offsets and a report of repairs.

The steps run in a fixed order because each needs the previous one's output: glosses and GBK
mojibake are repaired on the text as it was reposted (the byte-shift repair works on the
script the bytes were in), then Traditional becomes Simplified, then punctuation is unified.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ingest.model import Repair
from ingest.repair import repair
from ingest.script import simplify, unify_punctuation
from ingest.textmap import MappedText
from ingest.unwrap import unwrap

# Line ends become \n; blanks at the end of a line go, also when zero-width characters sit among
# them or a \r follows (else a second pass would find new trailing blanks: not idempotent).
_LINE_ENDS = re.compile(
    r"\r\n?|[ \t\u3000\xa0][ \t\u3000\xa0\ufeff\u200b\u200e\u200f]*(?=[\r\n])|[\ufeff\u200b\u200e\u200f]")


@dataclass
class Normalized:
    text: str
    origin: list[int]
    repairs: list[Repair] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        """How many of each kind of repair, counting characters for script conversion."""
        counts: Counter[str] = Counter()
        for r in self.repairs:
            counts[r.kind] += (r.end - r.start) if r.kind == "script" else 1
        return dict(sorted(counts.items()))


def normalize(raw: str) -> Normalized:
    """Clean ``raw`` into Simplified Chinese with full-width punctuation."""
    mt = MappedText.identity(raw)
    mt = unwrap(mt.apply((m.start(), m.end(), "\n" if m.group().startswith("\r") else "") for m in _LINE_ENDS.finditer(raw)))
    repairs: list[Repair] = []
    mt, found = repair(mt)
    repairs += found
    mt, found = simplify(mt)
    repairs += found
    mt, found = unify_punctuation(mt)
    repairs += found
    return Normalized(mt.text, list(mt.origin), repairs)


def report_lines(norm: Normalized, encoding: str) -> list[str]:
    """A short human report: what was found and what was repaired or left damaged."""
    counts = norm.summary()
    lines = [f"encoding: {encoding}"]
    labels = {
        "gloss": "pinyin glosses stripped",
        "mojibake": "mojibake runs repaired",
        "mojibake-damaged": "characters left damaged (marked □)",
        "inferred": "characters restored by inference",
        "script": "characters converted Traditional -> Simplified",
        "punctuation": "punctuation marks unified",
    }
    for kind, label in labels.items():
        lines.append(f"{label}: {counts.get(kind, 0)}")
    for r in norm.repairs:
        if r.kind in ("mojibake", "mojibake-damaged", "inferred"):
            lines.append(f"  {r.kind} @{r.start}: {r.before!r} -> {r.after!r} {r.note}".rstrip())
    return lines
