"""``corpus/manifest.toml``: what is known about each text from outside it, and loading the corpus."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from common.errors import ManifestError

LEVELS = ("national", "provincial", "municipal")


@dataclass(frozen=True)
class Entry:
    file: str
    title: str = ""
    issuer: str = ""
    doc_number: str = ""
    date: str = ""
    level: str = ""
    region: str = ""
    source: str = ""
    partial: bool = False
    note: str = ""

    @property
    def issuers(self) -> list[str]:
        if self.issuer.startswith("("):  # "(浙江省; issuing body not stated ...)": none known
            return []
        names = (re.sub(r"[（(][^）)]*[）)]", "", p).strip() for p in self.issuer.split(";"))
        return [n for n in names if n]

    @property
    def clean_doc_number(self) -> str:
        """The manifest writes "(not shown in the stored page)" where it has none."""
        return "" if self.doc_number.startswith("(") else self.doc_number


def read_manifest(corpus_dir: Path) -> list[Entry]:
    path = corpus_dir / "manifest.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ManifestError(f"No manifest.toml in {corpus_dir}.", hint="Point --corpus at a folder with manifest.toml.") from e
    except tomllib.TOMLDecodeError as e:
        raise ManifestError(f"{path} is not valid TOML: {e}.") from e
    entries = []
    fields = set(Entry.__dataclass_fields__)
    for i, raw in enumerate(data.get("document", []), start=1):
        unknown = set(raw) - fields
        if "file" not in raw or unknown:
            raise ManifestError(f"{path}: document #{i} needs 'file' and only known keys (unknown: {sorted(unknown)}).")
        entry = Entry(**raw)
        if entry.level and entry.level not in LEVELS:
            raise ManifestError(f"{path}: {entry.file} has level {entry.level!r}; use one of {', '.join(LEVELS)}.")
        if not (corpus_dir / entry.file).is_file():
            raise ManifestError(f"{path}: {entry.file} is listed but not in {corpus_dir}.")
        entries.append(entry)
    return entries
