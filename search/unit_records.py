"""The units of a saved index, read only when asked for: a start-up must not grow with the corpus.

Why: a search shows a few dozen units, but parsing every record of ``units.jsonl`` took 0.33 s on
the 24k units of a 200-document corpus (and grows with it). The file stays one JSON record a line;
beside it ``units.index.npz`` holds where each line starts and the few fields a filter needs
(level, region, type, kind, document), as distinct values plus one code a unit, so a filtered
search builds its mask without reading a record. Records are read through a memory map taken at
load time: the index folder is replaced whole on save, and a held index keeps reading its own file.
"""

from __future__ import annotations

import json
import mmap
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import orjson

from common.lazy import LazySequence
from search.dense import IndexMismatchError
from search.units import Unit

RECORDS = "units.jsonl"
INDEX = "units.index.npz"
FIELDS = ("level", "region", "doc_type", "kind", "doc_id")


class Columns:
    """The filter fields of every unit, as distinct values and a code per unit (``doc_type`` ``''`` when unknown)."""

    def __init__(self, values: dict[str, np.ndarray], codes: dict[str, np.ndarray]) -> None:
        self._values, self._codes = values, codes

    @classmethod
    def of(cls, units: Sequence[Unit]) -> Columns:
        values, codes = {}, {}
        for name in FIELDS:
            column = [getattr(u, name) or "" for u in units]
            values[name], codes[name] = np.unique(np.array(column, dtype=str), return_inverse=True)
        return cls(values, codes)

    def distinct(self, name: str) -> list[str]:
        return self._values[name].tolist()

    def isin(self, name: str, wanted: Iterable[str]) -> np.ndarray:
        """Boolean mask of the units whose ``name`` is one of ``wanted``."""
        return np.isin(self._values[name], list(wanted))[self._codes[name]]

    def where(self, name: str, mask: np.ndarray) -> set[str]:
        """The distinct values of ``name`` among the units ``mask`` lets through."""
        return set(self._values[name][np.unique(self._codes[name][mask])].tolist())

    def values_at(self, name: str, rows: Sequence[int]) -> list[str]:
        """``name`` of the units at ``rows``."""
        return self._values[name][self._codes[name][np.asarray(rows, np.int64)]].tolist()

    def arrays(self) -> dict[str, np.ndarray]:
        return {f"{kind}_{name}": part[name] for kind, part in (("values", self._values), ("codes", self._codes))
                for name in FIELDS}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Columns:
        return cls({n: arrays[f"values_{n}"] for n in FIELDS}, {n: arrays[f"codes_{n}"] for n in FIELDS})


class UnitRecords(LazySequence[Unit]):
    """``units.jsonl`` as a sequence; a record is parsed on first access and kept."""

    def __init__(self, path: Path, offsets: np.ndarray) -> None:
        self._offsets = offsets
        self._parsed: dict[int, Unit] = {}
        self._map: mmap.mmap | bytes = b""
        if len(self):
            with path.open("rb") as f:
                self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def _item(self, row: int) -> Unit:
        unit = self._parsed.get(row)
        if unit is None:
            line = self._map[int(self._offsets[row]):int(self._offsets[row + 1])]
            unit = self._parsed[row] = Unit.from_dict(orjson.loads(line))  # 2.3x json's speed on these records
        return unit

    def __iter__(self) -> Iterator[Unit]:
        return (self._item(i) for i in range(len(self)))


def save(directory: Path, units: Sequence[Unit]) -> None:
    """Write ``units.jsonl`` and its ``units.index.npz`` into ``directory``."""
    offsets = [0]
    with (directory / RECORDS).open("wb") as f:
        for unit in units:
            line = orjson.dumps(unit.to_dict()) + b"\n"
            f.write(line)
            offsets.append(offsets[-1] + len(line))
    np.savez(directory / INDEX, offsets=np.array(offsets, np.int64), **Columns.of(units).arrays())


def load(directory: Path) -> tuple[Sequence[Unit], Columns]:
    """The units saved in ``directory`` and their filter columns; an index saved before the
    ``units.index.npz`` existed is read whole, as it always was."""
    if not (directory / INDEX).exists():
        with (directory / RECORDS).open(encoding="utf-8") as f:
            units = [Unit.from_dict(json.loads(line)) for line in f if line.strip()]
        return units, Columns.of(units)
    with np.load(directory / INDEX, allow_pickle=False) as saved:
        arrays = {name: saved[name] for name in saved.files}
    if os.path.getsize(directory / RECORDS) != arrays["offsets"][-1]:
        raise IndexMismatchError(f"{directory / RECORDS} does not match its {INDEX}; rebuild the index.")
    return UnitRecords(directory / RECORDS, arrays["offsets"]), Columns.from_arrays(arrays)
