"""Action vectors pooled from their provision's forward pass ("late chunking").

Why: an action (推进 + 废旧纺织品循环利用) is a span of its provision's text, and embedding every
action label in a pass of its own cost about a quarter of an ingest's model tokens (the real
corpus: 240k of 810k). The provision's pass already computes a contextual state for each of the
action's tokens; their mean, L2-normalised, is the action's vector at no extra pass. Measured on
the real and the bundled gold (``docs/decisions/2026-12-01-ingest-prefetch.md``, session 8).

A unit's vector is cached by the text it is computed from (``search.unit_cache``): a provision
by its text, an action by ``in_context(label, provision text)``, a string no unit text holds, so
an action's pooled vector never passes for a stand-alone one. The span is the label's first
occurrence in the provision's text (the same answer from a parsed document and from the store's
units); a label the text lacks, or whose tokens fall past the model's length, is embedded alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from search.units import Unit

MARK = "\x1f"  # ASCII unit separator: normalized unit texts never hold it
ACTION_IRI = "/action/"  # between a provision's IRI and its n-th action's (graph.iris.Iris.fact)


def in_context(label: str, context: str) -> str:
    """What an action's vector is cached under: its label read inside its provision's text."""
    return f"{MARK}{label}{MARK}{context}"


def split(text: str) -> tuple[str, str] | None:
    """``(label, context)`` of an ``in_context`` text; ``None`` for a plain passage."""
    if not text.startswith(MARK):
        return None
    label, _, context = text[1:].partition(MARK)
    return label, context


def passage_texts(groups: Iterable[tuple[str, Sequence[str]]]) -> list[str]:
    """The texts to embed for ``(provision text, its action labels)`` groups (``Document.passages``)."""
    return [t for text, labels in groups for t in (text, *(in_context(label, text) for label in labels))]


def unit_texts(units: Sequence[Unit]) -> list[str]:
    """The text each unit's vector is computed from: a provision's own, an action's in its provision,
    or the action's label when its provision is not among ``units``. An action's IRI is its
    provision's with ``/action/<n>`` after it (``graph.iris.Iris.fact``); paths are not unique
    (an annex restarts its numbering), IRIs are."""
    provisions = {u.iri: u.text for u in units if u.kind == "provision"}
    out = []
    for u in units:
        context = provisions.get(u.iri.rpartition(ACTION_IRI)[0]) if u.kind == "action" else None
        out.append(in_context(u.text, context) if context else u.text)
    return out


def span_rows(offsets: Sequence[tuple[int, int]], start: int, end: int) -> list[int]:
    """Token positions whose characters overlap ``[start, end)`` (special tokens, at (0, 0), never)."""
    return [i for i, (s, e) in enumerate(offsets) if e > s and s < end and e > start]


def pool(states: np.ndarray, rows: Sequence[int]) -> np.ndarray:
    """The L2-normalised mean of a pass's token states over ``rows``."""
    vector = states[list(rows)].mean(axis=0)
    return vector / max(float(np.linalg.norm(vector)), 1e-12)
