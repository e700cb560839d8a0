"""Evidence for an inferred character beyond the character trigram: words and punctuation.

A character restored from half its bytes (or none) is chosen by the trigram model, which
sees two characters on each side and prefers whatever is commonest there (``实行`` over
``实效``). Two more kinds of evidence are weighed here, both learnt, none about one file:

* **word completion**: a candidate that makes a dictionary word (jieba's) with the known
  characters around it gets a bonus, more for a longer word (``实效``, ``整合``, ``重视``);
* **punctuation position**: which mark ends the phrase right after a numbered opener such as
  ``（二）`` — in policy text almost always ``。`` (``（一）指导思想。``), whereas ``、`` is
  the commonest mark overall. :func:`ingest.repair.charlm.first_marks` counts both on the corpus the
  model was built from; a mark candidate gets the log-ratio of the two shares.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np

from ingest.repair.charlm import CharLM, fold, lexicon_words

C_WORD = 1.5  # bonus per character of dictionary word a candidate completes, past the first
MAX_WORD = 4
MARKS = "，。、；：！？"
#: a line that opened with a numbered item and has had no mark since: ``（二）抓好宣传报道``
OPENER_RE = re.compile(r"^\s*(?:[（(][一二三四五六七八九十]{1,3}[）)]|[一二三四五六七八九十]{1,3}、)[^，。、；：！？,;:!?]*$")


@lru_cache(maxsize=1)
def words() -> frozenset[str]:
    return frozenset(w for w in lexicon_words() if len(w) <= MAX_WORD)


def coverage(text: str) -> int:
    """Most characters of ``text`` that non-overlapping dictionary words can cover."""
    lex = words()
    best = [0] * (len(text) + 1)
    for i in range(1, len(text) + 1):
        best[i] = best[i - 1]
        for k in range(2, min(MAX_WORD, i) + 1):
            if text[i - k : i] in lex:
                best[i] = max(best[i], best[i - k] + k)
    return best[-1]


def word_bonus(ch: str, left: str, right: str) -> float:
    """Bonus for ``ch`` between ``left`` and ``right`` (Simplified): the extra characters the best
    segmentation into dictionary words covers with it in place (``单位移`` gains nothing: ``位``
    is already in ``单位``)."""
    return C_WORD * (coverage(left + fold(ch) + right) - coverage(left) - coverage(right))


class Completions:
    """Vocabulary ids of the characters that end a dictionary word after a given history."""

    def __init__(self, lm: CharLM) -> None:
        by_prefix: dict[str, set[int]] = {}
        for w in words():
            i = lm.index.get(w[-1])
            if i is None:
                continue
            for k in (1, 2):
                if len(w) > k:
                    by_prefix.setdefault(w[-1 - k : -1], set()).add(i)
        self._ids = {p: np.array(sorted(v), dtype=np.int64) for p, v in by_prefix.items()}
        self._empty = np.zeros(0, dtype=np.int64)

    def bonus(self, ids: np.ndarray, h2: str, h1: str) -> np.ndarray:
        """Word-completion bonus of every candidate id after the history ``h2 h1``."""
        out = np.zeros(len(ids))
        taken = h2 + h1 in words()  # ``单位`` + ``移``: ``位`` already belongs to a word
        for prefix, weight in ((h1, 0 if taken else 1), (h2 + h1, 2)):
            ends = self._ids.get(prefix, self._empty) if weight else self._empty
            if len(ends):
                hit = np.isin(ids, ends)
                out[hit] = np.maximum(out[hit], C_WORD * weight)
        return out


def completions(lm: CharLM) -> Completions:
    return lm.derived(Completions)


def mark_bonus(lm: CharLM, ch: str, line: str) -> float:
    """Log-ratio of ``ch``'s share as the first mark after a numbered opener to its overall share.

    ``line`` is the text of the line before ``ch``; zero unless ``ch`` is a mark and the line
    is such an opener with no mark yet.
    """
    m = fold(ch)
    if m not in MARKS or not OPENER_RE.match(line):
        return 0.0
    after, overall = lm.first_marks
    k = len(MARKS)
    n_after, n_all = sum(after.values()), sum(overall.values())
    if not n_after:
        return 0.0
    p_after = (after[m] + 0.5) / (n_after + 0.5 * k)
    p_all = (overall[m] + 0.5) / (n_all + 0.5 * k)
    return math.log(p_after / p_all)


def bonus(lm: CharLM, ch: str, left: str, right: str) -> float:
    """All extra evidence for ``ch``; ``left`` reaches back to the line start if it can."""
    line = "".join(map(fold, left.rsplit("\n", 1)[-1]))
    near_left = "".join(map(fold, left[-(MAX_WORD - 1) :]))
    return word_bonus(ch, near_left, "".join(map(fold, right[: MAX_WORD - 1]))) + mark_bonus(lm, ch, line)
