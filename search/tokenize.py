"""Word segmentation for policy text: jieba plus a domain dictionary and protected spans.

Why the protection: jieba splits a text on its own regex (Han runs vs. everything else)
before it consults any dictionary, so ``工信厅联消费函〔2023〕87号`` or ``15家以上`` can never come
out whole, whatever ``add_word`` says. Document numbers (文号), 《titles》, dates and quantities
are therefore cut out by regex first and kept as single tokens; only the text between them
goes to jieba. ``tokenize`` is the plain cut; ``search_tokens`` adds the sub-tokens BM25 needs
so a query for ``15家`` or ``国办发[2016]40号`` still meets ``15家以上`` or ``国办发〔2016〕40号``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import re
import sqlite3
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jieba

from search.lookup_table import LookupTable, open_table

TokenKind = Literal["word", "doc_number", "title", "date", "quantity"]

# Agencies, policy terms and regions jieba's general dictionary cuts apart.
AGENCIES: tuple[str, ...] = (
    "国务院", "国务院办公厅", "工业和信息化部", "工业和信息化部办公厅", "工信部", "商务部",
    "商务部办公厅", "国家发展和改革委员会", "国家发展改革委", "发展改革委", "财政部", "科技部",
    "生态环境部", "人力资源社会保障部", "国家市场监督管理总局", "市场监管总局", "国家知识产权局",
    "中国人民银行", "国家税务总局", "海关总署", "国家能源局", "中国纺织工业联合会", "中纺联",
    "省工业和信息化厅", "工业和信息化厅", "工业和信息化局", "省发展改革委", "省商务厅",
    "省科技厅", "省财政厅", "省市场监管局", "广东省工业和信息化厅", "广东省人民政府",
)
POLICY_TERMS: tuple[str, ...] = (
    "新质生产力", "设备更新", "技术改造", "废旧纺织品", "循环利用", "创意设计园区", "创意设计",
    "示范园区", "试点园区", "高质量发展", "产业集群", "集聚区", "以旧换新", "优供给促升级",
    "数字化转型", "智能化改造", "绿色化", "智能化", "高端化", "智能制造", "绿色制造", "专精特新",
    "产业用纺织品", "化纤工业", "化学纤维", "印染行业", "纺织服装", "时尚产业", "战略性支柱产业集群",
    "战略性新兴产业集群", "传统制造业", "转型升级", "供给侧结构性改革", "三品", "增品种",
    "提品质", "创品牌", "消费品", "规模以上企业", "主营业务收入", "工业增加值", "全产业链",
    "产业链供应链", "公共服务平台", "工业互联网", "碳达峰", "碳中和", "节能降碳", "制造强省",
    "制造强国", "行动方案", "行动计划", "实施方案", "指导意见", "实施意见", "规范条件",
)
REGIONS: tuple[str, ...] = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市",
    "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省",
    "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区",
    "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区", "香港特别行政区",
    "澳门特别行政区", "台湾省", "新疆生产建设兵团", "广州市", "深圳市", "佛山市", "东莞市",
    "汕头市", "中山市", "珠三角", "粤港澳大湾区", "长三角", "粤东西北",
)
DOMAIN_WORDS: tuple[str, ...] = AGENCIES + POLICY_TERMS + REGIONS

_NUM = r"\d+(?:\.\d+)?"
_UNITS = (
    "万亿元|亿元|万元|元|亿美元|万美元|美元|万吨|吨|万件|件|万台|台|万套|套|万人|人次|人|万户|户|家|个|项|条|"
    "所|座|批|类|种|款|平方米|平方公里|公顷|亩|千米|公里|米|千瓦时|千瓦|兆瓦|吉瓦|万千瓦|标准煤|倍|%|％|‰|"
    "个百分点|百分点|天|周|月|年|小时"
)
# Leading words a left-extended 文号 prefix must not swallow ("根据国办发〔2016〕40号").
_NUMBER_STOP = re.compile(r"^(?:根据|依据|按照|参照|贯彻|落实|印发|转发|执行|关于|及|和|与|见|等|的)+")
_PROTECTED = re.compile(
    r"(?P<title>《[^《》\n]{1,100}》)"
    r"|(?P<docno>[〔\[［【(（]\d{4}[〕\]］】)）]\s?\d{1,4}\s?号)"
    rf"|(?P<date>\d{{4}}\s?[-—–~～至到]\s?\d{{4}}\s?年|\d{{4}}年(?:\d{{1,2}}月(?:\d{{1,2}}日)?)?|\d{{1,2}}月\d{{1,2}}日"
    r"|\d{4}-\d{1,2}-\d{1,2})"
    rf"|(?P<quantity>{_NUM}(?:\s?[-~～—至到]\s?{_NUM})?(?:{_UNITS})?(?:以上|以下|以内|左右|多|余)?)"
)
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_DOCNO_PREFIX = re.compile(rf"[{_HAN}]{{1,10}}$")
_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "［": "〔", "］": "〕", "【": "〔", "】": "〕",
                           "(": "〔", ")": "〕", "（": "〔", "）": "〕"})
_KINDS: dict[str | None, TokenKind] = {
    "title": "title", "docno": "doc_number", "date": "date", "quantity": "quantity"
}
_QTY_PARTS = re.compile(rf"^({_NUM})((?:{_UNITS})?)")


@dataclass(frozen=True)
class Token:
    """A token with its span in the text it was cut from."""

    text: str
    start: int
    end: int
    kind: TokenKind


_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
# Texts are cut with entries read from the dictionary table until this many characters were cut
# that way (a read costs ~3 ms for a 40-character query); past it, loading the whole dictionary
# once (~0.55 s) is cheaper.
TABLE_BUDGET = 20_000
_table_chars = 0


def _jieba() -> jieba.Tokenizer:
    """One private jieba tokenizer with the domain dictionary, built once and quietly; the first
    build also writes the dictionary table short texts are cut with (``_jieba_for``)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" lines on stderr
                tok = jieba.Tokenizer()
                tok.initialize()
                for word in DOMAIN_WORDS:  # fixed order -> same frequencies every run
                    tok.add_word(word)
                # no writable temporary folder: every text is cut with the whole dictionary, as before
                with contextlib.suppress(OSError, sqlite3.Error):
                    if _dictionary_table() is None:
                        LookupTable.write(_table_path(), tok.FREQ.items(), meta=_table_meta() | {"total": tok.total})
                _tokenizer = tok
    return _tokenizer


def _table_meta() -> dict[str, Any]:
    """What the dictionary table is built from: jieba's dictionary file and the domain words."""
    with jieba.get_dict_file() as f:
        dictionary = Path(f.name)
    return {"jieba": jieba.__version__, "dictionary": [dictionary.stat().st_size, dictionary.stat().st_mtime_ns],
            "domain_words": hashlib.sha256("\n".join(DOMAIN_WORDS).encode()).hexdigest()[:16]}


def _table_path() -> Path:
    """Beside jieba's own dictionary cache (the temporary folder), named by what built it."""
    digest = hashlib.sha256(json.dumps(_table_meta(), sort_keys=True).encode()).hexdigest()[:12]
    return Path(jieba.dt.tmp_dir or tempfile.gettempdir()) / f"policykg-jieba-{digest}.sqlite"


@functools.cache
def _dictionary_table() -> LookupTable | None:
    return open_table(_table_path(), meta=_table_meta())


def warm() -> None:
    """Load the whole dictionary now (a server, before its first request; not a one-off command)."""
    _jieba()


def _jieba_for(text: str) -> jieba.Tokenizer:
    """A tokenizer that cuts ``text`` as ``_jieba()`` does: for a short text while the dictionary
    is not loaded, one that holds only the dictionary entries that occur in ``text``."""
    global _table_chars
    table = None if _tokenizer is not None or _table_chars > TABLE_BUDGET else _dictionary_table()
    if table is None:
        return _jieba()
    _table_chars += len(text)
    tok = jieba.Tokenizer()
    tok.FREQ, tok.total, tok.initialized = table.substrings(text), table.meta["total"], True
    return tok


def _is_content(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def _docno_start(text: str, core_start: int, floor: int) -> int:
    """Extend a 〔year〕N号 core left over the issuing prefix (工信厅联消费函), not past ``floor``."""
    m = _DOCNO_PREFIX.search(text, floor, core_start)
    if not m:
        return core_start
    prefix = m.group()
    stop = _NUMBER_STOP.match(prefix)
    return m.start() + (stop.end() if stop else 0)


def _spans(text: str, tok: jieba.Tokenizer | None = None) -> Iterator[Token]:
    """Protected tokens and jieba words, in order, punctuation and whitespace dropped."""
    tok = tok or _jieba_for(text)
    pos = 0

    def words(a: int, b: int) -> Iterator[Token]:
        i = a
        for w in tok.cut(text[a:b]):
            if _is_content(w):
                yield Token(w, i, i + len(w), "word")
            i += len(w)

    for m in _PROTECTED.finditer(text):
        kind = m.lastgroup
        start, end = m.start(), m.end()
        if kind == "docno":
            start = _docno_start(text, start, pos)
            if start == m.start():  # a bracketed year without an issuer: not a 文号
                yield from words(pos, m.start())
                yield from _bare_number(text, m.start(), end)
                pos = end
                continue
        yield from words(pos, start)
        yield Token(text[start:end], start, end, _KINDS[kind])
        pos = end
    yield from words(pos, len(text))


def _bare_number(text: str, a: int, b: int) -> Iterator[Token]:
    """A bracketed ``〔2023〕87号`` without issuer: the year and the number as quantities."""
    for m in re.finditer(rf"\d{{4}}|{_NUM}\s?号", text[a:b]):
        yield Token(m.group(), a + m.start(), a + m.end(), "quantity")


def cut(text: str) -> list[Token]:
    """Tokens with spans and kinds (``word``, ``doc_number``, ``title``, ``date``, ``quantity``)."""
    return list(_spans(text))


def tokenize(text: str) -> list[str]:
    """Words of ``text``: jieba's cut around protected 文号, 《titles》, dates and quantities."""
    return [t.text for t in _spans(text)]


@dataclass(frozen=True)
class QueryCut:
    """One jieba pass over a query, for every reader of it: a document search needs the plain cut
    (the whole-word document view, the place names a word may swallow) and the BM25 tokens (units,
    head view); cutting it once for all three saves up to two passes of the segmenter a search."""

    tokens: tuple[Token, ...]  # ``cut(text)``
    search: tuple[str, ...]  # ``search_tokens(text)``


def cut_query(text: str) -> QueryCut:
    """``cut`` and ``search_tokens`` of ``text`` from one pass of the segmenter."""
    tok = _jieba_for(text)
    tokens = tuple(_spans(text, tok))
    return QueryCut(tokens, tuple(_search_tokens(text, tok, tokens)))


def search_tokens(text: str) -> list[str]:
    """Tokens for BM25: ``tokenize`` plus sub-tokens so partial queries still match.

    Long words add their dictionary 2- and 3-grams (what ``jieba.cut_for_search`` adds),
    titles add their inner words, 文号 are written with 〔〕 whatever brackets the text used,
    and quantities add their number and number+unit (``15家以上`` -> ``15``, ``15家``).
    """
    return _search_tokens(text, _jieba_for(text))


def _search_tokens(text: str, tok: jieba.Tokenizer, spans: Sequence[Token] | None = None) -> list[str]:
    """``search_tokens`` of ``text`` cut by ``tok`` (or of its ``spans``, when cut already)."""
    freq = tok.FREQ
    out: list[str] = []
    for t in _spans(text, tok) if spans is None else spans:
        if t.kind == "word":
            if len(t.text) > 2:
                for n in (2, 3):
                    if len(t.text) > n:
                        out += [g for i in range(len(t.text) - n + 1) if freq.get(g := t.text[i : i + n])]
            out.append(t.text)
        elif t.kind == "title":
            out.append(t.text)
            out += _search_tokens(t.text[1:-1], tok)
        elif t.kind == "doc_number":
            canonical = re.sub(r"\s", "", t.text).translate(_BRACKETS)
            out.append(canonical)
            issuer = canonical.split("〔", 1)[0]
            if issuer:
                out.append(issuer)
        elif t.kind == "quantity":
            out.append(t.text)
            parts = _QTY_PARTS.match(t.text)
            if parts:
                number, unit = parts.groups()
                out += [s for s in (number, number + unit) if s != t.text]
        else:  # date
            out.append(t.text)
            year = re.match(r"\d{4}年", t.text)
            if year and year.group() != t.text:
                out.append(year.group())
    return out
