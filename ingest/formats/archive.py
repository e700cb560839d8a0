"""Office files are zip archives: refuse zip bombs before a library unpacks one."""

from __future__ import annotations

import zipfile
from pathlib import Path

from common.errors import InputError, TooLargeError

MAX_RATIO = 200  # deflated text and XML stay well under 50:1; a bomb is thousands to one
MAX_UNZIPPED_FACTOR = 20  # an archive may unpack to at most this many times the file-size limit


def check_zip(path: Path, *, max_bytes: int, kind: str) -> None:
    """Raise unless ``path`` is a zip archive whose members unpack to a sane size."""
    try:
        with zipfile.ZipFile(path) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(f"{path} is not a valid {kind} file ({e}).",
                         hint=f"Open it and save it again as {kind}.") from e
    total = sum(m.file_size for m in members)
    limit = max_bytes * MAX_UNZIPPED_FACTOR
    worst = max(members, key=lambda m: m.file_size / max(m.compress_size, 1), default=None)
    if total > limit or (worst is not None and worst.file_size > 1_000_000
                         and worst.file_size > MAX_RATIO * max(worst.compress_size, 1)):
        raise TooLargeError(
            f"{path} unpacks to {total:,} bytes (compressed up to "
            f"{worst.file_size // max(worst.compress_size, 1) if worst else 0}:1); refused as a possible zip bomb.",
            hint="Split the file, or raise the limit (POLICYKG_MAX_FILE_BYTES) if it is genuine.",
        )
