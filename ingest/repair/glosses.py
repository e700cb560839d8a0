"""Pinyin glosses that reposts put after characters: ``業(yè)`` -> ``業``.

Some copies of a notice gloss every Traditional character with its pinyin in ASCII
parentheses. The gloss is noise for every later layer, so it is removed here, with one
``Repair`` per gloss so the report can count them. A gloss is recognised by its content (one
pinyin syllable carrying a tone mark), never by position alone, so real parentheses such as
``(见附件)``, ``(2021—2025年)`` or ``(一)`` are left alone.

A *mangled* gloss (``推動?xùn)|部``) is different: the tool that inserted it split a GBK
character, so its lead byte and the ``(`` fused into ``?`` and the trail byte survives after
the ``)``. Those are not stripped here; :mod:`ingest.repair.mojibake` repairs them at byte level.
"""

from __future__ import annotations

import re

from ingest.model import Repair
from ingest.textmap import MappedText

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PLAIN = "a-zü"
# One syllable: plain letters around exactly one tone-marked vowel; at most 6 letters.
SYLLABLE = rf"[{_PLAIN}]{{0,4}}[{_TONED}][{_PLAIN}]{{0,4}}"
_SYLLABLE_RE = re.compile(rf"^{SYLLABLE}$")

#: An intact gloss: ``(yè)`` right after a character that is not whitespace or a bracket.
GLOSS_RE = re.compile(rf"(?<=[^\s()（）])[(（]({SYLLABLE})[)）]")
#: A mangled gloss: ``?`` (or U+FFFD) standing for a lost lead byte and the ``(``.
MANGLED_RE = re.compile(rf"[?\ufffd]({SYLLABLE})\)")


def is_syllable(s: str) -> bool:
    """True for one tone-marked pinyin syllable such as ``chǎn``."""
    return bool(_SYLLABLE_RE.match(s)) and len(s) <= 7


def strip_glosses(mt: MappedText) -> tuple[MappedText, list[Repair], dict[int, str]]:
    """Remove intact glosses.

    Returns the new text, one ``Repair(kind="gloss")`` per gloss (span: the glossed
    character in the new text), and ``{index of glossed char in new text: pinyin}`` so later
    stages can use a surviving gloss as evidence for a damaged character.
    """
    edits: list[tuple[int, int, str]] = []
    found: list[tuple[int, int, str]] = []
    for m in GLOSS_RE.finditer(mt.text):
        edits.append((m.start(), m.end(), ""))
        found.append((m.start(), m.end(), m.group(1)))
    if not edits:
        return mt, [], {}
    out = mt.apply(edits)
    repairs: list[Repair] = []
    pinyin_at: dict[int, str] = {}
    removed = 0
    for start, end, syllable in found:
        char_at = start - 1 - removed  # the glossed character, in the new text
        repairs.append(
            Repair(
                kind="gloss",
                start=char_at,
                end=char_at + 1,
                before=mt.text[start - 1 : end],
                after=mt.text[start - 1],
                note=f"pinyin gloss ({syllable}) removed",
            )
        )
        pinyin_at[char_at] = syllable
        removed += end - start
    return out, repairs, pinyin_at
