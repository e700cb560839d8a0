"""Metadata from the text: level and region accuracy, and title/issuers/文号/date precision.

Level and region: every document of a corpus is parsed with level, region and title removed from
its manifest entry (what a corpus without a manifest gives) and compared with the manifest, where
``CORRECTIONS`` overrides a manifest value that the text itself shows to be wrong.

Title, issuers, 文号, date: compared with the hand-checked sample
``tests/data/gold/real/metadata.toml`` (filled by reading the texts), per split (dev / test).
Precision = right / extracted; recall = right / present in the gold (a field the text does not
show is empty in the gold: extracting nothing there is right, extracting something is wrong).
The title scored there is the stated one; an inferred title (``Metadata.inferred_title``) is not.

Inferred titles: for every document whose text states no title, how many get one and by which
rule, and (``--inferred N``) an evenly spaced sample of N with the sentence each came from, for a
person to read and judge (there is no gold for a title the text does not state).

    python bench/metadata_accuracy.py [--corpus ../shared/realcorpus] [--gold tests/data/gold/real/metadata.toml]
                                      [--inferred 30]
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.agencies import canonical  # noqa: E402
from ingest.manifest import Entry, read_manifest  # noqa: E402
from ingest.pipeline import parse_file  # noqa: E402
from ingest.script import to_simplified  # noqa: E402
from ingest.title_inference import document_title  # noqa: E402

# Manifest values the texts contradict, with the reason (read in the text, not guessed).
CORRECTIONS: dict[str, dict[str, str]] = {
    "national/nat-166.txt": {"level": "provincial", "region": "山东省",
                             "why": "Shandong DRC's plan (its source is fgw.shandong.gov.cn; body: 全省, 省发展改革委负责)"},
}
FIELDS = ("title", "issuers", "doc_number", "date")


def _key(text: str) -> str:
    return re.sub(r"[\s“”\"《》（）()〔〕\[\]—–\-·、]", "", to_simplified(text))


def level_region(corpus: Path) -> dict[str, object]:
    """Parse every document without level, region and title; count what comes out right."""
    entries = read_manifest(corpus)
    right = Counter()
    errors: list[str] = []
    started = time.perf_counter()
    for entry in entries:
        blank = dataclasses.replace(entry, level="", region="", title="")
        doc = parse_file(corpus / entry.file, meta=blank, corpus_dir=corpus)
        truth = {"level": entry.level, "region": entry.region, **CORRECTIONS.get(entry.file, {})}
        got = {"level": doc.metadata.level or "", "region": doc.metadata.region or ""}
        for field in ("level", "region"):
            if got[field] == truth[field]:
                right[field] += 1
            else:
                errors.append(f"{entry.file}: {field} {got[field]!r}, should be {truth[field]!r}")
        right["both"] += got == {"level": truth["level"], "region": truth["region"]}
    n = len(entries)
    return {"documents": n, "seconds": round(time.perf_counter() - started, 1),
            **{f"{k}_accuracy": round(right[k] / n, 4) for k in ("level", "region", "both")}, "errors": errors}


def _matches(field: str, got: object, gold: object) -> bool:
    if field == "issuers":
        return {_key(canonical(x)) for x in got} == {_key(canonical(x)) for x in gold}  # type: ignore[union-attr]
    if field == "title":
        return _key(str(got)) == _key(str(gold))
    return str(got) == str(gold)


def header_fields(corpus: Path, gold_path: Path) -> dict[str, dict[str, dict[str, float | int]]]:
    """Precision and recall of title, issuers, 文号 and date per split of the gold sample."""
    gold = tomllib.loads(gold_path.read_text(encoding="utf-8"))["document"]
    tallies: dict[str, Counter[str]] = {}
    mistakes: list[str] = []
    for g in gold:
        doc = parse_file(corpus / g["file"], meta=Entry(file=g["file"]), corpus_dir=corpus)
        m = doc.metadata
        got = {"title": m.title or "", "issuers": m.issuers, "doc_number": m.doc_number or "", "date": m.date or ""}
        for field in FIELDS:
            t = tallies.setdefault(f"{g['split']}/{field}", Counter())
            truth = g.get(field) or ([] if field == "issuers" else "")
            t["gold"] += bool(truth)
            if truth and not got[field]:
                mistakes.append(f"[{g['split']}] {g['file']} {field}: missed {truth!r}")
            if got[field]:
                t["extracted"] += 1
                ok = bool(truth) and _matches(field, got[field], truth)
                t["right"] += ok
                if not ok:
                    mistakes.append(f"[{g['split']}] {g['file']} {field}: got {got[field]!r}, gold {truth!r}")
    out: dict[str, dict[str, dict[str, float | int]]] = {}
    for key, t in sorted(tallies.items()):
        split, field = key.split("/")
        out.setdefault(split, {})[field] = {
            "extracted": t["extracted"], "gold": t["gold"], "right": t["right"],
            "precision": round(t["right"] / t["extracted"], 3) if t["extracted"] else 1.0,
            "recall": round(t["right"] / t["gold"], 3) if t["gold"] else 1.0,
        }
    out["mistakes"] = mistakes  # type: ignore[assignment]
    return out


def inferred_titles(corpus: Path, sample: int) -> dict[str, object]:
    """Titles inferred for the documents whose text states none (manifest titles removed), by rule,
    and an evenly spaced sample of (file, title, evidence sentence) to read."""
    untitled, rules, found = 0, Counter(), []
    for entry in read_manifest(corpus):
        doc = parse_file(corpus / entry.file, meta=dataclasses.replace(entry, title=""), corpus_dir=corpus)
        if doc.metadata.title:
            continue
        untitled += 1
        if (t := document_title(doc)) is not None:
            rules[t.rule] += 1
            found.append((entry.file, t.title, doc.text[t.start:t.end].strip()))
    step = max(1, len(found) // sample) if sample else 0
    return {"untitled": untitled, "inferred": len(found), "by_rule": dict(rules),
            "sample": found[::step][:sample] if step else []}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "realcorpus")
    parser.add_argument("--gold", type=Path, default=ROOT / "tests" / "data" / "gold" / "real" / "metadata.toml")
    parser.add_argument("--errors", action="store_true", help="list every wrong value")
    parser.add_argument("--inferred", type=int, default=0, metavar="N",
                        help="also list N inferred titles (evenly spaced) with their evidence, to judge by reading")
    args = parser.parse_args()
    result = level_region(args.corpus)
    errors = result.pop("errors")
    print("level/region, manifest level+region+title removed:", result)
    if args.errors:
        print("\n".join(f"  {e}" for e in errors))  # type: ignore[union-attr]
    if args.gold.is_file():
        fields = header_fields(args.corpus, args.gold)
        mistakes = fields.pop("mistakes")
        for split, per_field in fields.items():
            for field, figures in per_field.items():
                print(f"{split:5} {field:11} {figures}")
        if args.errors:
            print("\n".join(f"  {m}" for m in mistakes))  # type: ignore[union-attr]
    titles = inferred_titles(args.corpus, args.inferred)
    sample = titles.pop("sample")
    print("inferred titles (texts stating none):", titles)
    for file, title, evidence in sample:  # type: ignore[attr-defined]
        print(f"  {file}: {title}\n      <- {evidence[:120]}")


if __name__ == "__main__":
    main()
