"""Targets and agencies against the hand-read gold sets: precision and recall per field.

Gold: ``tests/data/gold/targets.toml`` (bundled corpus) and ``tests/data/gold/real/targets.toml``
(the real corpus, split into ``dev`` and held-out ``test``); rules in
``tests/data/gold/real/README-targets.md``. Each document is parsed the way ``policykg ingest``
parses it (with its manifest entry, so the region is known).

A predicted target *is present* when it pairs with a gold target of the same document and the
same quantity (pairs chosen by subject likeness). A field is right when the pair agrees on it;
per field, precision = right / predicted and recall = right / gold. ``deadline|found`` is the
share of paired targets whose deadline is right. Agencies pair by mention as written, in order.

    .venv/bin/python bench/extraction_eval.py [--real-corpus ../shared/realcorpus] [--errors]
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.manifest import read_manifest  # noqa: E402
from ingest.model import Agency, Document, Target  # noqa: E402
from ingest.pipeline import parse_file  # noqa: E402

GOLD = {"bundled": ROOT / "tests/data/gold/targets.toml", "real": ROOT / "tests/data/gold/real/targets.toml"}
CORPUS = {"bundled": ROOT / "corpus", "real": ROOT.parent / "shared" / "realcorpus"}
TARGET_FIELDS = ("present", "quantity+unit", "comparator", "subject", "deadline", "baseline")
AGENCY_FIELDS = ("present", "name", "role")
TASK_ROLES = ("lead", "responsible", "cooperating")


@dataclass
class Tally:
    """Right / predicted / gold counts per field, plus the misses for reading."""

    right: Counter[str] = field(default_factory=Counter)
    predicted: int = 0
    gold: int = 0
    errors: list[str] = field(default_factory=list)

    def table(self, fields: Iterable[str]) -> dict[str, dict[str, float]]:
        out = {}
        for f in fields:
            p = self.right[f] / self.predicted if self.predicted else 1.0
            r = self.right[f] / self.gold if self.gold else 1.0
            out[f] = {"precision": round(p, 3), "recall": round(r, 3)}
        return out

    def found_share(self, f: str) -> float:
        """Share of paired items that got field ``f`` right."""
        return round(self.right[f] / self.right["present"], 3) if self.right["present"] else 1.0


def _similar(a: str, b: str) -> bool:
    """Same subject: one contains the other, or most characters are shared (Dice >= 0.6)."""
    a, b = a.strip("“”\"'（）() "), b.strip("“”\"'（）() ")
    if not a or not b:
        return a == b
    if a in b or b in a:
        return min(len(a), len(b)) >= 2 or a == b
    common = sum((Counter(a) & Counter(b)).values())
    return 2 * common / (len(a) + len(b)) >= 0.6


def _likeness(a: str, b: str) -> float:
    return sum((Counter(a) & Counter(b)).values()) / max(len(a), len(b), 1)


def _pair(gold: list[dict], predicted: list, same: Callable, score: Callable) -> list[tuple[dict, object]]:
    """One-to-one pairing, most alike pairs first (so one good pair is not spent on a poor one)."""
    candidates = sorted(
        ((score(g, p), gi, pi) for gi, g in enumerate(gold) for pi, p in enumerate(predicted) if same(g, p)),
        key=lambda c: (c[0], -c[1], -c[2]),
        reverse=True,
    )
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for _, gi, pi in candidates:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            pairs.append((gold[gi], predicted[pi]))
    return pairs


def _unit(u: str) -> str:
    return u.replace("％", "%")


def score_targets(gold: list[dict], predicted: list[Target], tally: Tally, *, where: str) -> None:
    tally.gold += len(gold)
    tally.predicted += len(predicted)
    pairs = _pair(gold, predicted, lambda g, p: float(g["q"]) == p.quantity,
                  lambda g, p: (_unit(g["unit"]) == _unit(p.unit), _likeness(g["subject"], p.subject)))
    paired = {id(p) for _, p in pairs}
    for g, p in pairs:
        assert isinstance(p, Target)
        checks = {
            "present": True,
            "quantity+unit": _unit(g["unit"]) == _unit(p.unit) and g.get("hi") == p.quantity_max,
            "comparator": g["cmp"] == p.comparator,
            "subject": _similar(g["subject"], p.subject),
            "deadline": g.get("deadline") == p.deadline,
            "baseline": g.get("baseline") == p.baseline,
        }
        for f, ok in checks.items():
            tally.right[f] += ok
        wrong = [f for f, ok in checks.items() if not ok]
        if wrong:
            tally.errors.append(f"{where}: {g} ~ {p.text} [{p.comparator}, {p.subject!r}, {p.deadline}, {p.baseline}] wrong: {wrong}")
    gold_paired = {id(g) for g, _ in pairs}
    tally.errors += [f"{where}: missed {g}" for g in gold if id(g) not in gold_paired]
    tally.errors += [f"{where}: extra {p.text} {p.subject!r}" for p in predicted if id(p) not in paired]


def score_agencies(gold: list[dict], predicted: list[Agency], tally: Tally, *, where: str) -> None:
    tally.gold += len(gold)
    tally.predicted += len(predicted)
    pairs = _pair(gold, predicted, lambda g, p: g["mention"] == p.mention, lambda g, p: -p.start)
    for g, p in pairs:
        assert isinstance(p, Agency)
        checks = {"present": True, "name": g["name"] == p.name, "role": g["role"] == p.role}
        for f, ok in checks.items():
            tally.right[f] += ok
        if not all(checks.values()):
            tally.errors.append(f"{where}: {g['mention']} -> {p.name} ({p.role}); gold {g['name']} ({g['role']})")
    gold_paired = {id(g) for g, _ in pairs}
    tally.errors += [f"{where}: missed {g}" for g in gold if id(g) not in gold_paired]
    paired = {id(p) for _, p in pairs}
    tally.errors += [f"{where}: extra {p.mention} ({p.role})" for p in predicted if id(p) not in paired]


def document_targets(doc: Document) -> list[Target]:
    return [t for prov in doc.provisions for t in prov.targets]


def document_task_agencies(doc: Document) -> list[Agency]:
    return [a for prov in doc.provisions for a in prov.agencies if a.role in TASK_ROLES]


def evaluate(corpus: str, corpus_dir: Path) -> dict[str, tuple[Tally, Tally]]:
    """(targets, agencies) tallies per split of one gold set."""
    gold = tomllib.loads(GOLD[corpus].read_text(encoding="utf-8"))
    entries = {e.file: e for e in read_manifest(corpus_dir)}
    agency_gold = gold.get("agencies", {})
    out: dict[str, tuple[Tally, Tally]] = {}
    for spec in gold["doc"]:
        doc = parse_file(corpus_dir / spec["file"], meta=entries[spec["file"]], corpus_dir=corpus_dir)
        targets, agencies = out.setdefault(spec["split"], (Tally(), Tally()))
        score_targets(spec["targets"], document_targets(doc), targets, where=spec["file"])
        if spec["file"] in agency_gold:
            score_agencies(agency_gold[spec["file"]]["entries"], document_task_agencies(doc), agencies, where=spec["file"])
    return out


def report(results: dict[str, dict[str, tuple[Tally, Tally]]]) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    for corpus, splits in results.items():
        for split, (targets, agencies) in sorted(splits.items()):
            rows[f"{corpus}/{split}"] = {
                "targets": {"gold": targets.gold, "predicted": targets.predicted, **targets.table(TARGET_FIELDS),
                            "deadline|found": targets.found_share("deadline")},
                "agencies": {"gold": agencies.gold, "predicted": agencies.predicted, **agencies.table(AGENCY_FIELDS),
                             "name|found": agencies.found_share("name")},
            }
    return rows


def format_rows(rows: dict[str, dict]) -> str:
    lines = []
    for name, row in rows.items():
        for kind in ("targets", "agencies"):
            r = row[kind]
            if not r["gold"]:
                continue
            cells = [f"{f} {v['precision']:.2f}/{v['recall']:.2f}" for f, v in r.items() if isinstance(v, dict)]
            share = next(f"{k} {v:.2f}" for k, v in r.items() if k.endswith("|found"))
            lines.append(f"{name:13} {kind:8} gold {r['gold']:3} pred {r['predicted']:3}  P/R: " + "  ".join(cells) + f"  {share}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real-corpus", type=Path, default=CORPUS["real"])
    ap.add_argument("--errors", action="store_true", help="print every miss, extra and wrong field (dev splits only)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = {"bundled": evaluate("bundled", CORPUS["bundled"])}
    if args.real_corpus.is_dir():
        results["real"] = evaluate("real", args.real_corpus)
    rows = report(results)
    print(json.dumps(rows, ensure_ascii=False, indent=1) if args.json else format_rows(rows))
    if args.errors:
        for splits in results.values():
            for split, (targets, agencies) in splits.items():
                if split != "test":
                    print(*targets.errors, *agencies.errors, sep="\n")


if __name__ == "__main__":
    main()
