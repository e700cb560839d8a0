"""Repair GBK text that a repost decoded one byte out of step, with a few bytes lost.

``。ㄒ唬┚劢垢叨嘶悄芑G色化`` is ``（一）聚焦高端化智能化绿色化``: re-encoded to GBK, its bytes
are the original ones with one byte too many in front, two bytes missing after ``化`` and three
replaced by ``G``. Rather than trying a fixed list of shifts, the suspicious run is re-encoded
and decoded again by a small noisy-channel search: a beam over byte positions where each step
emits one character that either

* matches two bytes (``M2``) or one ASCII byte (``M1``),
* keeps only its lead or only its trail byte, the other one lost (``LEAD``/``TRAIL``),
* keeps its trail byte while the lead one was garbled (``SUB``),
* keeps only its trail byte after a mangled gloss ``?xùn)|`` swallowed its lead (``WILD``),
* lost both bytes and is inferred from context (``LOST``),

or drops a garbage byte (``SKIP``). Each way costs a fixed penalty plus the character
language model's log-probability, so the cheapest explanation is the one that reads as
Chinese. A run is rewritten only when that explanation beats reading it as it stands by a wide
margin, which keeps clean text untouched. Characters chosen with less than full byte evidence
are reported as ``inferred`` when the model is confident and replaced by ``□`` otherwise.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ingest.charlm import _CJK, BOUNDARY, SUSPECT_RE, CharLM, fold, fold_many
from ingest.glosses import MANGLED_RE
from ingest.model import Repair
from ingest.textmap import MappedText

DAMAGED = "\u25a1"  # □
WILDCARD = -1  # a byte known to exist but unknown (the ``?`` of a mangled gloss)
BARRIER = -2  # a character GBK cannot encode; never inside a decoded window

# Penalties in nats, against LM log-probabilities of roughly -2 (common) to -16 (unknown).
C_HALF = 3.0
C_CONT = 0.5  # a lead byte lost right after a trail byte: one gap, not two
C_SUB = 5.0
C_SKIP = 6.0
C_LOST = 8.0
C_WILD = 1.0
C_TRUSTED = 6.0  # extra for editing a byte of a clean-looking character beside the run
BEAM = 12
PER_OP = 3  # candidates kept per way of explaining a step
MARGIN = 10.0  # how much better than the text as it stands a rewrite must read
MIN_POSTERIOR = 0.5  # below this an inferred character is marked damaged instead
CONTEXT = 3  # clean characters added on each side of a suspicious run
_STRAY_RE = re.compile(rf"(?<=[{_CJK}])[A-Za-z0-9](?=[{_CJK}])")
_CJK_RE = re.compile(f"[{_CJK}]")


def _valid_trail(b: int) -> bool:
    return 0x40 <= b <= 0xFE and b != 0x7F


@lru_cache(maxsize=1)
def _decode_table() -> dict[int, str]:
    """Every two-byte GB18030 (= GBK area) code -> character."""
    table: dict[int, str] = {}
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            if trail == 0x7F:
                continue
            try:
                ch = bytes((lead, trail)).decode("gb18030")
            except UnicodeDecodeError:
                continue
            if len(ch) == 1 and ch != "\ufffd":
                table[(lead << 8) | trail] = ch
    return table


@dataclass(frozen=True)
class _Candidates:
    ids: np.ndarray  # LM vocabulary index of each candidate (after folding)
    chars: tuple[str, ...]  # the GBK character as it would appear in the text


class _Tables:
    """Known characters indexed by their GBK lead and trail bytes, for one LM."""

    def __init__(self, lm: CharLM) -> None:
        table = _decode_table()
        fold_many(table.values())
        by_lead: dict[int, list[tuple[int, str]]] = {}
        by_trail: dict[int, list[tuple[int, str]]] = {}
        for code, ch in table.items():
            i = lm.index.get(fold(ch))
            if i is None:
                continue
            by_lead.setdefault(code >> 8, []).append((i, ch))
            by_trail.setdefault(code & 0xFF, []).append((i, ch))
        self.by_lead = {b: self._pack(v) for b, v in by_lead.items()}
        self.by_trail = {b: self._pack(v) for b, v in by_trail.items()}
        self.all = _Candidates(np.arange(len(lm.chars)), tuple(lm.chars))

    @staticmethod
    def _pack(items: list[tuple[int, str]]) -> _Candidates:
        return _Candidates(np.array([i for i, _ in items], dtype=np.int64), tuple(c for _, c in items))


_tables_cache: dict[int, tuple[CharLM, _Tables]] = {}


def _tables(lm: CharLM) -> _Tables:
    hit = _tables_cache.get(id(lm))
    if hit is None or hit[0] is not lm:
        hit = (lm, _Tables(lm))
        _tables_cache[id(lm)] = hit
    return hit[1]


@dataclass(frozen=True)
class Emitted:
    """One decoded character and how much byte evidence it had."""

    char: str
    op: str  # M1 M2 LEAD TRAIL SUB WILD LOST
    key: tuple[str, int]  # which candidate set it was chosen from, for the confidence check


def _units(text: str) -> list[tuple[int, int, list[int]]]:
    """Split text into units ``(start, end, bytes)``: one per character or mangled gloss."""
    mangled = {m.start(): m.end() for m in MANGLED_RE.finditer(text)}
    units: list[tuple[int, int, list[int]]] = []
    i = 0
    while i < len(text):
        if i in mangled:
            units.append((i, mangled[i], [WILDCARD]))
            i = mangled[i]
            continue
        ch = text[i]
        if ch == "\ufffd":
            b = [WILDCARD]
        else:
            try:
                enc = ch.encode("gb18030")
                b = list(enc) if len(enc) <= 2 else [BARRIER]
            except UnicodeEncodeError:
                b = [BARRIER]
        units.append((i, i + 1, b))
        i += 1
    return units


def decode(obs: list[int], lm: CharLM, *, left: str = BOUNDARY * 2,
           trusted: list[bool] | None = None) -> tuple[list[Emitted], float]:
    """Cheapest character sequence whose GBK bytes explain ``obs`` (see the module doc).

    ``trusted[i]`` marks bytes of clean-looking characters next to the run: editing them costs
    more, so the search does not rewrite good text into likelier text.
    """
    tables = _tables(lm)
    table = _decode_table()
    n = len(obs)
    extra = [C_TRUSTED if t else 0.0 for t in (trusted or [False] * n)] + [0.0]
    h2, h1 = fold(left[-2]), fold(left[-1])
    # frontier[i]: (h2, h1, lost) -> (score, parent node, emitted)
    frontier: list[dict[tuple[str, str, int], tuple[float, int, Emitted | None]]] = [
        {} for _ in range(n + 1)
    ]
    nodes: list[tuple[int, Emitted | None]] = []
    frontier[0][(h2, h1, 0)] = (0.0, -1, None)

    def push(pos: int, key: tuple[str, str, int], score: float, parent: int, em: Emitted | None) -> None:
        old = frontier[pos].get(key)
        if old is None or score > old[0]:
            frontier[pos][key] = (score, parent, em)

    def push_set(pos: int, state: tuple[str, str, int], score: float, parent: int,
                 cands: _Candidates, cost: float, op: str, key: tuple[str, int], flag: int = 0) -> None:
        d = lm.dist(state[0], state[1])
        s = d[cands.ids]
        k = min(PER_OP, len(s))
        top = np.argpartition(-s, k - 1)[:k] if len(s) > k else range(len(s))
        for j in top:
            ch = cands.chars[j]
            push(pos, (state[1], fold(ch), flag), score + float(s[j]) - cost, parent, Emitted(ch, op, key))

    for i in range(n + 1):
        layer = sorted(frontier[i].items(), key=lambda kv: -kv[1][0])[:BEAM]
        # A character lost entirely: emitted without consuming a byte (not twice in a row).
        for state, (score, parent, em) in list(layer):
            if state[2] != 1 and i < n:
                nid = len(nodes)
                nodes.append((parent, em))
                cost = C_LOST + min(extra[i], extra[i - 1] if i else extra[i])
                push_set(i, state, score, nid, tables.all, cost, "LOST", ("all", 0), flag=1)
                frontier[i][state] = (score, -2 - nid, em)  # remember the node already made
        layer = sorted(frontier[i].items(), key=lambda kv: -kv[1][0])[:BEAM]
        if i == n:
            break
        b = obs[i]
        nxt = obs[i + 1] if i + 1 < n else None
        for state, (score, parent, em) in layer:
            if parent <= -2:
                nid = -2 - parent
            else:
                nid = len(nodes)
                nodes.append((parent, em))
            hist = (state[0], state[1])
            if b != BARRIER:
                push(i + 1, (*hist, 0), score - C_SKIP - extra[i], nid, None)
            if b == WILDCARD:
                if nxt is not None and nxt >= 0 and nxt in tables.by_trail:
                    push_set(i + 2, state, score, nid, tables.by_trail[nxt], C_WILD, "WILD", ("trail", nxt))
                continue
            if b < 0:
                continue
            if b < 0x80:
                ch = chr(b)
                push(i + 1, (state[1], fold(ch), 0), score + lm.logp(ch, *hist), nid, Emitted(ch, "M1", ("", 0)))
            elif nxt is not None and nxt >= 0:
                ch2 = table.get((b << 8) | nxt)
                if ch2 is not None:
                    lp = lm.logp(ch2, *hist)
                    push(i + 2, (state[1], fold(ch2), 0), score + lp, nid, Emitted(ch2, "M2", ("", 0)))
            if b >= 0x81 and b in tables.by_lead:
                push_set(i + 1, state, score, nid, tables.by_lead[b], C_HALF + extra[i], "LEAD", ("lead", b),
                         flag=2)
            if _valid_trail(b) and b in tables.by_trail:
                cost = (C_CONT if state[2] == 2 else C_HALF) + extra[i]
                push_set(i + 1, state, score, nid, tables.by_trail[b], cost, "TRAIL", ("trail", b))
            if nxt is not None and nxt >= 0 and b >= 0x80 and nxt in tables.by_trail:
                push_set(i + 2, state, score, nid, tables.by_trail[nxt], C_SUB + extra[i], "SUB", ("trail", nxt))

    if not frontier[n]:
        return [], float("-inf")
    (score, parent, em) = max(frontier[n].values(), key=lambda v: v[0])
    out: list[Emitted] = []
    if parent <= -2:
        node = -2 - parent  # this state's node exists already and holds ``em``
    else:
        if em is not None:
            out.append(em)
        node = parent
    while node >= 0:
        node, e = nodes[node]
        if e is not None:
            out.append(e)
    out.reverse()
    return out, score


def _posterior(lm: CharLM, tables: _Tables, key: tuple[str, int], left: str, right: str,
               chosen: str) -> float:
    """Share of probability the chosen character gets among its candidates, both sides seen."""
    kind, b = key
    cands = tables.all if kind == "all" else (tables.by_lead if kind == "lead" else tables.by_trail)[b]
    l2, l1 = fold(left[-2]), fold(left[-1])
    s = lm.dist(l2, l1)[cands.ids].copy()
    top = np.argsort(-s)[:24]
    chars = [cands.chars[j] for j in top]
    if chosen not in chars:
        chars.append(chosen)
    scores = []
    for ch in chars:
        f = fold(ch)
        val = lm.logp(ch, l2, l1)
        if right:
            val += lm.logp(right[0], l1, f)
            if len(right) > 1:
                val += lm.logp(right[1], f, right[0])
        scores.append(val)
    arr = np.array(scores)
    arr = np.exp(arr - arr.max())
    # several characters may fold to the same Simplified one: count them together
    target = fold(chosen)
    return float(sum(p for ch, p in zip(chars, arr, strict=True) if fold(ch) == target) / arr.sum())


def _suspicious_runs(text: str, units: list[tuple[int, int, list[int]]], lm: CharLM
                     ) -> tuple[list[tuple[int, int]], set[int]]:
    """Unit-index ranges ``[a, b)`` that look like out-of-step GBK, and the flagged units."""
    strong: list[int] = []
    weak: list[int] = []
    for k, (s, e, b) in enumerate(units):
        ch = text[s]
        if b == [WILDCARD] or (e - s == 1 and SUSPECT_RE.match(ch) and ch != "?") or (e - s == 1 and _STRAY_RE.match(text, s) and ch.isalpha()):
            strong.append(k)
        elif (_CJK_RE.match(ch) and ch not in lm) or (e - s == 1 and _STRAY_RE.match(text, s)):
            weak.append(k)
    flags = sorted([(k, True) for k in strong] + [(k, False) for k in weak])
    runs: list[tuple[int, int]] = []
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
    return final, {k for k, _ in flags}


def _close(cur: list[tuple[int, bool]]) -> tuple[int, int, int, int]:
    n_strong = sum(1 for _, s in cur if s)
    return cur[0][0], cur[-1][0] + 1, n_strong, len(cur) - n_strong


def repair_mojibake(mt: MappedText, *, lm: CharLM) -> tuple[MappedText, list[Repair]]:
    """Find out-of-step GBK runs in ``mt`` and decode them again; see the module doc."""
    text = mt.text
    units = _units(text)
    tables = _tables(lm)
    edits: list[tuple[int, int, str]] = []
    pending: list[tuple[int, int, str, str, list[tuple[int, Emitted, float]]]] = []
    runs, flagged = _suspicious_runs(text, units, lm)
    for a, b in runs:
        ws, we = units[a][0], units[b - 1][1]
        obs = [x for u in units[a:b] for x in u[2]]
        first = min(k for k in range(a, b) if k in flagged) if flagged & set(range(a, b)) else a
        last = max(k for k in range(a, b) if k in flagged) if flagged & set(range(a, b)) else b - 1
        # the character right before a run often lends it a byte, so only farther ones are trusted
        trusted = [not (first - 1 <= k <= last + 1) for k in range(a, b) for _ in units[k][2]]
        left = (BOUNDARY * 2 + text[max(0, ws - 2) : ws])[-2:]
        emitted, score = decode(obs, lm, left=left, trusted=trusted)
        if not emitted:
            continue
        decoded = "".join(e.char for e in emitted)
        window = text[ws:we]
        if decoded == window:
            continue
        has_wildcard = any(u[2] == [WILDCARD] for u in units[a:b])
        if not has_wildcard and score - lm.score(window, left=left) < MARGIN:
            continue
        # Confidence of every character that had less than its full bytes.
        right_all = text[we : we + 2]
        chars = list(decoded)
        notes: list[tuple[int, Emitted, float]] = []
        for j, e in enumerate(emitted):
            if e.op in ("M1", "M2"):
                continue
            lctx = (BOUNDARY * 2 + text[max(0, ws - 2) : ws] + "".join(chars[:j]))[-2:]
            rctx = ("".join(chars[j + 1 :]) + right_all)[:2]
            post = _posterior(lm, tables, e.key, lctx, rctx, e.char)
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
