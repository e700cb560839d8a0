"""One query's dense scan: float32 ``flat`` against float16 ``flat16``, on a saved index's vectors.

    .venv/bin/python bench/dense_bench.py --data /tmp/real

Both indexes are built from the same vectors and asked the same queries (stored vectors of
seeded random rows, one at a time, 300 candidates as a search fetches them), taking turns;
prints ms a query for each and the ratio, and how much of each top 300 the two share.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from search.dense import DenseIndex


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="a data directory with a search index")
    ap.add_argument("--queries", type=int, default=300)
    args = ap.parse_args()
    saved = DenseIndex.load(args.data / "index" / "dense")
    vectors = saved.vectors()
    kinds = {k: DenseIndex.build(saved.iris, vectors, model="bench", graph_state="bench", kind=k)
             for k in ("flat", "flat16")}
    rows = np.random.default_rng(7).choice(len(vectors), args.queries, replace=False)
    spent = dict.fromkeys(kinds, 0.0)
    overlap = []
    for row in rows:
        found = {}
        for kind, index in kinds.items():
            t0 = time.perf_counter()
            found[kind] = index.search(vectors[row], 300)
            spent[kind] += time.perf_counter() - t0
        overlap.append(len({r for r, _ in found["flat"]} & {r for r, _ in found["flat16"]}) / 300)
    ms = {k: v / len(rows) * 1e3 for k, v in spent.items()}
    print(f"{len(vectors)} vectors x {vectors.shape[1]}: flat {ms['flat']:.2f} ms, flat16 {ms['flat16']:.2f} ms "
          f"a query ({ms['flat16'] / ms['flat']:.2f}x); top 300 shared: mean {np.mean(overlap):.3f}, "
          f"min {np.min(overlap):.3f}")


if __name__ == "__main__":
    main()
