"""Repair GBK text that a repost decoded one byte out of step, with a few bytes lost.

``。ㄒ唬┚劢垢叨嘶悄芑G色化`` is ``（一）聚焦高端化智能化绿色化``: re-encoded to GBK, its bytes
are the original ones with one byte too many in front, two bytes missing after ``化`` and three
replaced by ``G``. Rather than trying a fixed list of shifts, each suspicious run is re-encoded
and decoded again by the noisy-channel search of :mod:`ingest.repair.gbk_search`, which finds the
cheapest characters whose bytes explain the run, reading as Chinese under the character
language model and agreeing with any pinyin gloss that survived in it. A run is rewritten only
when that explanation beats reading it as it stands by a wide margin, which keeps clean text
untouched. Characters chosen with less than full byte evidence are reported as ``inferred``
when the model is confident and replaced by ``□`` otherwise.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from common.lazy import LazySequence
from ingest.model import Repair
from ingest.repair.charlm import _CJK, BOUNDARY, SUSPECT_RE, CharLM
from ingest.repair.gbk_search import (
    BARRIER,
    CONTEXT_CHARS,
    HALF_OPS,
    WILDCARD,
    Emitted,
    decode,
    posterior,
    refine,
)
from ingest.repair.glosses import MANGLED_RE
from ingest.textmap import MappedText

DAMAGED = "\u25a1"  # □
MARGIN = 10.0  # how much better than the text as it stands a rewrite must read
MIN_POSTERIOR = 0.6  # below this an inferred character is marked damaged instead
CONTEXT = 3  # clean characters added on each side of a suspicious run
# Decoding costs milliseconds per unit and grows faster than linearly with a run's length, so
# hostile or non-GBK text (a megabyte of Latin-1 or rare characters) would take hours. Real
# damage is short (the longest run in the corpus is 29 units, the most per document 869): a
# longer run is left as it stands, and a document with more suspicious units than the budget is
# not repaired at all. Both decisions depend only on the text, so normalizing stays idempotent.
MAX_RUN = 100
MAX_SUSPICIOUS = 1_500
_STRAY_RE = re.compile(rf"(?<=[{_CJK}])[A-Za-z0-9](?=[{_CJK}])")
_CJK_RE = re.compile(f"[{_CJK}]")


Unit = tuple[int, int, list[int]]


def _char_bytes(ch: str) -> list[int]:
    """A character's GBK bytes (``WILDCARD`` for U+FFFD, ``BARRIER`` for a character GBK lacks)."""
    if ch == "\ufffd":
        return [WILDCARD]
    try:
        enc = ch.encode("gb18030")
    except UnicodeEncodeError:
        return [BARRIER]
    return list(enc) if len(enc) <= 2 else [BARRIER]


def _units(text: str) -> list[Unit]:
    """Split text into units ``(start, end, bytes)``: one per character or mangled gloss."""
    mangled = {m.start(): m.end() for m in MANGLED_RE.finditer(text)}
    units: list[Unit] = []
    i = 0
    while i < len(text):
        if i in mangled:
            units.append((i, mangled[i], [WILDCARD]))
            i = mangled[i]
            continue
        units.append((i, i + 1, _char_bytes(text[i])))
        i += 1
    return units


class _CharUnits(LazySequence[Unit]):
    """The units of a text without mangled glosses: one per character, made when asked. Why: most
    of a text is never inside a suspicious run, and making a unit for each of its characters
    up front cost more than the whole search for damage (3 of 17 CPU-s parsing the real corpus)."""

    def __init__(self, text: str) -> None:
        self._text = text

    def __len__(self) -> int:
        return len(self._text)

    def _item(self, k: int) -> Unit:
        return (k, k + 1, _char_bytes(self._text[k]))


def _unit_flags(text: str, units: Sequence[Unit], lm: CharLM) -> list[tuple[int, bool]]:
    """``(unit index, strong)`` of every suspicious unit, unit by unit."""
    flags: list[tuple[int, bool]] = []
    for k, (s, e, b) in enumerate(units):
        ch = text[s]
        if b == [WILDCARD] or (e - s == 1 and SUSPECT_RE.match(ch) and ch != "?") or (e - s == 1 and _STRAY_RE.match(text, s) and ch.isalpha()):
            flags.append((k, True))
        elif (_CJK_RE.match(ch) and ch not in lm) or (e - s == 1 and _STRAY_RE.match(text, s)):
            flags.append((k, False))
    return flags


def _char_flags(text: str, lm: CharLM) -> list[tuple[int, bool]]:
    """``_unit_flags`` of a text whose units are its characters, from its distinct characters and
    a search for strays instead of a test of every character."""
    distinct = set(text)
    strong = {c for c in distinct if c == "\ufffd" or (SUSPECT_RE.match(c) and c != "?")}
    weak = {c for c in distinct - strong if _CJK_RE.match(c) and c not in lm}
    flags = {m.start(): m.group().isalpha() for m in _STRAY_RE.finditer(text) if m.group() not in strong}
    if strong or weak:
        for m in re.finditer("[" + "".join(re.escape(c) for c in strong | weak) + "]", text):
            flags[m.start()] = m.group() in strong
    return sorted(flags.items())


def _suspicious_runs(units: Sequence[Unit], flags: list[tuple[int, bool]]
                     ) -> tuple[list[tuple[int, int]], set[int]]:
    """Unit-index ranges ``[a, b)`` that look like out-of-step GBK, and the flagged units."""
    runs: list[tuple[int, int, int, int]] = []
    cur: list[tuple[int, bool]] = []
    for k, is_strong in flags:
        if cur and k - cur[-1][0] > 3:
            runs.append(_close(cur))
            cur = []
        cur.append((k, is_strong))
    if cur:
        runs.append(_close(cur))
    out = []
    for a, b, n_strong, n_weak in runs:
        if n_strong or n_weak >= 2:
            out.append((max(0, a - CONTEXT), min(len(units), b + CONTEXT)))
    merged: list[tuple[int, int]] = []
    for a, b in out:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    # never decode across a character GBK cannot encode
    final: list[tuple[int, int]] = []
    for a, b in merged:
        start = a
        for k in range(a, b):
            if units[k][2] == [BARRIER]:
                if k > start:
                    final.append((start, k))
                start = k + 1
        if b > start:
            final.append((start, b))
    final = [(a, b) for a, b in final if b - a <= MAX_RUN]
    if sum(b - a for a, b in final) > MAX_SUSPICIOUS:
        final = []
    return final, {k for k, _ in flags}


def _close(cur: list[tuple[int, bool]]) -> tuple[int, int, int, int]:
    n_strong = sum(1 for _, s in cur if s)
    return cur[0][0], cur[-1][0] + 1, n_strong, len(cur) - n_strong


def repair_mojibake(mt: MappedText, *, lm: CharLM, glosses: dict[int, str] | None = None
                    ) -> tuple[MappedText, list[Repair]]:
    """Find out-of-step GBK runs in ``mt`` and decode them again; see the module doc.

    ``glosses`` maps the index of a character in ``mt.text`` to the pinyin gloss that followed
    it in the raw text (as :func:`ingest.repair.glosses.strip_glosses` returns them): evidence for
    whichever character the bytes ending there turn out to be.
    """
    text = mt.text
    units: Sequence[Unit]
    if MANGLED_RE.search(text):
        units = _units(text)
        flags = _unit_flags(text, units, lm)
    else:
        units = _CharUnits(text)
        flags = _char_flags(text, lm)
    glosses = glosses or {}
    edits: list[tuple[int, int, str]] = []
    pending: list[tuple[int, int, str, str, list[tuple[int, Emitted, float]]]] = []
    runs, flagged = _suspicious_runs(units, flags)
    for a, b in runs:
        ws, we = units[a][0], units[b - 1][1]
        obs = [x for u in units[a:b] for x in u[2]]
        first = min(k for k in range(a, b) if k in flagged) if flagged & set(range(a, b)) else a
        last = max(k for k in range(a, b) if k in flagged) if flagged & set(range(a, b)) else b - 1
        # the character right before a run often lends it a byte, so only farther ones are trusted
        trusted = [not (first - 1 <= k <= last + 1) for k in range(a, b) for _ in units[k][2]]
        left = (BOUNDARY * 2 + text[max(0, ws - 2) : ws])[-2:]
        at_byte: dict[int, str] = {}
        pos = 0
        for u in units[a:b]:
            pos += len(u[2])
            if u[1] - u[0] == 1 and u[0] in glosses:
                at_byte[pos] = glosses[u[0]]
        # the out-of-step byte is in front of the damage: past its first unit, bytes are not junk
        start = sum(len(u[2]) for u in units[a : first + 1])
        emitted, score = decode(obs, lm, left=left, trusted=trusted, glosses=at_byte, start=start)
        if not emitted:
            continue
        right_all = text[we : we + 3]
        before = lm.score("".join(e.char for e in emitted), left=left)
        emitted = refine(emitted, lm, left=text[max(0, ws - CONTEXT_CHARS) : ws], right=right_all)
        score += lm.score("".join(e.char for e in emitted), left=left) - before
        decoded = "".join(e.char for e in emitted)
        window = text[ws:we]
        if decoded == window:
            continue
        has_wildcard = any(u[2] == [WILDCARD] for u in units[a:b])
        if not has_wildcard and score - lm.score(window, left=left) < MARGIN:
            continue
        # Confidence of every character that had less than its full bytes.
        chars = list(decoded)
        notes: list[tuple[int, Emitted, float]] = []
        for j, e in enumerate(emitted):
            if e.op not in HALF_OPS:
                continue
            lctx = (BOUNDARY * 2 + text[max(0, ws - CONTEXT_CHARS) : ws] + "".join(chars[:j]))[-CONTEXT_CHARS:]
            rctx = ("".join(chars[j + 1 :]) + right_all)[:3]
            # a neighbour with no bytes at all is no evidence: judge without it, and a lost
            # character beside another inferred one rests on a guess, so it stays damaged
            if j and emitted[j - 1].op == "LOST":
                lctx = BOUNDARY * 2
            if j + 1 < len(emitted) and emitted[j + 1].op == "LOST":
                rctx = ""
            post = posterior(lm, e.key, lctx, rctx, e.char)
            if e.op == "LOST" and any(0 <= k < len(emitted) and emitted[k].op in HALF_OPS for k in (j - 1, j + 1)):
                post = min(post, MIN_POSTERIOR / 2)
            notes.append((j, e, post))
            if post < MIN_POSTERIOR:
                chars[j] = DAMAGED
        pending.append((ws, we, window, "".join(chars), notes))

    repairs: list[Repair] = []
    shift = 0  # length change of the edits applied before the current one
    for ws, _we, window, new, notes in pending:
        note_at = {j: (e, post) for j, e, post in notes}
        sm = difflib.SequenceMatcher(None, window, new, autojunk=False)
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            if tag == "equal":
                continue
            edits.append((ws + i1, ws + i2, new[j1:j2]))
            out_start = ws + i1 + shift
            repairs.append(Repair("mojibake", out_start, out_start + (j2 - j1), window[i1:i2], new[j1:j2],
                                  "GBK bytes decoded out of step, re-decoded"))
            for j in range(j1, j2):
                if j not in note_at:
                    continue
                e, post = note_at[j]
                pos = out_start + (j - j1)
                what = {"LEAD": "its trail byte was lost", "TRAIL": "its lead byte was lost",
                        "SUB": "its lead byte was garbled", "WILD": "a mangled gloss replaced its lead byte",
                        "LOST": "both its bytes were lost"}[e.op]
                if new[j] == DAMAGED:
                    repairs.append(Repair("mojibake-damaged", pos, pos + 1, "", DAMAGED,
                                          f"{what}; best guess {e.char} too uncertain ({post:.2f})"))
                else:
                    repairs.append(Repair("inferred", pos, pos + 1, "", e.char,
                                          f"{what}; inferred from context (confidence {post:.2f})"))
            shift += (j2 - j1) - (i2 - i1)
    if not edits:
        return mt, []
    return mt.apply(edits), repairs
