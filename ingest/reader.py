"""Read bytes into text: find the encoding, refuse what is not a text document.

Policy texts arrive as UTF-8, GB18030/GBK (the Windows default on the mainland), Big5 (Taiwan
and Hong Kong reposts) or UTF-16 with a BOM. We try them strictly in that order and take the
first that decodes cleanly; UTF-8 first because GB18030 accepts almost any byte string.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import charset_normalizer

from common.errors import BinaryInputError, EmptyInputError, EncodingError, InputError, TooLargeError

MAX_BYTES_DEFAULT = 50_000_000
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_CANDIDATES = ("utf-8", "gb18030", "big5")


def decode(data: bytes, *, name: str = "input", max_bytes: int = MAX_BYTES_DEFAULT) -> tuple[str, str]:
    """Return ``(text, encoding)`` or raise a clear :class:`InputError`."""
    if len(data) > max_bytes:
        raise TooLargeError(
            f"{name} is {len(data):,} bytes, over the limit of {max_bytes:,} bytes.",
            hint="Split the document or raise the limit (POLICYKG_MAX_FILE_BYTES).",
        )
    if not data.strip():
        raise EmptyInputError(f"{name} is empty.", hint="Give a file that contains the policy text.")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return check_text(data.decode(encoding), name), encoding
            except UnicodeDecodeError as e:
                raise EncodingError(
                    f"{name} starts with a {encoding} byte-order mark but is not valid {encoding}.",
                    hint="The file is cut short or damaged; save it again as UTF-8.",
                ) from e
    if b"\x00" in data[:4096]:
        raise BinaryInputError(
            f"{name} looks binary (it contains NUL bytes), not a text file.",
            hint="Save the document as plain text (UTF-8, GB18030 or Big5).",
        )
    encoding = sniff_encoding(data, name=name)
    return check_text(data.decode(encoding), name), encoding


def sniff_encoding(data: bytes, *, name: str = "input", complete: bool = True) -> str:
    """The encoding of ``data`` (a whole file, or its first bytes when ``complete`` is false).

    A sample may end inside a multi-byte character, which the incremental decoder holds back
    instead of refusing. Tables are streamed with the encoding found in their first bytes.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    decoded: dict[str, str] = {}
    for encoding in _CANDIDATES:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            decoded[encoding] = decoder.decode(data, final=complete)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8":
            return encoding
    if len(decoded) > 1:  # GB18030 accepts most Big5 byte strings too: ask a detector which reads better
        best = charset_normalizer.from_bytes(data, cp_isolation=list(decoded)).best()
        if best is not None and best.encoding in ("big5", "gb18030"):
            return best.encoding
    for encoding in decoded:
        return encoding
    raise EncodingError(
        f"{name} is not valid UTF-8, GB18030 or Big5 text.",
        hint="Convert it to UTF-8 (e.g. iconv -f YOUR_ENCODING -t UTF-8).",
    )


def check_text(text: str, name: str) -> str:
    """Refuse text that decoded but is mostly control characters (a binary file by luck).

    A NUL anywhere (not only in the sample) refuses the file: no text editor writes one.
    """
    sample = text[:20_000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    if "\x00" in text or controls > max(8, len(sample) // 100):
        raise BinaryInputError(
            f"{name} looks binary ({controls} control characters in its first {len(sample)}), not a text file.",
            hint="Save the document as plain text (UTF-8, GB18030 or Big5).",
        )
    if not any("\u4e00" <= ch <= "\u9fff" for ch in sample):
        raise InputError(
            f"{name} contains no Chinese characters; policykg reads Chinese policy documents.",
            hint="Check that this is the right file.",
        )
    return text


def read_file(path: Path, *, max_bytes: int = MAX_BYTES_DEFAULT) -> tuple[str, str]:
    """Read and decode one text file; the size check runs before the whole file is read."""
    return decode(read_bytes(path, max_bytes=max_bytes), name=str(path), max_bytes=max_bytes)


def read_bytes(path: Path, *, max_bytes: int = MAX_BYTES_DEFAULT) -> bytes:
    """The bytes of one file of any format, refused with a clear message before reading when too large."""
    try:
        size = path.stat().st_size
    except FileNotFoundError as e:
        raise InputError(f"No such file: {path}.", hint="Check the path.") from e
    except OSError as e:  # e.g. a part of the path is a file (ENOTDIR), or no permission
        raise InputError(f"Cannot read {path}: {e.strerror or e}.", hint="Check the path and its permissions.") from e
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a file.", hint="Give a text file, or ingest the folder.")
    if size > max_bytes:
        raise TooLargeError(
            f"{path} is {size:,} bytes, over the limit of {max_bytes:,} bytes.",
            hint="Split the document or raise the limit (POLICYKG_MAX_FILE_BYTES).",
        )
    try:
        return path.read_bytes()
    except OSError as e:
        raise InputError(f"Cannot read {path}: {e.strerror or e}.", hint="Check the path and its permissions.") from e
