"""Stable, readable ELI-style IRIs for everything the graph builder mints.

The scheme, under a configurable ``base`` (no trailing slash)::

    document    {base}/eli/cn/{region}/{year}/{doc}
    provision   {base}/eli/cn/{region}/{year}/{doc}/{path}        e.g. .../2-1, .../part3, .../ch1-art4
    fact        {provision-or-document}/{kind}/{n}                kind: action | target | agency | citation
    agency      {base}/org/{agency}                               e.g. {base}/org/miit, {base}/org/gd-miit
    alignment   {base}/link/{hash of local and national IRIs}
    graphs      {base}/graph/doc/{doc}, {base}/graph/agencies, {base}/graph/links, {base}/graph/ontology,
                {base}/graph/meta, {base}/graph/links/{doc}: what one local document implements (its own
                links and its provisions'), {base}/graph/links/{doc}/resembles: its provisions' best
                matches in other provinces

``region`` is the GB/T 2260 code of the document's jurisdiction (100000 = national, 440000 =
广东省), ``year`` the year of issue, ``doc`` the document id (an ASCII slug from the file name),
``path`` the provision's numbering as numerals (``二/（一）`` -> ``2-1``). ``n`` counts facts of
one kind within their provision from 1, in text order. Every slug is ASCII and needs no percent
encoding; names without a readable ASCII form fall back to a short SHA-1 of the name. The same
input always gives the same IRIs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

from rdflib import URIRef

from ingest.model import Document
from ontology.loader import Schemes, schemes
from ontology.regions import Region, divisions

DEFAULT_BASE = "https://w3id.org/policykg"

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = re.compile(r"[0-9]+|[零〇一二两三四五六七八九十百千]+")
_ORDINAL_KINDS = (("部分", "part"), ("章", "ch"), ("节", "sec"), ("条", "art"), ("款", "para"), ("段", "p"))


def _hash(text: str, n: int = 8) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


def safe_slug(text: str) -> str:
    """``text`` when it is already a safe ASCII slug, else its ASCII part plus a short hash."""
    if _SAFE.match(text):
        return text
    ascii_part = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return f"{ascii_part}-{_hash(text)}" if ascii_part else f"h{_hash(text)}"


def chinese_numeral(text: str) -> int | None:
    """``二十三`` -> 23, ``十`` -> 10, ``105`` -> 105; None when ``text`` is not a numeral."""
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            total += (digit if digit is not None else 1) * _UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def segment_slug(segment: str) -> str:
    """One numbering segment as an ASCII slug: ``（一）`` -> ``1``, ``第三部分`` -> ``part3``."""
    seg = segment.strip()
    for suffix, prefix in _ORDINAL_KINDS:
        m = re.fullmatch(rf"第(.+?){suffix}", seg)
        if m and (n := chinese_numeral(m.group(1))) is not None:
            return f"{prefix}{n}"
    m = re.fullmatch(r"附件\s*([0-9一二三四五六七八九十]*)", seg)
    if m:
        n = chinese_numeral(m.group(1)) if m.group(1) else None
        return f"annex{n}" if n is not None else "annex"
    if re.fullmatch(r"\d+(?:\.\d+)+", seg):  # a decimal clause, 2.4.1
        return seg
    if re.fullmatch(r"[①-⑳]", seg):
        return str(int(unicodedata.numeric(seg)))
    if m := re.fullmatch(r"[（(]([a-zA-Z])[）)]", seg):
        return m.group(1).lower()
    numerals = _NUMERAL.findall(seg)
    rest = _NUMERAL.sub("", seg)
    if len(numerals) == 1 and not re.search(r"[^\s（）()、.．,，:：]", rest):
        n = chinese_numeral(numerals[0])
        if n is not None:
            return str(n)
    return f"s{_hash(seg, 6)}"


def path_slug(path: Sequence[str]) -> str:
    """A provision path as one slug: ``["二", "（一）"]`` -> ``2-1``."""
    return "-".join(segment_slug(s) for s in path) or "root"


# Canonical agency names with a readable slug. Names not listed get region prefix + department
# when both are recognised (广东省商务厅 -> gd-mofcom; any other division by its GB/T 2260 code,
# 山东省商务厅 -> 370000-mofcom), else a hash.
_AGENCIES = {
    "国务院": "state-council",
    "国务院办公厅": "state-council-office",
    "工业和信息化部": "miit",
    "工业和信息化部办公厅": "miit-office",
    "国家发展和改革委员会": "ndrc",
    "商务部": "mofcom",
    "商务部办公厅": "mofcom-office",
    "教育部": "moe",
    "科学技术部": "most",
    "财政部": "mof",
    "人力资源和社会保障部": "mohrss",
    "生态环境部": "mee",
    "中国人民银行": "pbc",
    "国家税务总局": "sta",
    "国家市场监督管理总局": "samr",
    "国家金融监督管理总局": "nfra",
    "中国证券监督管理委员会": "csrc",
    "国家知识产权局": "cnipa",
}
_REGIONS = {"广东省": "gd", "江苏省": "js", "浙江省": "zj", "广州市": "gz", "深圳市": "sz"}
_DEPARTMENTS = {
    "工业和信息化厅": "miit", "工业和信息化局": "miit", "发展和改革委员会": "ndrc", "科学技术厅": "most",
    "科技厅": "most", "科技创新委员会": "most", "商务厅": "mofcom", "商务局": "mofcom", "财政厅": "mof",
    "财政局": "mof", "市场监督管理局": "samr", "人民政府": "gov", "人民政府办公厅": "gov-office",
    "生态环境厅": "mee", "人力资源和社会保障厅": "mohrss", "教育厅": "moe",
}


def agency_slug(name: str) -> str:
    """ASCII slug for a canonical agency name: 工业和信息化部 -> miit, 广东省商务厅 -> gd-mofcom."""
    key = "".join(name.split())
    if key in _AGENCIES:
        return _AGENCIES[key]
    for region, rslug in _REGIONS.items():
        if key.startswith(region) and key[len(region):] in _DEPARTMENTS:
            return f"{rslug}-{_DEPARTMENTS[key[len(region):]]}"
    place = _division_prefix(key)
    if place is not None and key[len(place.name):] in _DEPARTMENTS:
        return f"{place.code}-{_DEPARTMENTS[key[len(place.name):]]}"  # 山东省工业和信息化厅 -> 370000-miit
    return f"h{_hash(key, 10)}"


def _division_prefix(name: str) -> Region | None:
    """The longest official division name ``name`` starts with (山东省, 济南市)."""
    for n in range(min(len(name) - 1, 12), 1, -1):
        region = divisions().lookup(name[:n])
        if region is not None and region.name == name[:n]:
            return region
    return None


class Iris:
    """Mints the IRIs of one deployment (one ``base``)."""

    def __init__(self, base: str = DEFAULT_BASE) -> None:
        self.base = base.rstrip("/")

    def document(self, doc_id: str, *, region_code: str | None, year: str | None) -> URIRef:
        region = region_code or "na"
        yr = year if year and re.fullmatch(r"\d{4}", year) else "na"
        return URIRef(f"{self.base}/eli/cn/{region}/{yr}/{safe_slug(doc_id)}")

    def provision(self, document: URIRef, slug: str) -> URIRef:
        return URIRef(f"{document}/{slug}")

    def fact(self, parent: URIRef, kind: str, n: int) -> URIRef:
        return URIRef(f"{parent}/{kind}/{n}")

    def agency(self, name: str) -> URIRef:
        return URIRef(f"{self.base}/org/{agency_slug(name)}")

    def alignment(self, local: URIRef, national: URIRef) -> URIRef:
        return URIRef(f"{self.base}/link/{_hash(f'{local} {national}', 16)}")

    def document_graph(self, doc_id: str) -> URIRef:
        return URIRef(f"{self.base}/graph/doc/{safe_slug(doc_id)}")

    @property
    def links_graph(self) -> URIRef:
        """Links that belong to no one local document: citations resolved at link time, copy groups, editions."""
        return URIRef(f"{self.base}/graph/links")

    def document_links_graph(self, doc_id: str) -> URIRef:
        """The links computed for one local document (its own and its provisions'), replaced alone."""
        return URIRef(f"{self.base}/graph/links/{safe_slug(doc_id)}")

    def document_resembles_graph(self, doc_id: str) -> URIRef:
        """The best cross-province matches of one local document's provisions: apart from what it
        implements, because they change with other provinces' documents and are recomputed alone."""
        return URIRef(f"{self.document_links_graph(doc_id)}/resembles")

    @property
    def agencies_graph(self) -> URIRef:
        return URIRef(f"{self.base}/graph/agencies")

    @property
    def ontology_graph(self) -> URIRef:
        return URIRef(f"{self.base}/graph/ontology")

    @property
    def meta_graph(self) -> URIRef:
        return URIRef(f"{self.base}/graph/meta")

    def doc_id_of_graph(self, graph: URIRef | str) -> str | None:
        """The document slug of a document graph IRI, or None for other graphs."""
        prefix = f"{self.base}/graph/doc/"
        return str(graph)[len(prefix):] if str(graph).startswith(prefix) else None


def document_iri(doc: Document, *, iris: Iris, scheme: Schemes | None = None) -> URIRef:
    """The IRI of a parsed document: its region code and year come from its metadata."""
    sc = scheme or schemes()
    region = sc.region(doc.metadata.region)
    code = sc.notation(region) if region is not None else None
    year = doc.metadata.date[:4] if doc.metadata.date else None
    return iris.document(doc.id, region_code=code, year=year)
