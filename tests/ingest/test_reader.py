"""Encoding detection and refusal of what is not a policy text."""

from __future__ import annotations

import codecs

import pytest

from common.errors import BinaryInputError, EmptyInputError, EncodingError, InputError, TooLargeError
from ingest.reader import decode

SENTENCE = "支持企业加大设备更新和技术改造力度，推动企业数字化智能化转型。"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SENTENCE.encode("utf-8"), "utf-8"),
        (SENTENCE.encode("gb18030"), "gb18030"),
        ("支持企業加大設備更新和技術改造力度。".encode("big5"), "big5"),
        (codecs.BOM_UTF16_LE + SENTENCE.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF8 + SENTENCE.encode("utf-8"), "utf-8-sig"),
    ],
)
def test_decode_detects_encoding(data: bytes, encoding: str) -> None:
    text, found = decode(data)
    assert found == encoding
    assert "设备更新" in text or "設備更新" in text


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", EmptyInputError),
        (b"  \n\t ", EmptyInputError),
        (b"\x00\x01\x02PK\x03\x04" * 50, BinaryInputError),
        (b"\x80\xff\x80\xfe" * 20, EncodingError),
        (b"just some ascii text, no Chinese at all", InputError),
    ],
)
def test_decode_refuses_bad_input_with_a_clear_error(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        decode(data, name="upload.txt")
    assert "upload.txt" in str(info.value)


def test_decode_refuses_oversized_input_before_decoding() -> None:
    with pytest.raises(TooLargeError, match="over the limit"):
        decode(SENTENCE.encode() * 100, max_bytes=1000)
