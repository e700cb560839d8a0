"""Traditional -> Simplified conversion (OpenCC) and punctuation unification, offset-preserving."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import opencc

from ingest.model import Repair
from ingest.textmap import MappedText

CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_CJK_RE = re.compile(f"[{CJK}]")


_T2S_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _t2s_converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def t2s(text: str) -> str:
    """OpenCC t2s through the one converter of the process.

    Loading a converter reads its dictionaries (milliseconds), and one converter must not be
    used from two threads at once (the server answers queries on a thread pool), so every
    caller, in ingest and search alike, goes through this lock.
    """
    with _T2S_LOCK:
        return _t2s_converter().convert(text)


def to_simplified(text: str) -> str:
    """Simplified form of ``text``; same length (OpenCC t2s maps character for character)."""
    converted = t2s(text)
    if len(converted) != len(text):  # a phrase rule changed length: fall back to per character
        converted = "".join(t2s(ch) for ch in text)
    return converted


def simplify(mt: MappedText) -> tuple[MappedText, list[Repair]]:
    """Convert Traditional characters, reporting one repair per converted run."""
    converted = to_simplified(mt.text)
    repairs: list[Repair] = []
    i = 0
    while i < len(converted):
        if converted[i] != mt.text[i]:
            j = i
            while j < len(converted) and converted[j] != mt.text[j]:
                j += 1
            repairs.append(Repair("script", i, j, mt.text[i:j], converted[i:j]))
            i = j
        else:
            i += 1
    return mt.map_chars(converted), repairs


_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_BRACKETS = {"[": "〔", "]": "〕", "［": "〔", "］": "〕", "【": "〔", "】": "〕"}
# 文号 such as 国办发[2016]40号 or 国办发(2016)40号: the year bracket is 〔〕 in the official form.
_DOCNUM_BRACKET = re.compile(r"(?<=[" + CJK + r"])[\[［【(（](\d{4})[\]］】)）](?=\d{1,4}号)")
_PAREN_PAIR = re.compile(r"\(([^()\n]{0,120})\)")
_FULLWIDTH_ALNUM = re.compile("[０-９Ａ-Ｚａ-ｚ]")


def _is_cjk(ch: str) -> bool:
    return bool(_CJK_RE.match(ch))


def unify_punctuation(mt: MappedText) -> tuple[MappedText, list[Repair]]:
    """Half-width punctuation next to Chinese becomes full-width; brackets and quotes unified.

    Only single characters are replaced, so the offset map stays one-to-one.
    """
    text = list(mt.text)
    n = len(text)
    changed: list[int] = []

    def put(i: int, ch: str) -> None:
        if text[i] != ch:
            text[i] = ch
            changed.append(i)

    for m in _DOCNUM_BRACKET.finditer(mt.text):
        put(m.start(), "〔")
        put(m.end() - 1, "〕")
    for m in _PAREN_PAIR.finditer(mt.text):
        inner = m.group(1)
        before = mt.text[m.start() - 1] if m.start() else ""
        after = mt.text[m.end()] if m.end() < n else ""
        if _CJK_RE.search(inner) or _is_cjk(before) or _is_cjk(after):
            put(m.start(), "（")
            put(m.end() - 1, "）")
    open_quote = True
    for i, ch in enumerate(mt.text):
        prev = mt.text[i - 1] if i else ""
        nxt = mt.text[i + 1] if i + 1 < n else ""
        if ch in ",:;?!" and (_is_cjk(prev) or _is_cjk(nxt) or text[i - 1 if i else 0] in "）》”"):  # ）as converted
            if ch == ":" and prev.isdigit() and nxt.isdigit():
                continue  # a time of day, 10:30
            put(i, _HALF_TO_FULL[ch])
        elif ch == '"':
            put(i, "“" if open_quote else "”")
            open_quote = not open_quote
        elif ch == "\n":
            open_quote = True
        elif ch in "【】" and _is_cjk(nxt or prev):
            put(i, _BRACKETS[ch])
        elif _FULLWIDTH_ALNUM.match(ch):
            put(i, chr(ord(ch) - 0xFEE0))
    converted = "".join(text)
    repairs = [Repair("punctuation", i, i + 1, mt.text[i], converted[i]) for i in sorted(changed)]
    return mt.map_chars(converted), repairs
