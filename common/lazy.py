"""A read-only sequence whose items are made only when asked for.

Why: two places hold many items of which a caller reads few (a text's per-character units in
mojibake repair, a saved index's unit records); each implements ``_item`` and ``__len__``, and
the indexing rules (slices, negative indices, bounds) live here once.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import TypeVar, overload

T = TypeVar("T")


class LazySequence(Sequence[T]):
    """``seq[i]`` is ``_item(i)`` for ``0 <= i < len(seq)``; slices are lists of items."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def _item(self, i: int) -> T:
        """The item at ``i``, an index already within bounds."""

    @overload
    def __getitem__(self, k: int) -> T: ...

    @overload
    def __getitem__(self, k: slice) -> list[T]: ...

    def __getitem__(self, k: int | slice) -> T | list[T]:
        if isinstance(k, slice):
            return [self._item(i) for i in range(*k.indices(len(self)))]
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(k)
        return self._item(k)
