"""Walk the paths given to ``policykg ingest``, read every supported file and table row, parse each
into a :class:`~ingest.model.Document`; collect what could not be read instead of stopping.

A folder with a ``manifest.toml`` is a curated corpus: exactly the files it lists are read, with
its metadata. Any other folder is read whole (sub-folders too, hidden files skipped).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from common.errors import PolicyKGError
from ingest.formats import pdf, table, webpage, word
from ingest.formats.records import Problem, Record, slug
from ingest.manifest import Entry, read_manifest
from ingest.model import Document
from ingest.pipeline import parse_text
from ingest.reader import MAX_BYTES_DEFAULT, read_file

Reader = Callable[..., tuple[str, str]]
FILE_READERS: dict[str, Reader] = {".txt": read_file, ".htm": webpage.read, ".html": webpage.read,
                                   ".docx": word.read, ".pdf": pdf.read}
OLD_FORMATS = {".doc": ".docx", ".wps": ".docx", ".xls": ".xlsx", ".et": ".xlsx"}
SUFFIXES = (*FILE_READERS, *table.SUFFIXES)


@dataclass(frozen=True)
class Source:
    path: Path
    meta: Entry | None = None
    rel: str | None = None  # the path relative to its manifest folder, as Document.path


class Import:
    """One ``policykg ingest`` run over files, folders and tables.

    ``problems`` fills as :meth:`documents` runs: every file or row left out, and caveats on
    documents that went in (``Problem.skipped`` false).
    """

    def __init__(self, paths: Sequence[Path], *, columns: Mapping[str, str] | None = None,
                 max_bytes: int = MAX_BYTES_DEFAULT) -> None:
        self.columns = dict(columns or {})
        self.max_bytes = max_bytes
        self.problems: list[Problem] = []
        self.other_files: Counter[str] = Counter()  # suffix -> files in folders that are no document
        self.sources = list(self._plan(paths))
        self._ids: dict[str, str] = {}

    def estimate(self) -> int:
        """About how many records the sources hold (rows for tables), for a progress bar."""
        return sum(table.estimate(s.path) if s.path.suffix.lower() in table.SUFFIXES else 1 for s in self.sources)

    def documents(self, *, on_record: Callable[[], None] | None = None) -> Iterator[Document]:
        """Parsed documents, one per file or table row; ``on_record`` is called after each attempt."""
        for item in self._read():
            if isinstance(item, Problem):
                self.problems.append(item)
            elif (doc := self._parse(item)) is not None:
                yield doc
            if on_record is not None:
                on_record()

    def records(self) -> Iterator[Record]:
        """The records read, unparsed; what could not be read goes to ``problems``."""
        for item in self._read():
            if isinstance(item, Problem):
                self.problems.append(item)
            else:
                yield item

    def _read(self) -> Iterator[Record | Problem]:
        for source in self.sources:
            if source.path.suffix.lower() in table.SUFFIXES:
                yield from table.read(source.path, explicit=self.columns, max_bytes=self.max_bytes)
                continue
            try:
                raw, fmt = FILE_READERS[source.path.suffix.lower()](source.path, max_bytes=self.max_bytes)
            except PolicyKGError as e:
                yield Problem(str(source.path), _message(e))
                continue
            yield Record(raw=raw, origin=source.rel or str(source.path), doc_id=slug(source.path.stem) or "document",
                         fmt=fmt, meta=source.meta)

    def _parse(self, record: Record) -> Document | None:
        taken = self._ids.get(record.doc_id)
        if taken is not None:
            self.problems.append(Problem(record.origin, f"its document id {record.doc_id!r} is already taken by "
                                         f"{taken}; rename one of them (or give an id column) to import both."))
            return None
        try:
            doc = parse_text(record.raw, path=record.origin, encoding=record.fmt, meta=record.meta,
                             doc_id=record.doc_id)
        except PolicyKGError as e:
            self.problems.append(Problem(record.origin, _message(e)))
            return None
        except Exception as e:  # a parser bug on one document must not lose the thousands after it
            self.problems.append(Problem(record.origin, f"internal error while parsing ({type(e).__name__}: {e}); "
                                         "please report it with this document."))
            return None
        self._ids[record.doc_id] = record.origin
        self.problems.extend(record.notes)
        return doc

    def _plan(self, paths: Sequence[Path]) -> Iterator[Source]:
        manifests: dict[Path, dict[str, Entry] | None] = {}
        for path in paths:
            if path.is_dir():
                yield from self._walk(path)
            elif not path.exists():
                self.problems.append(Problem(str(path), "no such file or folder."))
            elif path.suffix.lower() in SUFFIXES:
                try:
                    yield Source(path, meta=_manifest_entry(path, manifests))
                except PolicyKGError as e:  # a broken manifest above the file
                    self.problems.append(Problem(str(path), _message(e)))
            else:
                self.problems.append(Problem(str(path), _unsupported(path.suffix)))

    def _walk(self, folder: Path) -> Iterator[Source]:
        for root, dirs, files in os.walk(folder):
            here = Path(root)
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            if "manifest.toml" in files:
                dirs[:] = []  # the manifest says what belongs to this corpus, sub-folders included
                try:
                    entries = read_manifest(here)
                except PolicyKGError as e:
                    self.problems.append(Problem(str(here / "manifest.toml"), _message(e)))
                    continue
                for e in entries:
                    if Path(e.file).suffix.lower() in FILE_READERS:
                        yield Source(here / e.file, meta=e, rel=e.file)
                    else:
                        self.problems.append(Problem(str(here / e.file), "a manifest lists documents; "
                                                     f"{Path(e.file).suffix or 'this file'} is not one."))
                continue
            for name in sorted(files):
                suffix = Path(name).suffix.lower()
                if name.startswith("."):
                    continue
                if suffix in SUFFIXES:
                    yield Source(here / name)
                else:
                    self.other_files[suffix or "(none)"] += 1


def _manifest_entry(path: Path, cache: dict[Path, dict[str, Entry] | None]) -> Entry | None:
    """The entry for ``path`` in the nearest manifest.toml above it, if that manifest lists it."""
    for parent in path.resolve().parents:
        if parent not in cache:
            cache[parent] = ({e.file: e for e in read_manifest(parent)}
                             if (parent / "manifest.toml").is_file() else None)
        entries = cache[parent]
        if entries is not None:
            return entries.get(str(path.resolve().relative_to(parent)))
    return None


def _unsupported(suffix: str) -> str:
    if suffix.lower() in OLD_FORMATS:
        return f"{suffix} is an old binary format; save it as {OLD_FORMATS[suffix.lower()]} and import that."
    return f"{suffix or 'a file without an extension'} is not a format policykg reads ({', '.join(SUFFIXES)})."


def _message(e: PolicyKGError) -> str:
    return e.message + (f" {e.hint}" if e.hint else "")
