"""How much of a damaged text the repair stage gets back, on damage we make ourselves.

Clean lines from the corpus are converted to Traditional, given pinyin glosses, and one run in
each is re-encoded to GBK, put one byte out of step and robbed of a byte — the damage seen in
the real 2023 notice. The character model is rebuilt without the line's own file, so the
repair cannot simply remember the answer. Accuracy is the share of the original characters
that come back in place (difflib alignment after t2s), counting a ``□`` as a miss.

    .venv/bin/python bench/mojibake_accuracy.py [--lines 200] [--seed 7]
"""

from __future__ import annotations

import argparse
import difflib
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / "corpus"
sys.path.insert(0, str(ROOT))

import opencc  # noqa: E402

from ingest.repair import repair  # noqa: E402
from ingest.repair.charlm import CharLM  # noqa: E402
from ingest.textmap import MappedText  # noqa: E402

_S2T = opencc.OpenCC("s2t")
_T2S = opencc.OpenCC("t2s")
SYLLABLES = ("yè", "wù", "guān", "lián", "fèi", "chǎn", "shè", "xiàn", "jìn", "qū", "fā", "huán")


def _decode_out_of_step(data: bytes) -> str:
    """Decode GBK pair by pair as a careless reader would; a bad pair yields U+FFFD, one byte."""
    out = []
    i = 0
    while i < len(data):
        b = data[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        try:
            ch = data[i : i + 2].decode("gb18030")
            if len(ch) == 1 and len(data[i : i + 2]) == 2:
                out.append(ch)
                i += 2
                continue
        except UnicodeDecodeError:
            pass
        out.append("\ufffd")
        i += 1
    return "".join(out)


def damage(line: str, rng: random.Random) -> str:
    """Traditional script, glosses after changed characters, one out-of-step GBK run."""
    trad = _S2T.convert(line)
    length = rng.randint(6, 14)
    start = rng.randint(0, max(0, len(trad) - length))
    run = trad[start : start + length].encode("gbk", errors="replace")
    data = bytearray([rng.randint(0xA1, 0xFE)]) + run
    del data[rng.randint(2, len(data) - 1)]
    bad = _decode_out_of_step(bytes(data))
    pieces = []
    for k, ch in enumerate(trad):
        if start <= k < start + length:
            if k == start:
                pieces.append(bad)
            continue
        pieces.append(ch)
        changed = k < len(line) and ch != line[k]
        if changed and rng.random() < 0.7:
            pieces.append(f"({rng.choice(SYLLABLES)})")
    return "".join(pieces)


def accuracy(original: str, repaired: str) -> float:
    sm = difflib.SequenceMatcher(None, original, repaired, autojunk=False)
    return sum(b.size for b in sm.get_matching_blocks()) / len(original)


def sample_lines(n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` clean sentences (stem, sentence) of 20-80 characters from the provincial and municipal texts."""
    lines = []
    for path in sorted([*CORPUS_DIR.glob("provincial/*.txt"), *CORPUS_DIR.glob("municipal/*.txt")]):
        for line in re.split(r"(?<=[。；])|\n", path.read_text(encoding="utf-8")):
            if line and 20 <= len(line) <= 80 and _S2T.convert(line) != line:
                lines.append((path.stem, line))
    rng = random.Random(seed)
    rng.shuffle(lines)
    return lines[:n]


def run(n: int = 200, seed: int = 7) -> dict[str, float]:
    rng = random.Random(seed)
    models: dict[str, CharLM] = {}
    total = hit = damaged_chars = 0.0
    before_total = 0.0
    sample = sample_lines(n, seed)
    for stem, line in sample:
        lm = models.get(stem) or models.setdefault(stem, CharLM.from_corpus(CORPUS_DIR, exclude=[stem]))
        bad = damage(line, rng)
        fixed, _ = repair(MappedText.identity(bad), lm=lm)
        out = _T2S.convert(fixed.text)
        total += len(line)
        hit += accuracy(line, out) * len(line)
        before_total += accuracy(line, _T2S.convert(bad)) * len(line)
        damaged_chars += out.count("\u25a1")
    return {"lines": float(len(sample)), "chars": total, "accuracy": hit / total,
            "accuracy_unrepaired": before_total / total, "damaged_marks": damaged_chars}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    t = time.time()
    res = run(args.lines, args.seed)
    print(f"lines={int(res['lines'])} chars={int(res['chars'])} "
          f"accuracy={res['accuracy']:.4f} (unrepaired {res['accuracy_unrepaired']:.4f}) "
          f"damaged_marks={int(res['damaged_marks'])} time={time.time() - t:.1f}s")
