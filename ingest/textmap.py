"""Offset-preserving text edits.

Every normalization step rewrites text; a ``MappedText`` remembers, for each character of the
new text, where it came from in the original, so a span found in clean text can always be
shown in the raw file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class MappedText:
    """Text plus ``origin[i]``: the raw-text offset of character ``i``.

    ``origin`` has ``len(text) + 1`` entries; the last one is the raw length, so a half-open
    span ``[start, end)`` maps to ``[origin[start], origin[end])``.
    """

    text: str
    origin: tuple[int, ...]

    @classmethod
    def identity(cls, text: str) -> MappedText:
        return cls(text, tuple(range(len(text) + 1)))

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw offsets for the normalized span ``[start, end)``."""
        return self.origin[start], self.origin[end]

    def apply(self, edits: Iterable[tuple[int, int, str]]) -> MappedText:
        """Replace ``text[start:end]`` by ``replacement`` for each edit (non-overlapping).

        Every character of a replacement maps to the start of the span it replaces, so
        offsets stay monotonic; untouched characters keep their exact origin.
        """
        pieces: list[str] = []
        origin: list[int] = []
        pos = 0
        for start, end, replacement in sorted(edits):
            if start < pos:
                raise ValueError(f"overlapping edit at {start} (previous edit ended at {pos})")
            pieces.append(self.text[pos:start])
            origin.extend(self.origin[pos:start])
            pieces.append(replacement)
            origin.extend([self.origin[start]] * len(replacement))
            pos = end
        pieces.append(self.text[pos:])
        origin.extend(self.origin[pos:])  # includes the end entry
        return MappedText("".join(pieces), tuple(origin))

    def map_chars(self, convert: str) -> MappedText:
        """Same-length substitution (e.g. script conversion that keeps length)."""
        if len(convert) != len(self.text):
            raise ValueError("map_chars needs a same-length replacement")
        return MappedText(convert, self.origin)
