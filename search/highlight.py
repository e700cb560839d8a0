"""Query terms marked in a unit's text: the spans, the terms found, and a snippet around them.

Search shows the snippet; linking keeps only the terms found (evidence and a second-stage
feature) for ~35k hits a run, so marking is plain ``str.find`` over a bytearray of covered
characters and the snippet is built only when asked for.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache

SNIPPET_WIDTH = 160
"""Characters of text a snippet shows around the marked terms."""
_SPECIAL = re.compile("[&<>\"']")  # what html.escape changes


def highlight(text: str, terms: Sequence[str], *, width: int = SNIPPET_WIDTH) -> tuple[str, str, list[tuple[int, int]], list[str]]:
    """Mark ``terms`` in ``text``: (html snippet, plain snippet, all spans, terms found).

    Longer terms win over the shorter ones inside them; single characters are marked only
    when the query has nothing longer (else every 的 and 和 would light up). The snippet is
    the ``width``-character window holding the most marked characters.
    """
    covered, merged, found = mark(text, marked_terms(tuple(terms)))
    html_snippet, plain = window(text, covered, merged, width=width)
    return html_snippet, plain, merged, found


@lru_cache(maxsize=1024)
def marked_terms(terms: tuple[str, ...]) -> tuple[str, ...]:
    """The query terms ``highlight`` looks for, longest first (single characters only when nothing
    is longer). Kept per query: every hit of a search marks the same terms."""
    uniq = sorted({t for t in terms if t.strip()}, key=lambda t: (-len(t), t))
    return tuple(t for t in uniq if len(t) > 1) if any(len(t) > 1 for t in uniq) else tuple(uniq)


def mark(text: str, uniq: Sequence[str]) -> tuple[bytearray, list[tuple[int, int]], list[str]]:
    """Where the ``marked_terms`` occur in ``text``: the covered characters, the merged spans and
    the terms found. Plain bytes and ``str.find``: linking marks ~35k hits a run."""
    covered = bytearray(len(text))
    spans: list[tuple[int, int]] = []
    found: list[str] = []
    for term in uniq:  # a search's hits are short (~70 characters): str.find beats a set of the characters
        at = text.find(term)
        if at < 0:
            continue
        n, ones = len(term), b"\x01" * len(term)
        while at >= 0:
            end = at + n
            if covered.find(1, at, end) < 0:
                covered[at:end] = ones
                spans.append((at, end))
                if term not in found:
                    found.append(term)
            at = text.find(term, end)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return covered, merged, found


def window(text: str, covered: bytearray, merged: list[tuple[int, int]], *, width: int) -> tuple[str, str]:
    """The html and plain ``width``-character window holding the most marked characters."""
    start, n = 0, len(text)
    if n > width and merged:
        most = -1  # the start holding the most covered bytes, the first such; counted in C
        for s, _ in merged:
            a = max(0, min(s - 10, n - width))
            count = covered.count(1, a, min(a + width, n))
            if count > most or (count == most and a < start):
                most, start = count, a
    end = min(n, start + width)
    escape = html.escape if _SPECIAL.search(text, start, end) else str  # most windows have nothing to escape
    parts: list[str] = ["…" if start > 0 else ""]
    pos = start
    for s, e in merged:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        parts += [escape(text[pos:s]), "<mark>", escape(text[s:e]), "</mark>"]
        pos = e
    parts += [escape(text[pos:end]), "…" if end < n else ""]
    plain = ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")
    return "".join(parts), plain
