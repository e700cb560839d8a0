"""Rebuild the character counts that text repair ships with (``ingest/repair/data/``).

Mojibake repair scores candidate characters with a character trigram model of clean policy
text (``ingest.repair.charlm``). Its counts come from the bundled corpus but are shipped as
package data, so an installed wheel repairs text without the repository's ``corpus/``. Run
this after changing the bundled corpus or the way clauses are counted; a test fails while
the shipped file and the corpus disagree.

    .venv/bin/python scripts/build_charlm_counts.py [--corpus corpus] [--out PATH]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.repair.charlm import COUNTS_RESOURCE, CorpusCounts  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="folder of clean .txt files")
    ap.add_argument("--out", type=Path, default=ROOT / "ingest" / "repair" / COUNTS_RESOURCE)
    args = ap.parse_args()
    counts = CorpusCounts.from_corpus(args.corpus)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    counts.save(args.out)
    print(f"{args.out}: {len(counts.trigrams)} trigrams, {sum(counts.first_marks[1].values())} marks, "
          f"{args.out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
