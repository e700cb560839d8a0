"""The byte-level search behind :mod:`ingest.repair.mojibake`: which characters explain these GBK bytes?

A beam over byte positions where each step emits one character that either

* matches two bytes (``M2``) or one ASCII byte (``M1``),
* matches two bytes once the lead byte gets back the high bit a 7-bit channel stripped
  (``HIGH``: ``8`` + ``\\xf7`` is ``各``),
* keeps only its lead or only its trail byte, the other one lost (``LEAD``/``TRAIL``),
* keeps its trail byte while the lead one was garbled (``SUB``),
* keeps only its trail byte after a mangled gloss ``?xùn)|`` swallowed its lead (``WILD``),
* lost both bytes and is inferred from context (``LOST``),

or drops a garbage byte (``SKIP``; dearer inside the damage than where it starts, since the
out-of-step byte is the one in front). Each way costs a fixed penalty plus the character language model's
log-probability. A surviving pinyin gloss right after a byte position is evidence for the
character ending there: a character with that reading is preferred, half-byte candidates are
limited to such characters, and a fully decoded one that does not read so pays a penalty.

The beam picks candidates from the left context only, so :func:`refine` then re-chooses every
character that had less than full byte evidence with both its neighbours seen (iterated
conditional modes), and :func:`posterior` says how sure that choice is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pypinyin import Style, pinyin

from ingest.repair.charlm import BOUNDARY, CharLM, fold, fold_many
from ingest.repair.context_evidence import bonus, completions

WILDCARD = -1  # a byte known to exist but unknown (the ``?`` of a mangled gloss)
BARRIER = -2  # a character GBK cannot encode; never inside a decoded window

# Penalties in nats, against LM log-probabilities of roughly -2 (common) to -16 (unknown).
C_HALF = 3.0
C_CONT = 0.5  # a lead byte lost right after a trail byte: one gap, not two
C_SUB = 12.0
C_HIGH = 4.0
C_SKIP = 6.0
C_SKIP_MID = 14.0
C_LOST = 8.0
C_LOST_GAP = 1.5  # a character lost inside a gap another character's lost byte already opened
C_WILD = 1.0
C_TRUSTED = 6.0  # extra for editing a byte of a clean-looking character beside the run
C_GLOSS = 3.0  # bonus for a character whose reading is the gloss that follows it
C_GLOSS_MISS = 6.0  # penalty for a fully decoded character that does not read as its gloss
BEAM = 16
PER_OP = 6  # candidates kept per way of explaining a step
POOL = 40  # candidates weighed from each side when re-choosing a character
CONTEXT_CHARS = 40  # how far back the left context of a re-chosen character reaches
HALF_OPS = frozenset({"LEAD", "TRAIL", "SUB", "WILD", "LOST"})


def _valid_trail(b: int) -> bool:
    return 0x40 <= b <= 0xFE and b != 0x7F


@lru_cache(maxsize=1)
def decode_table() -> dict[int, str]:
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


@lru_cache(maxsize=65536)
def readings(ch: str) -> frozenset[str]:
    """Tone-marked pinyin readings of a character (and of its Simplified form)."""
    out: set[str] = set()
    for c in {ch, fold(ch)}:
        got = pinyin(c, style=Style.TONE, heteronym=True, errors="ignore")
        if got:
            out.update(got[0])
    return frozenset(out)


@dataclass(frozen=True)
class Candidates:
    ids: np.ndarray  # LM vocabulary index of each candidate (after folding)
    chars: tuple[str, ...]  # the GBK character as it would appear in the text


class Tables:
    """Known characters indexed by their GBK lead and trail bytes, for one LM."""

    def __init__(self, lm: CharLM) -> None:
        table = decode_table()
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
        known = [i for i, ch in enumerate(lm.chars) if ch != BOUNDARY]  # a lost byte is no line break
        self.all = Candidates(np.array(known, dtype=np.int64), tuple(lm.chars[i] for i in known))
        self._read: dict[tuple[str, int, str], Candidates | None] = {}

    @staticmethod
    def _pack(items: list[tuple[int, str]]) -> Candidates:
        return Candidates(np.array([i for i, _ in items], dtype=np.int64), tuple(c for _, c in items))

    def get(self, key: tuple[str, int, str]) -> Candidates:
        """The candidate set a key names: ``(kind, byte, reading)``; see :meth:`with_reading`."""
        kind, b, syl = key
        base = self.all if kind == "all" else (self.by_lead if kind == "lead" else self.by_trail)[b]
        if not syl:
            return base
        return self.with_reading(key) or base

    def with_reading(self, key: tuple[str, int, str]) -> Candidates | None:
        """The candidates of ``(kind, byte)`` that can be read ``reading``; None if there are none."""
        if key not in self._read:
            kind, b, syl = key
            base = self.get((kind, b, ""))
            keep = [j for j, ch in enumerate(base.chars) if syl in readings(ch)]
            self._read[key] = (Candidates(base.ids[keep], tuple(base.chars[j] for j in keep))
                               if keep else None)
        return self._read[key]


def tables(lm: CharLM) -> Tables:
    return lm.derived(Tables)


@dataclass(frozen=True)
class Emitted:
    """One decoded character and how much byte evidence it had."""

    char: str
    op: str  # M1 M2 HIGH LEAD TRAIL SUB WILD LOST
    key: tuple[str, int, str]  # the candidate set it was chosen from (kind, byte, gloss reading)


def decode(obs: list[int], lm: CharLM, *, left: str = BOUNDARY * 2,
           trusted: list[bool] | None = None,
           glosses: dict[int, str] | None = None, start: int | None = None) -> tuple[list[Emitted], float]:
    """Cheapest character sequence whose GBK bytes explain ``obs`` (see the module doc).

    ``trusted[i]`` marks bytes of clean-looking characters next to the run: editing them costs
    more, so the search does not rewrite good text into likelier text. ``glosses[p]`` is the
    pinyin of a gloss that stood right after byte ``p - 1``. Bytes from ``start`` on (the
    damage begins before it) are dropped only at the dearer ``C_SKIP_MID``.
    """
    tabs = tables(lm)
    words = completions(lm)
    table = decode_table()
    glosses = glosses or {}
    n = len(obs)
    extra = [C_TRUSTED if t else 0.0 for t in (trusted or [False] * n)] + [0.0]
    h2, h1 = fold(left[-2]), fold(left[-1])
    # frontier[i]: (h2, h1, gap) -> (score, parent node, emitted); gap: 0 none, 1 after a lost
    # character, 2 after a lead byte whose trail was lost, 3 after a character lost in such a gap
    frontier: list[dict[tuple[str, str, int], tuple[float, int, Emitted | None]]] = [
        {} for _ in range(n + 1)
    ]
    nodes: list[tuple[int, Emitted | None]] = []
    frontier[0][(h2, h1, 0)] = (0.0, -1, None)

    def push(pos: int, key: tuple[str, str, int], score: float, parent: int, em: Emitted | None) -> None:
        if em is not None and pos in glosses:
            score += C_GLOSS if glosses[pos] in readings(em.char) else -C_GLOSS_MISS
        old = frontier[pos].get(key)
        if old is None or score > old[0]:
            frontier[pos][key] = (score, parent, em)

    def push_set(pos: int, state: tuple[str, str, int], score: float, parent: int,
                 kind: str, b: int, cost: float, op: str, flag: int = 0) -> None:
        key = (kind, b, glosses.get(pos, ""))
        cands = tabs.get(key)
        d = lm.dist(state[0], state[1])
        s = d[cands.ids] + words.bonus(cands.ids, state[0], state[1])
        k = min(PER_OP, len(s))
        top = np.argpartition(-s, k - 1)[:k] if len(s) > k else range(len(s))
        for j in top:
            ch = cands.chars[j]
            push(pos, (state[1], fold(ch), flag), score + float(s[j]) - cost, parent, Emitted(ch, op, key))

    for i in range(n + 1):
        layer = sorted(frontier[i].items(), key=lambda kv: -kv[1][0])[:BEAM]
        # A character lost entirely: emitted without consuming a byte (not twice in a row).
        for state, (score, parent, em) in list(layer):
            if state[2] in (0, 2) and i < n:
                nid = len(nodes)
                nodes.append((parent, em))
                cost = (C_LOST_GAP if state[2] == 2 else C_LOST) + min(extra[i], extra[i - 1] if i else extra[i])
                push_set(i, state, score, nid, "all", 0, cost, "LOST", flag=1 if state[2] == 0 else 3)
                frontier[i][state] = (score, -2 - nid, em)  # remember the node already made
        layer = sorted(frontier[i].items(), key=lambda kv: -kv[1][0])[:BEAM]
        if i == n:
            break
        b = obs[i]
        nxt = obs[i + 1] if i + 1 < n else None
        skip = (C_SKIP if start is None or i < start else C_SKIP_MID) + extra[i]
        for state, (score, parent, em) in layer:
            if parent <= -2:
                nid = -2 - parent
            else:
                nid = len(nodes)
                nodes.append((parent, em))
            hist = (state[0], state[1])
            if b != BARRIER:
                push(i + 1, (*hist, 0), score - skip, nid, None)
            if b == WILDCARD:
                if nxt is not None and nxt >= 0 and nxt in tabs.by_trail:
                    push_set(i + 2, state, score, nid, "trail", nxt, C_WILD, "WILD")
                continue
            if b < 0:
                continue
            pair = nxt is not None and nxt >= 0 and _valid_trail(nxt)
            if b < 0x80:
                ch = chr(b)
                push(i + 1, (state[1], fold(ch), 0), score + lm.logp(ch, *hist), nid, Emitted(ch, "M1", ("", 0, "")))
                ch2 = table.get(((b | 0x80) << 8) | nxt) if pair and b >= 0x30 else None
                if ch2 is not None and ch2 in lm:
                    push(i + 2, (state[1], fold(ch2), 0), score + lm.logp(ch2, *hist) - C_HIGH - extra[i], nid,
                         Emitted(ch2, "HIGH", ("", 0, "")))
            elif pair:
                ch2 = table.get((b << 8) | nxt)
                if ch2 is not None:
                    lp = lm.logp(ch2, *hist)
                    push(i + 2, (state[1], fold(ch2), 0), score + lp, nid, Emitted(ch2, "M2", ("", 0, "")))
            if b >= 0x81 and b in tabs.by_lead:
                push_set(i + 1, state, score, nid, "lead", b, C_HALF + extra[i], "LEAD", flag=2)
            if _valid_trail(b) and b in tabs.by_trail:
                cost = (C_CONT if state[2] else C_HALF) + extra[i]
                push_set(i + 1, state, score, nid, "trail", b, cost, "TRAIL")
            if pair and b >= 0x80 and nxt in tabs.by_trail:
                push_set(i + 2, state, score, nid, "trail", nxt, C_SUB + extra[i], "SUB")

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


def _scores(lm: CharLM, cands: Candidates, left: str, right: str) -> tuple[list[str], np.ndarray]:
    """Candidates worth weighing between ``left`` and ``right``, and their LM scores both sides.

    The pool is the best ones after the left context plus the best ones seen before the right
    neighbour (``整`` before ``合``), so a character the left context alone would not suggest
    still gets its chance.
    """
    l2, l1 = fold(left[-2]), fold(left[-1])
    s = lm.dist(l2, l1)[cands.ids]
    pool = set(np.argsort(-s)[:POOL].tolist())
    if right:
        prev = lm.before(fold(right[0]))
        near = np.flatnonzero(np.isin(cands.ids, prev))
        if len(near):
            pool.update(near[np.argsort(-s[near])[:POOL]].tolist())
    chars = [cands.chars[j] for j in sorted(pool)]
    scores = []
    for ch in chars:
        f = fold(ch)
        val = lm.logp(ch, l2, l1) + bonus(lm, ch, left, right)
        if right:
            val += lm.logp(right[0], l1, f)
            if len(right) > 1:
                val += lm.logp(right[1], f, right[0])
        scores.append(val)
    return chars, np.array(scores)


def refine(emitted: list[Emitted], lm: CharLM, *, left: str, right: str, sweeps: int = 2) -> list[Emitted]:
    """Re-choose each character with less than full byte evidence, both neighbours seen."""
    tabs = tables(lm)
    out = list(emitted)
    for _ in range(sweeps):
        changed = False
        for j, e in enumerate(out):
            if e.op not in HALF_OPS:
                continue
            text = "".join(x.char for x in out)
            lctx = (BOUNDARY * 2 + left + text[:j])[-CONTEXT_CHARS:]
            rctx = (text[j + 1 :] + right)[:3]
            chars, scores = _scores(lm, tabs.get(e.key), lctx, rctx)
            best = chars[int(np.argmax(scores))]
            if fold(best) != fold(e.char):
                out[j] = Emitted(best, e.op, e.key)
                changed = True
        if not changed:
            break
    return out


def posterior(lm: CharLM, key: tuple[str, int, str], left: str, right: str, chosen: str) -> float:
    """Share of probability the chosen character gets among its candidates, both sides seen."""
    chars, scores = _scores(lm, tables(lm).get(key), left, right)
    if chosen not in chars:
        chars.append(chosen)
        scores = np.append(scores, lm.score(chosen + right[:2], left=left) + bonus(lm, chosen, left, right))
    arr = np.exp(scores - scores.max())
    # several characters may fold to the same Simplified one: count them together
    target = fold(chosen)
    return float(sum(p for ch, p in zip(chars, arr, strict=True) if fold(ch) == target) / arr.sum())
