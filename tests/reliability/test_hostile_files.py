"""A catalogue of hostile files, each with the outcome it must have.

Every case is data: the bytes (or a way to make the file), and either the typed error with words
its message must contain, or a check on the parsed document. A refused file is refused with a
message that says what was wrong (``message``) and what to do (``hint``).
"""

from __future__ import annotations

import re
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from common.errors import (
    BinaryInputError,
    EmptyInputError,
    EncodingError,
    InputError,
    PolicyKGError,
    TooLargeError,
)
from ingest.model import Document
from ingest.pipeline import parse_bytes, parse_file
from ingest.reader import read_file

GOOD = "关于推动纺织行业高质量发展的通知\n一、总体要求\n推动产业升级。\n二、重点任务\n支持企业技术改造。\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + bytes(range(256))


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    error: type[PolicyKGError] | None = None  # None: the file parses
    says: tuple[str, ...] = ()  # words the error message must contain
    check: Callable[[Document], bool] | None = None
    filename: str = "hostile.txt"


def _numbered(levels: int) -> bytes:
    """``levels`` numbered points, 1. to 999., each with a sentence."""
    return ("关于推动纺织行业高质量发展的通知\n"
            + "".join(f"{i % 999 + 1}. 推动第{i}项任务落实。\n" for i in range(levels))).encode("utf-8")


CASES = [
    Case("empty", b"", EmptyInputError, ("empty",)),
    Case("whitespace only", b" \n\t\r\n  \n", EmptyInputError, ("empty",)),
    Case("ideographic spaces only", "\u3000\n".encode() * 3, InputError, ("no Chinese characters",)),
    Case("png header", PNG, BinaryInputError, ("binary",)),
    Case("zip header", ZIP, BinaryInputError, ("binary",)),
    Case("elf header", ELF, BinaryInputError, ("binary",)),
    Case("nul bytes at the start", b"\x00\x00" + GOOD.encode(), BinaryInputError, ("binary", "NUL")),
    Case("nul byte deep in a good text", ("推动纺织产业升级。" * 3000 + "\x00" + GOOD).encode(),
         BinaryInputError, ("binary",)),
    Case("mixed utf-8 and gbk", GOOD.encode() + "三、保障措施\n加强组织领导。\n".encode("gbk"),
         EncodingError, ("not valid UTF-8",)),
    Case("mixed gbk and utf-8", "三、保障措施\n加强组织领导。\n".encode("gbk") + GOOD.encode(),
         EncodingError, ("not valid UTF-8",)),
    Case("invalid utf-8 sequences", GOOD.encode() + b"\xc3\x28\xa0\xa1\xff", EncodingError, ("not valid UTF-8",)),
    Case("utf-16 bom with an odd byte", b"\xff\xfe" + GOOD.encode("utf-16-le") + b"\x00",
         EncodingError, ("byte-order mark", "utf-16")),
    Case("only ascii", b"Notice on the textile industry\n1. Promote upgrading.\n", InputError,
         ("no Chinese characters",)),
    Case("control characters", ("推动" + "\x01\x02\x03\x04\x05" * 20).encode(), BinaryInputError, ("binary",)),
    Case("enormous single line", ("推动纺织产业升级，" * 120_000).encode(),
         check=lambda d: len(d.text) == 1_080_000 and "\n" not in d.text),
    Case("100k-level numbering", _numbered(100_000), check=lambda d: len(d.provisions) == 100_000),
    Case("gb18030", GOOD.encode("gb18030"), check=lambda d: d.encoding == "gb18030" and d.text == GOOD),
    Case("big5", "關於推動紡織行業高質量發展的通知\n一、總體要求\n推動產業升級。\n".encode("big5"),
         check=lambda d: d.encoding == "big5" and d.text.startswith("关于推动纺织行业")),
    Case("utf-16 with bom", GOOD.encode("utf-16"), check=lambda d: d.encoding == "utf-16" and d.text == GOOD),
    Case("path traversal in the name", GOOD.encode(), filename="../../etc/passwd",
         check=lambda d: d.id == "passwd"),
    Case("windows traversal in the name", GOOD.encode(), filename="..\\..\\Windows\\System32\\evil.txt",
         check=lambda d: re.fullmatch(r"[a-z0-9-]+", d.id) is not None),
    Case("a name that is only dots and slashes", GOOD.encode(), filename="../../../",
         check=lambda d: d.id == "document"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_has_its_expected_outcome(case: Case) -> None:
    if case.error is None:
        doc = parse_bytes(case.data, name=case.filename)
        assert case.check is not None and case.check(doc), case.name
        assert re.fullmatch(r"[a-z0-9-]+", doc.id), doc.id  # no traversal survives into an id or IRI
        return
    with pytest.raises(case.error) as info:
        parse_bytes(case.data, name=case.filename)
    err = info.value
    for words in case.says:
        assert words.lower() in err.message.lower(), (words, err.message)
    assert err.hint, f"{case.name}: the message says what was wrong but not what to do: {err.message!r}"


# ---------------------------------------------------------------- files on disk


@pytest.fixture(scope="module")
def huge_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 200 MB real-looking text, written 1 MB at a time (never held in memory whole)."""
    path = tmp_path_factory.mktemp("huge") / "huge.txt"
    chunk = ("第一条 为推动纺织行业高质量发展，制定本办法。\n" * 20_000).encode("utf-8")
    with path.open("wb") as f:
        while f.tell() < 200_000_000:
            f.write(chunk)
    return path


def test_a_200mb_file_is_refused_by_size_before_it_is_read(huge_file: Path) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError) as info:
            parse_file(huge_file)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, f"reading allocated {peak:,} bytes: the file was read before its size was checked"
    assert "over the limit" in info.value.message and str(huge_file) in info.value.message
    assert "POLICYKG_MAX_FILE_BYTES" in (info.value.hint or "")


def _missing(tmp: Path) -> Path:
    return tmp / "no-such-file.txt"


def _directory(tmp: Path) -> Path:
    return tmp


def _under_a_file(tmp: Path) -> Path:
    (tmp / "plain-file").write_text(GOOD, encoding="utf-8")
    return tmp / "plain-file" / "policy.txt"  # ENOTDIR


def _traversal(tmp: Path) -> Path:
    (tmp / "sub").mkdir()
    (tmp / "policy.txt").write_text(GOOD, encoding="utf-8")
    return tmp / "sub" / ".." / "policy.txt"


BAD_PATHS = [
    (_missing, "No such file"),
    (_directory, "is a directory"),
    (_under_a_file, "Cannot read"),
]


@pytest.mark.parametrize(("make", "says"), BAD_PATHS, ids=[m.__name__.strip("_") for m, _ in BAD_PATHS])
def test_an_unreadable_path_is_an_input_error_with_a_hint(tmp_path: Path, make: Callable[[Path], Path],
                                                          says: str) -> None:
    with pytest.raises(InputError) as info:
        read_file(make(tmp_path))
    assert says in info.value.message
    assert info.value.hint


def test_a_path_with_dot_dot_reads_the_file_it_names_and_gets_a_clean_id(tmp_path: Path) -> None:
    doc = parse_file(_traversal(tmp_path))
    assert doc.id == "policy"
    assert doc.text == GOOD
