"""A large string-keyed table on disk (SQLite) from which a short text reads only the keys it contains.

Why: a cold search cuts one short query, yet loading jieba's prefix dictionary (500k keys) took
0.55 s and the e5 tokenizer's 250k-piece vocabulary 0.8 s, both holding the GIL. A word or piece
can only take part in cutting a text if it is a substring of it, so the substrings of the query
(up to the longest key) are looked up in one indexed read of a few milliseconds, and the segmenter
runs on that small table with the same results. Tables are derived data, written once beside
what they come from, atomically, and named by a digest of it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any


class LookupTable:
    """key -> value (a JSON-able scalar or list), plus ``meta`` (what built it) and the longest key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()  # one read-only connection per thread
        row = self._connection().execute("SELECT value FROM meta WHERE key = 'meta'").fetchone()
        self.meta: dict[str, Any] = json.loads(row[0])
        self.longest: int = self.meta["longest"]

    def _connection(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        return con

    @classmethod
    def write(cls, path: Path, rows: Iterable[tuple[str, Any]], *, meta: dict[str, Any]) -> LookupTable:
        """Write the table to a temporary file renamed to ``path``: a crash never leaves half a table."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        os.close(fd)
        longest = 0
        try:
            con = sqlite3.connect(tmp)
            with con:
                con.execute("CREATE TABLE entries (key TEXT PRIMARY KEY, value) WITHOUT ROWID")
                con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value)")

                def encoded() -> Iterable[tuple[str, Any]]:
                    nonlocal longest
                    for key, value in rows:
                        longest = max(longest, len(key))
                        yield key, json.dumps(value) if isinstance(value, list | tuple) else value

                con.executemany("INSERT INTO entries VALUES (?, ?)", encoded())
                con.execute("INSERT INTO meta VALUES ('meta', ?)", (json.dumps({**meta, "longest": longest}),))
            con.close()
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        return cls(path)

    def entries(self, keys: Iterable[str]) -> dict[str, Any]:
        """The entries among ``keys`` (list values come back as lists)."""
        wanted = json.dumps(list(set(keys)), ensure_ascii=False)
        rows = self._connection().execute(
            "SELECT key, value FROM entries WHERE key IN (SELECT value FROM json_each(?))", (wanted,))
        return {k: json.loads(v) if isinstance(v, str) else v for k, v in rows}

    def substrings(self, *texts: str) -> dict[str, Any]:
        """The entries whose key occurs in one of ``texts``."""
        return self.entries(text[i:j] for text in texts for i in range(len(text))
                            for j in range(i + 1, min(len(text), i + self.longest) + 1))


def open_table(path: Path, *, meta: dict[str, Any]) -> LookupTable | None:
    """The table at ``path`` when it exists and was built from ``meta`` (its recorded meta holds
    those items); else ``None``."""
    try:
        table = LookupTable(path)
    except (sqlite3.Error, OSError, KeyError, ValueError):
        return None
    return table if all(table.meta.get(k) == v for k, v in meta.items()) else None
