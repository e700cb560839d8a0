"""Tables -> one record per row: .xlsx (every sheet, streamed read-only), .csv/.tsv and .jsonl.

The first non-empty row of a sheet or CSV is its header (a one-cell caption above it is skipped);
JSON Lines objects are matched by key.
A row's id is its id column when there is one, else the file, sheet and row number (the number a
spreadsheet shows, header = 1), so re-importing the same table replaces the same documents.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING

from common.errors import EmptyInputError, InputError, PolicyKGError
from ingest.formats import columns
from ingest.formats.archive import check_zip
from ingest.formats.records import Problem, Record, checked, slug
from ingest.reader import MAX_BYTES_DEFAULT, sniff_encoding

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

MAX_UNZIPPED = 1_000_000_000  # openpyxl keeps a workbook's shared strings in memory
CSV_FIELD_LIMIT = 64_000_000  # over this the csv module stops the file; under it we refuse the cell


@dataclass
class Sheet:
    where: str  # for messages: "data.xlsx, sheet 'Central'" or "data.csv"
    id_prefix: str
    headers: list[object]
    rows: Iterator[tuple[int, Sequence[object] | Problem]]  # (row number as a person finds it, cells)
    fmt: str


def read(path: Path, *, explicit: Mapping[str, str], max_bytes: int = MAX_BYTES_DEFAULT
         ) -> Iterator[Record | Problem]:
    """Every row of every sheet of ``path`` as a record, or a problem saying which row and why."""
    try:
        sheets = _SHEETS[path.suffix.lower()](path)
        for sheet in sheets:
            yield from _records(sheet, explicit=explicit, max_bytes=max_bytes)
    except PolicyKGError as e:
        yield Problem(str(path), str(e))


def estimate(path: Path) -> int:
    """About how many rows ``path`` holds, for a progress bar (cheap: no cell is parsed)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            wb = _open_workbook(path)
        except InputError:
            return 1
        try:
            return sum(max((ws.max_row or 2) - 1, 1) for ws in wb.worksheets)
        finally:
            wb.close()
    try:
        with path.open("rb") as f:
            return max(sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")), 1)
    except OSError:
        return 1


def _records(sheet: Sheet, *, explicit: Mapping[str, str], max_bytes: int) -> Iterator[Record | Problem]:
    sample = list(islice(sheet.rows, columns.SAMPLE_ROWS))
    try:
        cols = columns.resolve(sheet.headers, explicit, [r for _, r in sample if not isinstance(r, Problem)],
                               where=sheet.where)
    except InputError as e:
        yield Problem(sheet.where, str(e))
        return
    for number, row in chain(sample, sheet.rows):
        if isinstance(row, Problem):
            yield row
            continue
        if all(c is None or str(c).strip() == "" for c in row):
            continue
        try:
            yield _record(row, cols, sheet, number=number, max_bytes=max_bytes)
        except InputError as e:
            yield Problem(sheet.where, e.message + (f" {e.hint}" if e.hint else ""), row=number)


def _record(row: Sequence[object], cols: Mapping[str, int], sheet: Sheet, *, number: int,
            max_bytes: int) -> Record:
    i = cols["text"]
    value = row[i] if i < len(row) else None
    text = "" if value is None else str(value)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise InputError(f"the text cell is {size:,} bytes, over the limit of {max_bytes:,}; refused.",
                         hint="Split the document or raise the limit (POLICYKG_MAX_FILE_BYTES).")
    if not text.strip():
        raise EmptyInputError("the text cell is empty.")
    text = checked(text, "the text cell")
    where = f"{sheet.where}, row {number}"
    meta, notes = columns.entry(row, cols, sheet.headers, origin=where)
    given = row[cols["id"]] if "id" in cols and cols["id"] < len(row) else None
    doc_id = slug(str(given).strip()) if given not in (None, "") else ""
    return Record(raw=text, origin=where, doc_id=doc_id or f"{sheet.id_prefix}-{number}", fmt=sheet.fmt,
                  meta=meta, notes=tuple(Problem(sheet.where, note, skipped=False, row=number) for note in notes))


# ---------------------------------------------------------------------------------- formats


def _open_workbook(path: Path) -> Workbook:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    check_zip(path, max_bytes=MAX_UNZIPPED // 20, kind=".xlsx")
    try:
        # data_only: a formula cell gives the value Excel saved, never the formula
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, ValueError, OSError) as e:
        raise InputError(f"{path} is not a readable .xlsx workbook ({type(e).__name__}: {e}).",
                         hint="Open it in Excel or LibreOffice and save it again as .xlsx.") from e


def _xlsx(path: Path) -> Iterator[Sheet]:
    wb = _open_workbook(path)
    try:
        for ws in wb.worksheets:
            header, rows = _split_header(enumerate(ws.iter_rows(values_only=True), start=1))
            if header is not None:  # else an empty sheet
                yield Sheet(f"{path}, sheet {ws.title!r}", f"{slug(path.stem)}-{slug(ws.title) or 'sheet'}",
                            header, rows, "xlsx cell")
    finally:
        wb.close()


def _split_header(rows: Iterator[tuple[int, Sequence[object]]]
                  ) -> tuple[list[object] | None, Iterator[tuple[int, Sequence[object]]]]:
    """The header row and the rows after it. A caption above the header (one merged cell such as
    "2023年政策文件汇总") is skipped when a row with more cells follows within the first ten."""
    ahead = []
    for n, row in islice(rows, 10):
        filled = sum(c is not None and str(c).strip() != "" for c in row)
        if filled:
            ahead.append((n, row, filled))
    if not ahead:
        return None, rows
    at = next((i for i, (_, _, filled) in enumerate(ahead) if filled > 1), 0)
    return list(ahead[at][1]), chain(((n, r) for n, r, _ in ahead[at + 1:]), rows)


def _text_stream(path: Path) -> io.TextIOWrapper:
    try:
        with path.open("rb") as f:
            head = f.read(1 << 16)
    except OSError as e:
        raise InputError(f"Cannot read {path}: {e.strerror or e}.", hint="Check the path and its permissions.") from e
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path} looks binary (it contains NUL bytes), not a text table.",
                         hint="Export the table as UTF-8 CSV or JSON Lines.")
    encoding = sniff_encoding(head, name=str(path), complete=False)
    return open(path, encoding=encoding, newline="")


def _csv(path: Path) -> Iterator[Sheet]:
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    with _text_stream(path) as f:
        first = f.readline()
        delimiter = max(",\t;", key=first.count) if path.suffix.lower() != ".tsv" else "\t"
        reader = csv.reader(chain([first], f), delimiter=delimiter)
        header, rows = _split_header(enumerate(_guarded(reader, path), start=1))
        if header is not None:
            yield Sheet(str(path), slug(path.stem), header, rows, "csv cell")


def _guarded(reader: Iterator[list[str]], path: Path) -> Iterator[list[str]]:
    """Rows until the csv module or the decoder gives up; that is reported, what came before is kept."""
    try:
        yield from reader
    except (csv.Error, UnicodeDecodeError) as e:
        raise InputError(f"{path} could not be read past line {getattr(reader, 'line_num', '?')}: {e}.",
                         hint="Rows before it were read; fix the file from that line on.") from e


def _jsonl(path: Path) -> Iterator[Sheet]:
    with _text_stream(path) as f:
        lines = _json_objects(f, path)
        sample = list(islice(lines, columns.SAMPLE_ROWS))
        keys = list(dict.fromkeys(k for _, obj in sample if isinstance(obj, dict) for k in obj))
        rows = ((n, obj if isinstance(obj, Problem) else [_scalar(obj.get(k)) for k in keys])
                for n, obj in chain(sample, lines))
        yield Sheet(str(path), slug(path.stem), list(keys), rows, "jsonl field")


def _json_objects(f: io.TextIOWrapper, path: Path) -> Iterator[tuple[int, dict[str, object] | Problem]]:
    try:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield n, Problem(str(path), f"not valid JSON ({e}).", row=n)
                continue
            yield n, obj if isinstance(obj, dict) else Problem(str(path), "not a JSON object.", row=n)
    except UnicodeDecodeError as e:
        raise InputError(f"{path} could not be decoded past its start: {e}.",
                         hint="Save it as UTF-8.") from e


def _scalar(value: object) -> object:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value if value is None or isinstance(value, str | int | float) else json.dumps(value, ensure_ascii=False)


_SHEETS = {".xlsx": _xlsx, ".xlsm": _xlsx, ".csv": _csv, ".tsv": _csv, ".jsonl": _jsonl, ".ndjson": _jsonl}
SUFFIXES = tuple(_SHEETS)
