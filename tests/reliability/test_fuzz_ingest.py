"""Fuzz the reader, the normalizer and the structure parser.

Whatever the input, only the project's own errors (``PolicyKGError``) may escape, and
normalizing clean text changes nothing: ``normalize(normalize(x).text).text == normalize(x).text``.
Runs derandomized (the same examples on every run, as CI needs) with modest example counts.
"""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from common.errors import PolicyKGError
from ingest.normalize import normalize
from ingest.pipeline import parse_bytes, parse_text
from ingest.structure import parse_provisions

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Characters the pipeline treats specially, so random text hits its branches often.
SPECIAL = (
    "第一二三四五六七八九十百零〇两部分章条款、（）()．.：:，,；;。！？!?“”\"'《》〔〕[]—–-·□"
    " \t\r\n\u3000\xa0\ufeff\u200b\u200e\u200f"
    "关于推动纺织服装行业高质量发展的通知国务院办公厅省市人民政府年月日号发改委工业和信息化部"
    "關於推動紡織服裝行業發展們這個來時國會為與"
    "ǎáàāěéèēǐíìīǒóòōǔúùūǘǚǜü"  # pinyin tone marks (glosses)
    "ÃÂÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàâãäåæçêëîïðñôõö÷øûýþÿ"  # Latin-1 mojibake
    "锟斤拷烫屯鍙戝睍鏀归儴闂ㄦ枃浠"  # GBK/UTF-8 mojibake
    "0123456789abcxyzABCXYZ％%"
)
pipeline_text = st.text(alphabet=st.sampled_from(SPECIAL), max_size=400) | st.text(max_size=200)


@FUZZ
@given(pipeline_text)
@example("你好 \u200b\n")  # trailing space hidden behind a zero-width space
@example("一、总则 \r\n")  # trailing space before a Windows line end
@example("通知\u3000\r\r\n")
def test_normalize_is_idempotent(raw: str) -> None:
    once = normalize(raw).text
    assert normalize(once).text == once


@FUZZ
@given(pipeline_text)
def test_normalize_origin_maps_every_character_into_the_raw_text(raw: str) -> None:
    norm = normalize(raw)
    assert len(norm.origin) == len(norm.text) + 1
    assert all(0 <= o <= len(raw) for o in norm.origin)
    assert list(norm.origin) == sorted(norm.origin)


@FUZZ
@given(pipeline_text)
def test_parse_text_lets_only_project_errors_escape(raw: str) -> None:
    try:
        doc = parse_text(raw, path="fuzz.txt")
    except PolicyKGError:
        return
    for prov in doc.provisions:
        assert 0 <= prov.start <= prov.end <= len(doc.text)
        assert doc.text[prov.start:prov.end] == prov.text


ENCODINGS = ("utf-8", "gb18030", "big5", "utf-16")  # utf-16 writes a BOM


@FUZZ
@given(pipeline_text, st.sampled_from(ENCODINGS))
def test_text_encoded_in_each_supported_encoding_reads_or_fails_clearly(raw: str, encoding: str) -> None:
    data = raw.encode(encoding, errors="replace")
    try:
        parse_bytes(data, name=f"fuzz.{encoding}.txt")
    except PolicyKGError as e:
        assert str(e).strip()


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]))
def test_random_bytes_read_or_fail_clearly(data: bytes, bom: bytes) -> None:
    try:
        parse_bytes(bom + data, name="fuzz.bin")
    except PolicyKGError as e:
        assert str(e).strip()


@FUZZ
@given(pipeline_text, st.sampled_from(ENCODINGS), st.data())
def test_damaged_bytes_in_each_encoding_read_or_fail_clearly(raw: str, encoding: str, data: st.DataObject) -> None:
    """Valid text with random bytes flipped, cut or inserted: what a broken copy looks like."""
    buf = bytearray(("关于推动纺织行业高质量发展的通知\n" + raw).encode(encoding, errors="replace"))
    for _ in range(data.draw(st.integers(1, 5))):
        pos = data.draw(st.integers(0, len(buf)))
        op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if op == "insert" or pos == len(buf):
            buf[pos:pos] = data.draw(st.binary(min_size=1, max_size=4))
        elif op == "cut":
            del buf[pos]
        else:
            buf[pos] = data.draw(st.integers(0, 255))
    try:
        parse_bytes(bytes(buf), name="fuzz.txt")
    except PolicyKGError as e:
        assert str(e).strip()


LABELS = ["第{cn}部分", "第{cn}章", "第{cn}条", "{cn}、", "（{cn}）", "{n}.", "（{n}）", "({cn})", "（□）", "{n}．"]
CN = ["一", "二", "三", "九", "十", "十一", "二十", "九十九", "一百", "两", "〇"]


@st.composite
def numbered_document(draw: st.DrawFn) -> str:
    """Deeply and oddly nested numbering: styles in random order and depth, repeats, gaps."""
    lines = ["关于推动纺织行业高质量发展的通知"]
    for _ in range(draw(st.integers(1, 120))):
        label = draw(st.sampled_from(LABELS)).format(cn=draw(st.sampled_from(CN)), n=draw(st.integers(0, 999)))
        indent = draw(st.sampled_from(["", "  ", "\u3000\u3000"]))
        body = draw(st.sampled_from(["", "总体要求", "推动产业升级。", "加强组织领导，", "支持企业技术改造；", "\n继续推进。"]))
        lines.append(indent + label + body)
    return "\n".join(lines)


@FUZZ
@given(numbered_document())
def test_nested_numbering_parses_into_spans_of_the_text(text: str) -> None:
    norm = normalize(text)
    assert normalize(norm.text).text == norm.text
    provisions = parse_provisions(norm.text, 0, len(norm.text))
    for prov in provisions:
        assert norm.text[prov.start:prov.end] == prov.text
        assert prov.path and prov.path[-1]
    starts = [p.start for p in provisions]
    assert starts == sorted(starts)


def test_a_1mb_line_normalizes_idempotently_in_bounded_time() -> None:
    """One megabyte on one line, made of mojibake-like runs just under the repair's run limit
    between clean text: the costliest shape for the repair (~10 s per pass on 2 cores)."""
    unit = "鍙戝睍" * 33 + "。推动发展，ǎ（tuī） 。"
    line = unit * (1_000_000 // len(unit))
    once = normalize(line).text
    assert normalize(once).text == once
