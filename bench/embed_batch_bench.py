"""Ingest embedding by batch shape: batches capped at ``--chars`` characters of padded width
against plain batches of 16, on units of an ingested corpus, in turns, in one process.

    .venv/bin/python bench/embed_batch_bench.py --data /tmp/real --rounds 3

A seeded sample of the data directory's distinct unit texts keeps the corpus's mix of provisions
and action labels. Each round embeds the sample once each way (the order alternating); the figure
is the median per-round ratio of CPU seconds (all threads of the process), printed with wall
seconds, the load average and the cosine between the two ways' vectors (the int8 model quantizes
activations per batch, so a text's vector moves slightly with its batch).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from search import unit_records  # noqa: E402
from search.embedder import Embedder  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="an ingested data directory")
    ap.add_argument("--model-data", type=Path, default=Path(os.environ.get("POLICYKG_MODEL_CACHE", "data")))
    ap.add_argument("--sample", type=int, default=1500)
    ap.add_argument("--chars", type=int, default=512)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    units, _ = unit_records.load(args.data / "index")
    texts = list(dict.fromkeys(u.text for u in units))
    sample = random.Random(11).sample(texts, min(args.sample, len(texts)))
    embedder = Embedder(args.model_data)
    embedder.embed_passages(["预热"] * 4)
    ways = {"batches of 16": 10**9, f"<= {args.chars} chars": args.chars}
    got: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    vectors: dict[str, np.ndarray] = {}
    for r in range(args.rounds):
        for name in (list(ways) if r % 2 == 0 else list(ways)[::-1]):
            embedder.batch_chars = ways[name]
            cpu, wall = time.process_time(), time.perf_counter()
            vectors[name] = embedder.embed_passages(sample)
            got[name].append((time.process_time() - cpu, time.perf_counter() - wall))
    base, new = got["batches of 16"], got[f"<= {args.chars} chars"]
    print(f"{len(sample)} distinct unit texts of {args.data}, {args.rounds} rounds, load average "
          f"{os.getloadavg()[0]:.1f}")
    for name, runs in got.items():
        print(f"{name:<16} cpu {statistics.median(c for c, _ in runs):6.2f} s   wall {statistics.median(w for _, w in runs):6.2f} s")
    print(f"cpu ratio {statistics.median(a[0] / b[0] for a, b in zip(new, base, strict=True)):.3f}, "
          f"wall ratio {statistics.median(a[1] / b[1] for a, b in zip(new, base, strict=True)):.3f}")
    cos = (vectors["batches of 16"] * vectors[f"<= {args.chars} chars"]).sum(1)
    print(f"cosine between the two: min {cos.min():.4f}, median {np.median(cos):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
