"""The text-repair stage of ingest: glosses out, mojibake re-decoded.

Runs on the decoded raw text before Traditional -> Simplified conversion, because both kinds
of damage are defined on the text as the repost wrote it (its GBK bytes, its glosses).
The parts: :mod:`.glosses` strips pinyin glosses; :mod:`.mojibake` finds suspicious runs and
rewrites them with the byte-level search of :mod:`.gbk_search`, which scores candidates with
the character model of :mod:`.charlm` (its counts ship in ``data/``) and the word and
punctuation evidence of :mod:`.context_evidence`.
"""

from __future__ import annotations

import bisect

from ingest.model import Repair
from ingest.repair.charlm import CharLM, default_lm
from ingest.repair.glosses import strip_glosses
from ingest.repair.mojibake import repair_mojibake
from ingest.textmap import MappedText


def repair(mt: MappedText, *, lm: CharLM | None = None) -> tuple[MappedText, list[Repair]]:
    """Strip pinyin glosses, then repair out-of-step GBK runs and mangled glosses.

    Returns the repaired text (its ``origin`` still points into the raw text) and every
    change: ``gloss``, ``mojibake``, ``inferred`` (a lost character restored from context) and
    ``mojibake-damaged`` (a lost character shown as ``□``). Repair spans of the gloss stage
    are shifted so that all spans index the returned text.
    """
    lm = lm or default_lm()
    stripped, gloss_repairs, pinyin_at = strip_glosses(mt)
    fixed, moji_repairs = repair_mojibake(stripped, lm=lm, glosses=pinyin_at)
    if moji_repairs:
        gloss_repairs = _remap(gloss_repairs, stripped, fixed)
    return fixed, [*gloss_repairs, *moji_repairs]


def _remap(repairs: list[Repair], before: MappedText, after: MappedText) -> list[Repair]:
    """Move spans from ``before`` to ``after`` through their shared raw offsets."""
    out = []
    for r in repairs:
        raw = before.origin[r.start]
        start = bisect.bisect_left(after.origin, raw, 0, len(after.text))
        out.append(Repair(r.kind, start, start + (r.end - r.start), r.before, r.after, r.note))
    return out
