"""A small character trigram language model of clean Simplified policy text.

Mojibake repair needs one judgement over and over: *does this read as Chinese?* — to choose
between byte-shifted decodings, and to infer a character whose bytes were lost from its
neighbours. A trigram over characters with interpolated absolute discounting (Kneser-Ney's
simpler cousin) is enough for that, builds in a fraction of a second and is deterministic.
The default model comes from the bundled corpus, whose counts ship with the package
(:class:`CorpusCounts`), so repair works the same from a wheel as from the checkout. Histories and candidates are folded to Simplified (OpenCC t2s, one
character at a time) so the same model scores Traditional copies.
"""

from __future__ import annotations

import gzip
import importlib.resources
import importlib.util
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from common.errors import PolicyKGError
from ingest.repair.glosses import GLOSS_RE
from ingest.script import t2s

#: The counts of the bundled corpus, shipped with the package (``scripts/build_charlm_counts.py``).
COUNTS_RESOURCE = "data/charlm-counts.json.gz"
COUNTS_FORMAT = 1
BOUNDARY = "\n"
#: Corpus clauses count this many times over the numbering forms and dictionary words.
CORPUS_WEIGHT = 3
_DISCOUNT = 0.75
#: log-probability of a character the corpus never showed (spread over ~20k GBK chars).
UNK_LOGP = float(np.log(1e-7))

# Characters that never occur in clean policy text but are typical of GBK decoded out of step.
_SUSPECT_CLASSES = (
    "\u3100-\u312f"  # bopomofo ㄒ
    "\u2500-\u257f"  # box drawing ┚
    "\u2ff0-\u2fff"  # ideographic description ⿵
    "\u3040-\u30ff"  # kana ズ
    "\u0100-\u024f\u0250-\u02ff"  # Latin with diacritics ǘ (outside glosses)
    "\u0370-\u04ff"  # Greek, Cyrillic
    "\ue000-\uf8ff\ufffd?"  # private use, replacement char, ?
)
SUSPECT_RE = re.compile(f"[{_SUSPECT_CLASSES}]")
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
#: A lone ASCII letter squeezed between two CJK characters (``襟w資``).
STRAY_LETTER_RE = re.compile(rf"(?<=[{_CJK}])[A-Za-z](?=[{_CJK}])")
_CLAUSE_SPLIT_RE = re.compile(r"([，,。；;：:、！!\n])")
# Half-width punctuation reads like its full-width twin; the model sees only the latter.
_PUNCT_FOLD = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "!": "！"})

_fold_cache: dict[str, str] = {}

def fold(ch: str) -> str:
    """One character to Simplified (identity when OpenCC maps it to something longer)."""
    out = _fold_cache.get(ch)
    if out is None:
        conv = t2s(ch.translate(_PUNCT_FOLD))
        out = conv if len(conv) == 1 else ch
        _fold_cache[ch] = out
    return out

def fold_many(chars: Iterable[str]) -> None:
    """Warm the fold cache for many characters with one OpenCC call."""
    todo = [c for c in chars if c not in _fold_cache and c != BOUNDARY]
    if not todo:
        return
    conv = t2s(BOUNDARY.join(todo)).split(BOUNDARY)
    if len(conv) != len(todo):  # OpenCC changed the line structure; go one by one
        for c in todo:
            fold(c)
        return
    for c, s in zip(todo, conv, strict=True):
        s = s.translate(_PUNCT_FOLD)
        _fold_cache[c] = s if len(s) == 1 else c

def clean_clauses(text: str) -> list[str]:
    """Runs of undamaged clauses of ``text`` (with their punctuation), glosses removed, folded.

    A clause containing any suspect character, a stray Latin letter or a mangled gloss is
    dropped whole and breaks the run: a few lost clauses cost the model nothing, a learnt
    mojibake pattern would.
    """
    text = GLOSS_RE.sub("", text)
    pieces = _CLAUSE_SPLIT_RE.split(text)
    runs: list[str] = []
    cur: list[str] = []
    for k in range(0, len(pieces), 2):
        clause, delim = pieces[k], (pieces[k + 1] if k + 1 < len(pieces) else "")
        if SUSPECT_RE.search(clause) or STRAY_LETTER_RE.search(clause) or delim == BOUNDARY:
            if not (SUSPECT_RE.search(clause) or STRAY_LETTER_RE.search(clause)):
                cur.append(clause)
            if cur:
                runs.append("".join(cur))
            cur = []
            continue
        cur.append(clause + delim)
    if cur:
        runs.append("".join(cur))
    runs = [r for r in runs if r]
    if not runs:
        return []
    return t2s(BOUNDARY.join(runs).translate(_PUNCT_FOLD)).split(BOUNDARY)

T = TypeVar("T")
Trigram = tuple[str, str, str]


def sequence_trigrams(seqs: Iterable[str]) -> Counter[Trigram]:
    """Trigram counts of whole sequences, each opened by two boundaries and closed by one.

    Unigram and bigram counts of such sequences are the marginals of these (every character
    and every pair after the opening boundaries ends exactly one trigram), so the trigrams
    alone are all a corpus contributes to the model.
    """
    tri: Counter[Trigram] = Counter()
    for seq in seqs:
        padded = BOUNDARY * 2 + seq + BOUNDARY
        tri.update(zip(padded, padded[1:], padded[2:], strict=False))
    return tri


@dataclass
class CorpusCounts:
    """What the model learns from a corpus: trigrams of its clean clauses, and its punctuation.

    Small and independent of the texts' wording once counted, so the counts of the bundled
    corpus ship with the package and the repair needs no corpus at run time.
    """

    trigrams: Counter[Trigram] = field(default_factory=Counter)
    #: marks first after a numbered opener, and all marks (see :func:`first_marks`)
    first_marks: tuple[Counter[str], Counter[str]] = field(default_factory=lambda: (Counter(), Counter()))

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> CorpusCounts:
        """Count raw texts; damaged clauses are skipped (see :func:`clean_clauses`)."""
        counts = cls()
        for t in texts:
            counts.trigrams.update(sequence_trigrams(clean_clauses(t)))
            first_marks(t, counts.first_marks)
        return counts

    @classmethod
    def from_corpus(cls, root: Path, *, exclude: Iterable[str] = ()) -> CorpusCounts:
        """Count ``root/**/*.txt``; ``exclude`` names files (by stem) to leave out."""
        skip = set(exclude)
        paths = sorted(p for p in root.rglob("*.txt") if p.stem not in skip)
        return cls.from_texts(p.read_text(encoding="utf-8") for p in paths)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": COUNTS_FORMAT,
            "trigrams": {"".join(k): n for k, n in sorted(self.trigrams.items())},
            "first_marks": [dict(sorted(c.items())) for c in self.first_marks],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CorpusCounts:
        if data.get("format") != COUNTS_FORMAT:
            raise PolicyKGError(f"The character counts are in format {data.get('format')!r}; this version reads "
                                f"format {COUNTS_FORMAT}.", hint="Rebuild them: python scripts/build_charlm_counts.py")
        trigrams: Counter[Trigram] = Counter({(k[0], k[1], k[2]): n for k, n in data["trigrams"].items()})
        after, overall = (Counter(c) for c in data["first_marks"])
        return cls(trigrams, (after, overall))

    def save(self, path: Path) -> None:
        """Write as gzipped JSON, byte for byte the same for the same counts."""
        text = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))
        path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))

    @classmethod
    def bundled(cls) -> CorpusCounts:
        """The counts of the bundled corpus, read from the package data."""
        resource = importlib.resources.files(__package__).joinpath(COUNTS_RESOURCE)
        return cls.from_json(json.loads(gzip.decompress(resource.read_bytes())))


class CharLM:
    """Interpolated absolutely-discounted character trigram model over Simplified text."""

    def derived(self, factory: Callable[[CharLM], T]) -> T:
        """Something built from this model (lookup tables, word completions), built once."""
        cache: dict[Callable[[CharLM], object], object] = self.__dict__.setdefault("_derived", {})
        if factory not in cache:
            cache[factory] = factory(self)
        return cache[factory]  # type: ignore[return-value]

    def __init__(self, trigrams: Counter[Trigram], *, lexicon: Iterable[str] = ()) -> None:
        """``trigrams`` of whole sequences (see :func:`sequence_trigrams`); ``lexicon`` words are
        counted only inside themselves: a dictionary word ends no sentence."""
        uni: Counter[str] = Counter()
        bi: Counter[tuple[str, str]] = Counter()
        for (_, b, c), n in trigrams.items():
            uni[c] += n
            bi[b, c] += n
        tri = Counter(trigrams)
        for word in lexicon:
            uni.update(word)
            bi.update(pairwise(word))
            tri.update(zip(word, word[1:], word[2:], strict=False))
        self.chars: list[str] = sorted(uni)
        self.index: dict[str, int] = {c: i for i, c in enumerate(self.chars)}
        n = len(self.chars)
        total = sum(uni.values())
        counts = np.array([uni[c] for c in self.chars], dtype=np.float64)
        # Unigram, smoothed so every known character keeps some mass; unknowns get UNK_LOGP.
        self._p1 = (counts + 0.5) / (total + 0.5 * n)
        self._bi: dict[str, tuple[np.ndarray, np.ndarray]] = self._rows(bi, 1)
        self._tri: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = self._rows(tri, 2)
        self._dist_cache: dict[tuple[str, str], np.ndarray] = {}
        before: dict[str, list[int]] = defaultdict(list)
        for a, b in bi:
            before[b].append(self.index[a])
        self._before = {b: np.array(sorted(v), dtype=np.int64) for b, v in before.items()}
        #: marks first after a numbered opener, and all marks (see :func:`first_marks`)
        self.first_marks: tuple[Counter[str], Counter[str]] = (Counter(), Counter())

    def _rows(self, counter: Counter, order: int) -> dict:
        grouped: dict = defaultdict(list)
        for key, c in counter.items():
            hist = key[0] if order == 1 else key[:2]
            grouped[hist].append((self.index[key[-1]], c))
        rows = {}
        for hist, items in grouped.items():
            items.sort()
            rows[hist] = (
                np.array([i for i, _ in items], dtype=np.int64),
                np.array([c for _, c in items], dtype=np.float64),
            )
        return rows

    @classmethod
    def from_counts(cls, counts: CorpusCounts, *, lexicon: bool = True) -> CharLM:
        """The model of a counted corpus, plus the numbering forms every document uses.

        With ``lexicon`` the common words of jieba's dictionary are added too: the corpus alone
        knows under a thousand characters and few of the pairs that make words (东部, 当地).
        """
        tri: Counter[Trigram] = Counter({key: n * CORPUS_WEIGHT for key, n in counts.trigrams.items()})
        tri.update(sequence_trigrams(NUMBERING))
        lm = cls(tri, lexicon=lexicon_words() if lexicon else ())
        lm.first_marks = (Counter(counts.first_marks[0]), Counter(counts.first_marks[1]))
        return lm

    @classmethod
    def from_corpus(cls, root: Path, *, exclude: Iterable[str] = (), lexicon: bool = True) -> CharLM:
        """Build from ``root/**/*.txt`` (any corpus of clean policy text); ``exclude`` names files
        (by stem) to leave out."""
        return cls.from_counts(CorpusCounts.from_corpus(root, exclude=exclude), lexicon=lexicon)

    def __contains__(self, ch: str) -> bool:
        return fold(ch) in self.index

    def count_known(self) -> int:
        return len(self.chars)

    def dist(self, h2: str, h1: str) -> np.ndarray:
        """Log-probabilities of every known character after the history ``h2 h1`` (Simplified)."""
        key = (h2, h1)
        cached = self._dist_cache.get(key)
        if cached is not None:
            return cached
        p = self._p1
        for row in (self._bi.get(h1), self._tri.get(key)):  # interpolate bigram, then trigram
            if row is not None:
                ids, cnt = row
                tot = cnt.sum()
                p = p * (_DISCOUNT * len(ids) / tot)
                p[ids] += np.maximum(cnt - _DISCOUNT, 0) / tot
        out = np.log(p)
        if len(self._dist_cache) > 50_000:
            self._dist_cache.clear()
        self._dist_cache[key] = out
        return out

    def before(self, ch: str) -> np.ndarray:
        """Vocabulary indices of the characters seen right before ``ch`` (Simplified)."""
        return self._before.get(ch, np.zeros(0, dtype=np.int64))

    def logp(self, ch: str, h2: str, h1: str) -> float:
        """log P(ch | h2 h1); every argument may be Traditional, it is folded first."""
        i = self.index.get(fold(ch))
        if i is None:
            return UNK_LOGP
        return float(self.dist(fold(h2), fold(h1))[i])

    def score(self, text: str, *, left: str = BOUNDARY * 2) -> float:
        """Total log-probability of ``text`` after the two characters of ``left``."""
        h2, h1 = (left[-2:] if len(left) >= 2 else (BOUNDARY + left)[-2:])
        total = 0.0
        for ch in text:
            total += self.logp(ch, h2, h1)
            h2, h1 = h1, ch
        return total

_MARK_RE = re.compile(r"[，。、；：！？]")
_OPENER_RE = re.compile(r"^\s*(?:（[一二三四五六七八九十]{1,3}）|[一二三四五六七八九十]{1,3}、)")


def first_marks(text: str, into: tuple[Counter[str], Counter[str]]) -> None:
    """Count, on clean lines, the first mark after a numbered opener (``（二）...。``) and all marks."""
    for line in text.translate(_PUNCT_FOLD).splitlines():
        if SUSPECT_RE.search(line):
            continue
        into[1].update(_MARK_RE.findall(line))
        m = _OPENER_RE.match(line)
        if m:
            first = _MARK_RE.search(line, m.end())
            if first:
                into[0][first.group()] += 1


_NUMERALS = "一二三四五六七八九十"
#: How Chinese documents number their parts; a short corpus does not show every number.
NUMBERING: tuple[str, ...] = tuple(
    form.format(n) for n in _NUMERALS for form in ("（{}）", "{}、", "第{}条", "第{}章", "第{}部分")
) * 3

_WORD_RE = re.compile(rf"^[{_CJK}]{{2,}}$")

@lru_cache(maxsize=1)
def lexicon_words(min_freq: int = 50) -> tuple[str, ...]:
    """Common multi-character words (already Simplified) from the dictionary jieba ships.

    A word appears once per doubling of its frequency past ``min_freq``, so frequent
    words weigh more.
    """
    # jieba is a project dependency; find its dictionary without paying for its import
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        return ()
    path = Path(spec.origin).parent / "dict.txt"
    words = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            word, freq, _ = line.split(" ", 2)
            if int(freq) >= min_freq and _WORD_RE.match(word):
                # a common word counts a few times more than a rare one (东部 over 质部)
                words.extend([word] * max(1, int(math.log2(int(freq) / min_freq))))
    return tuple(words)


@lru_cache(maxsize=1)
def default_lm() -> CharLM:
    """The model of the bundled corpus (its counts ship with the package), built once per process."""
    return CharLM.from_counts(CorpusCounts.bundled())
