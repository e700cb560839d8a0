"""Unit records of a saved index: read on demand, the same units and filters as the list they were saved from."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from search import unit_records
from search.dense import IndexMismatchError
from search.unit_records import FIELDS, INDEX, RECORDS, Columns, UnitRecords
from search.units import Unit


def test_saved_units_read_back_one_by_one(tmp_path: Path, corpus_units: list[Unit]) -> None:
    unit_records.save(tmp_path, corpus_units)
    units, _ = unit_records.load(tmp_path)
    assert isinstance(units, UnitRecords)
    assert len(units) == len(corpus_units)
    assert units[-1] == corpus_units[-1] and units[3] == corpus_units[3]
    assert units[2:5] == corpus_units[2:5]
    assert list(units) == corpus_units
    with pytest.raises(IndexError):
        units[len(corpus_units)]


def test_columns_give_the_masks_the_records_give(tmp_path: Path, corpus_units: list[Unit]) -> None:
    unit_records.save(tmp_path, corpus_units)
    _, columns = unit_records.load(tmp_path)
    for name in FIELDS:
        values = [getattr(u, name) or "" for u in corpus_units]
        assert columns.distinct(name) == sorted(set(values))
        wanted = sorted(set(values))[:2]
        expected = np.array([v in wanted for v in values])
        assert (columns.isin(name, wanted) == expected).all()
    national = columns.isin("level", ["national"])
    assert columns.where("doc_id", national) == {u.doc_id for u in corpus_units if u.level == "national"}
    assert 0 < national.sum() < len(corpus_units)


def test_a_held_index_keeps_its_records_when_the_folder_is_replaced(tmp_path: Path,
                                                                   corpus_units: list[Unit]) -> None:
    folder = tmp_path / "index"
    folder.mkdir()
    unit_records.save(folder, corpus_units)
    held, _ = unit_records.load(folder)
    shutil.rmtree(folder)  # what ``atomic_dir`` does to the old folder on the next save
    folder.mkdir()
    unit_records.save(folder, corpus_units[::-1])
    assert list(held) == corpus_units


def test_an_index_saved_before_the_record_index_is_read_whole(tmp_path: Path, corpus_units: list[Unit]) -> None:
    unit_records.save(tmp_path, corpus_units)
    (tmp_path / INDEX).unlink()
    units, columns = unit_records.load(tmp_path)
    assert units == corpus_units
    assert (columns.isin("kind", ["provision"]) == Columns.of(corpus_units).isin("kind", ["provision"])).all()


def test_records_that_do_not_match_their_index_are_refused(tmp_path: Path, corpus_units: list[Unit]) -> None:
    unit_records.save(tmp_path, corpus_units)
    with (tmp_path / RECORDS).open("a", encoding="utf-8") as f:
        f.write("{}\n")
    with pytest.raises(IndexMismatchError, match="rebuild"):
        unit_records.load(tmp_path)
