"""Passage embedding at ingest: CPU and wall seconds of today's batching against the new, same run.

    .venv/bin/python bench/passage_bench.py --units D/index/units.jsonl            # 3,000 distinct units
    .venv/bin/python bench/passage_bench.py --units D/index/units.jsonl --limit 0  # every distinct unit

The texts are the distinct unit texts of an ingested store (``units.jsonl`` of its index: what
``policykg ingest`` embeds), a seeded sample of ``--limit`` of them. Each setting embeds them with a
fresh ``Embedder`` (ONNX int8) in this process, in turn, ``--rounds`` times (A B A B ...), so the ratios
come from the same minutes of a shared machine; CPU seconds (every thread of the process) move far
less with the load than wall seconds. Settings:

* ``before``: every text read to 512 tokens, batches of 16 texts of similar length, one pass at a time
  (the embedder until session 5);
* ``after``: batches capped at 1,024 padded tokens, two passes at a time (the default);
* ``cut256``: the same, texts cut at 256 tokens (measured and not kept:
  ``docs/decisions/2026-12-01-passage-batches.md``).

Each row gives units/s and the cosine of its vectors to ``before`` (min / mean; int8 quantizes
activations per batch, so other batches alone move a vector a little).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from search.embedder import DEFAULT_MODEL, Embedder  # noqa: E402

SETTINGS: dict[str, dict[str, object]] = {
    "before": {"max_tokens": None, "batch_tokens": 10**9, "workers": 1},
    "after": {},
    "cut256": {"max_tokens": 256},
}


def load_avg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} CPUs"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=Path, required=True, help="units.jsonl of an ingested store's index")
    ap.add_argument("--limit", type=int, default=3000, help="seeded sample of this many distinct texts (0: all)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("POLICYKG_MODEL_CACHE", "data")),
                    help="where built models live (default $POLICYKG_MODEL_CACHE or ./data)")
    args = ap.parse_args(argv)

    with args.units.open(encoding="utf-8") as f:
        texts = list(dict.fromkeys(json.loads(line)["text"] for line in f))
    if args.limit and args.limit < len(texts):
        texts = random.Random(0).sample(texts, args.limit)
    print(f"{len(texts)} distinct unit texts of {args.units} (mean {np.mean([len(t) for t in texts]):.0f} chars)")
    print(load_avg(), flush=True)
    embedders = {name: Embedder(args.data, DEFAULT_MODEL, **kw) for name, kw in SETTINGS.items()}  # type: ignore[arg-type]
    cpu: dict[str, list[float]] = {name: [] for name in SETTINGS}
    wall: dict[str, list[float]] = {name: [] for name in SETTINGS}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(args.rounds):
        for name, embedder in embedders.items():
            embedder.embed_passages(texts[:32])  # session and tokenizer loaded before the clock starts
            c, w = time.process_time(), time.perf_counter()
            vectors[name] = embedder.embed_passages(texts)
            cpu[name].append(time.process_time() - c)
            wall[name].append(time.perf_counter() - w)
            print(f"  {name:<8} {embedder.model_name}: cpu {cpu[name][-1]:6.1f} s  wall {wall[name][-1]:6.1f} s",
                  flush=True)
    base_cpu, base_wall = statistics.median(cpu["before"]), statistics.median(wall["before"])
    print(f"{'setting':<8} {'units/s':>8} {'units/cpu-s':>12} {'cpu x':>6} {'wall x':>7}  cosine to before")
    for name in SETTINGS:
        c, w = statistics.median(cpu[name]), statistics.median(wall[name])
        cos = (vectors[name] * vectors["before"]).sum(1)
        print(f"{name:<8} {len(texts) / w:8.1f} {len(texts) / c:12.1f} {c / base_cpu:6.2f} {w / base_wall:7.2f}  "
              f"min {cos.min():.4f} mean {cos.mean():.4f}")
    print(load_avg())
    return 0


if __name__ == "__main__":
    sys.exit(main())
