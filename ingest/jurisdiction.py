"""Level and region from the text, for documents whose manifest does not say.

Official documents say who speaks, in several places that a repost may or may not keep: the
issuers (山东省工业和信息化厅, 济南市人民政府办公厅), the 文号 (鲁政办发〔2022〕5号: 鲁 is 山东's
one-character abbreviation; 济政发: a city of the province), the addressees (各市人民政府 are
addressed by a province, 各区县 by a city, 各省、自治区、直辖市 by the centre) and the way the body
speaks of itself (我省, 全省, 省委、省政府 / 我市, 全市). Each signal is read against the national
division table, so any province or city is found, not a list of known ones. The strongest signal
wins: named issuers, then the 文号, then the addressees and the body's voice.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ingest.agencies import looks_like_agency
from ingest.model import Level
from ontology.regions import NATIONAL, Divisions, Region, divisions

# The body's voice: how a provincial or municipal text speaks of its own jurisdiction. 我省 alone
# is enough; the others must recur (a national text may say 全市 twice, quoting a local example).
# 省工业和信息化厅 at the start of a clause is the province's own department; a national text
# writes 各省… or 省级….
_OWN = r"(?:(?<![\u4e00-\u9fff])|(?<=[由经和及与同请])){}(?!级|、|\(|（|内|外|份|区|市|县|场|民|长)[\u4e00-\u9fff]{{1,10}}?(?:厅|委员会|委|局|办公室|办公厅)"
_VOICE = {
    "provincial": re.compile(r"我省|全省|本省|省委、?省政府|" + _OWN.format("省")),
    "municipal": re.compile(r"我市|全市|本市|市委、?市政府|" + _OWN.format("市")),
}
# An autonomous region speaks of itself as 自治区 (自治区党委, 自治区人民政府, （自治区工业和信息化厅负责）)
# and then of 全区 / 我区; without that voice 全区 is as likely a city's district. Not 新疆维吾尔自治区
# (a name) nor 各省、自治区、直辖市 (the centre's addressees).
_AUTONOMOUS = re.compile(r"(?:(?<![\u4e00-\u9fff、])|(?<=[由经和及与同请]))自治区(?!、|级|内|外)"
                         r"(?:党委|人民政府|政府|[\u4e00-\u9fff]{1,10}?(?:厅|委员会|委|局|办公室|办公厅))")
_REGION_VOICE = re.compile(r"全区|我区|本区")
_FIRST_PERSON = {"provincial": "我省", "municipal": "我市"}
_CENTRAL_ADDRESSEES = re.compile(r"各省、自治区、直辖市|各省（区、市）|各省\(区、市\)|各省级|国务院各部委")
_PROVINCE_ADDRESSEES = re.compile(r"各(设区的)?市(人民政府|政府|[\u4e00-\u9fff]{0,12}(局|委|办))|各县（市、区）|各县\(市、区\)")
_CITY_ADDRESSEES = re.compile(r"各区(、|（|\()?县|各区县|各区（市）|各区\(市\)|各区政府|各区人民政府|各县区")
_NATIONAL_ISSUER = re.compile(r"^(国务院|中共中央|全国|国家|中国|中华人民共和国)|^[\u4e00-\u9fff]{1,12}(部|总局|总署)(办公厅)?$")
_DOC_NUMBER_PREFIX = re.compile(r"^([\u4e00-\u9fff]{1,8}?)[〔\[［(（]\d{4}")


@dataclass
class Jurisdiction:
    level: Level | None = None
    region: Region | None = None  # the most precise region the text names (a province, a city)
    evidence: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, why)

    @property
    def region_name(self) -> str | None:
        """The name the manifest would use: 全国, 山东省, 山东省济南市."""
        if self.level == "national":
            return "全国"
        return divisions().full_name(self.region.code) if self.region else None


def _level_of(region: Region) -> Level:
    return {"national": "national", "province": "provincial"}.get(region.tier, "municipal")  # type: ignore[return-value]


def place_prefix(name: str, d: Divisions | None = None) -> Region | None:
    """The division an agency name starts with: 山东省工业和信息化厅 -> 山东省, 济南市人民政府 -> 济南市.

    Only official names (and full paths such as 山东省济南市) count here: a short name would
    turn 中山大学 into 中山市.
    """
    d = d or divisions()
    best: Region | None = None
    for n in range(2, min(len(name), 16) + 1):
        region = d.lookup(name[:n])
        if region is not None and region.code != NATIONAL and (name[:n] == region.name or len(name[:n]) > 5):
            best = region  # keep the longest: 山东省济南市 over 山东省
    return best


def from_issuers(issuers: list[tuple[int, int, str]]) -> Jurisdiction | None:
    """Level and region from issuer names; None when no name is an agency."""
    d = divisions()
    local = [(s, e, n, r) for s, e, n in issuers if (r := place_prefix(n, d)) is not None]
    if local:
        s, e, name, region = max(local, key=lambda x: (len(d.chain(x[3].code)), -x[0]))
        return Jurisdiction(_level_of(region), region, [(s, e, f"issuer {name}")])
    national = [(s, e, n) for s, e, n in issuers if looks_like_agency(n) and _NATIONAL_ISSUER.search(n)]
    if national:
        s, e, name = national[0]
        return Jurisdiction("national", d.get(NATIONAL), [(s, e, f"national issuer {name}")])
    return None


def from_doc_number(number: str | None, start: int, context: Region | None, text: str = "") -> Jurisdiction | None:
    """鲁政办发〔2022〕5号 -> 山东省 (provincial); 济政发〔2022〕1号 or 青工信字… with 山东省 known
    from the body -> the city of 山东 whose name starts so (青 is also 青海's abbreviation: the
    body's province decides; 济 is 济南 and 济宁: the city ``text`` names most decides)."""
    if not number or not (m := _DOC_NUMBER_PREFIX.match(number)) or number.startswith(("国", "中")):
        return None
    prefix, d = m.group(1), divisions()
    why = (start, start + len(prefix), f"文号 prefix {prefix}")
    province = d.chain(context.code)[0] if context is not None and context.code != NATIONAL else None
    if province is not None:
        if prefix[0] in province.abbreviations:
            return Jurisdiction("provincial", province, [why])
        for n in (2, 1):
            cities = [c for c in d.children(province.code) if c.name.startswith(prefix[:n])]
            counts = _mentions(text, cities).most_common(2) if len(cities) > 1 else []
            if len(cities) > 1 and counts and (len(counts) == 1 or counts[0][1] > counts[1][1]):
                cities = [d.by_code[counts[0][0]]]
            if len(cities) == 1:
                return Jurisdiction("municipal", cities[0], [why])
    for candidate in d.provinces():
        if prefix[0] in candidate.abbreviations:
            return Jurisdiction("provincial", candidate, [why])
    return None


def _mentions(text: str, regions: list[Region]) -> Counter[str]:
    """How often each region is named (official or short name) in ``text``."""
    counts: Counter[str] = Counter()
    for region in regions:
        names = {region.name, *(lb for lb in region.labels if len(lb) >= 2 and region.name.startswith(lb))}
        pattern = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
        counts[region.code] = len(re.findall(pattern, text)) if pattern else 0
    return +counts


def from_body(text: str, addressees: str = "") -> Jurisdiction:
    """Level from the addressees and the body's voice; region from the places it names most."""
    d = divisions()
    voice = {level: len(rx.findall(text)) for level, rx in _VOICE.items()}
    autonomous = len(_AUTONOMOUS.findall(text))
    if autonomous:
        voice["provincial"] += autonomous + len(_REGION_VOICE.findall(text))
    speaks = {level: n >= 3 or _FIRST_PERSON[level] in text for level, n in voice.items()}
    evidence: list[tuple[int, int, str]] = []
    level: Level = "national"
    if _CENTRAL_ADDRESSEES.search(addressees):
        level = "national"
    elif _CITY_ADDRESSEES.search(addressees):
        level = "municipal"
    elif _PROVINCE_ADDRESSEES.search(addressees):
        level = "provincial"
    elif speaks["municipal"] and voice["municipal"] > voice["provincial"]:
        level = "municipal"
    elif speaks["provincial"]:
        level = "provincial"
    if level == "national":
        return Jurisdiction("national", d.get(NATIONAL), evidence)
    if (m := _VOICE[level].search(text) or (_AUTONOMOUS.search(text) if level == "provincial" else None)):
        evidence.append((m.start(), m.end(), f"voice {m.group()}"))
    candidates = d.provinces()
    if level == "provincial" and autonomous and not _VOICE["provincial"].search(text):
        candidates = [p for p in candidates if p.name.endswith("自治区")]  # it speaks as one: it is one
    provinces = _mentions(text, candidates)
    if not provinces:  # the text never names its place: the level is known, the region is not (not 全国)
        return Jurisdiction(level, None, evidence)
    province = d.by_code[provinces.most_common(1)[0][0]]
    if level == "provincial":
        return Jurisdiction(level, province, evidence)
    cities = _mentions(text, d.children(province.code))
    city = d.by_code[cities.most_common(1)[0][0]] if cities else None
    return Jurisdiction(level, city or province, evidence)


def infer(text: str, *, issuers: list[tuple[int, int, str]], title: tuple[int, int, str] | None = None,
          doc_number: str | None = None, doc_number_start: int = 0, addressees: str = "") -> Jurisdiction:
    """The jurisdiction a document speaks for, from the strongest signal it has.

    ``issuers`` and ``title`` are (start, end, text) spans of the normalized text; a title that
    starts with a place (山东省“十四五”科技创新规划) counts like an issuer.
    """
    found = from_issuers(issuers)
    if found is None and title is not None and (region := place_prefix(title[2])) is not None:
        found = Jurisdiction(_level_of(region), region, [(title[0], title[0] + len(region.name), "title")])
    if found is not None and found.level != "national":
        return found
    body = from_body(text, addressees)
    by_number = from_doc_number(doc_number, doc_number_start, body.region, text)
    if by_number is not None:
        return by_number
    if found is not None:  # a national issuer: trust it over the body's voice
        return found
    return body
