"""Search benchmark: embedding throughput, index build, memory, query latency, HNSW recall.

Why synthetic: embedding 100k texts with the real model takes ~20-30 minutes on 2 cores, so
the real model embeds a sample of real corpus sentences once (that measures throughput), and
the vectors for larger sizes are made by mixing two real embeddings and adding small noise,
then re-normalising. Texts for BM25 are recombined real sentence fragments. Query latency is
end to end (OpenCC, jieba, query embedding with the real model, both retrievers, fusion,
snippets). The output says all this.

    .venv/bin/python bench/search_bench.py --quick          # 1k and 10k units, ~2 minutes
    .venv/bin/python bench/search_bench.py                  # 1k, 10k and 100k units
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.normalize import normalize  # noqa: E402
from search.dense import DenseIndex  # noqa: E402
from search.embedder import DEFAULT_MODEL, Embedder  # noqa: E402
from search.hybrid import HybridIndex  # noqa: E402
from search.lexical import LexicalIndex  # noqa: E402
from search.units import Unit  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def corpus_sentences() -> list[str]:
    """Real sentences from corpus/**/*.txt, normalized (Simplified, repaired)."""
    out: list[str] = []
    for path in sorted((ROOT / "corpus").glob("**/*.txt")):
        text = normalize(path.read_text(encoding="utf-8", errors="replace")).text
        for s in re.split(r"(?<=[。；！？])|\n", text):
            s = s.strip()
            if 8 <= len(s) <= 300 and "□" not in s:
                out.append(s)
    return sorted(set(out))


def synth_texts(sentences: list[str], n: int, rng: np.random.Generator) -> list[str]:
    """``n`` texts made of 1-3 real clauses each, so BM25 sees realistic vocabulary."""
    clauses = [c for s in sentences for c in re.split(r"[，；]", s) if len(c) >= 4]
    out = []
    for i in range(n):
        parts = rng.choice(len(clauses), rng.integers(1, 4), replace=False)
        out.append("，".join(clauses[p] for p in parts) + f"（第{i}项）。")
    return out


def synth_vectors(real: np.ndarray, n: int, rng: np.random.Generator, noise: float = 0.02) -> np.ndarray:
    """Mix pairs of real embeddings and perturb: keeps the real vectors' narrow cosine band."""
    a = real[rng.integers(0, len(real), n)]
    b = real[rng.integers(0, len(real), n)]
    w = rng.uniform(0.5, 1.0, (n, 1)).astype(np.float32)
    v = w * a + (1 - w) * b + noise * rng.normal(size=a.shape).astype(np.float32)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(values, p))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1k and 10k units, fewer texts embedded")
    ap.add_argument("--sizes", type=int, nargs="*", help="unit counts (default 1000 10000 100000)")
    ap.add_argument("--embed", type=int, help="real texts to embed for throughput (default 512, quick 128)")
    ap.add_argument("--queries", type=int, default=50, help="queries for latency")
    ap.add_argument("--data-dir", type=Path, default=ROOT / "data", help="where the model is built/cached")
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = ap.parse_args()
    sizes = args.sizes or ([1000, 10000] if args.quick else [1000, 10000, 100000])
    n_embed = args.embed or (128 if args.quick else 512)
    rng = np.random.default_rng(0)

    import torch

    print(f"# search bench  sizes={sizes}  cores={torch.get_num_threads() if args.threads is None else args.threads}")
    t = time.perf_counter()
    sentences = corpus_sentences()
    print(f"corpus: {len(sentences)} real sentences ({time.perf_counter() - t:.1f}s to read and normalize)")

    t = time.perf_counter()
    # no query cache: the end-to-end loops repeat queries, and each must pay for its embedding
    embedder = Embedder(args.data_dir, args.model, threads=args.threads, query_cache=0)
    print(f"model: {args.model} dim={embedder.dim} load {time.perf_counter() - t:.1f}s  rss {rss_mb():.0f} MB")

    texts = synth_texts(sentences, max(sizes), rng)
    sample = sentences[:n_embed] + texts[: max(0, n_embed - len(sentences))]
    embedder.embed_passages(sample[:16])  # warm-up
    t = time.perf_counter()
    real = embedder.embed_passages(sample)
    dt = time.perf_counter() - t
    mean_len = np.mean([len(s) for s in sample])
    print(f"embedding throughput: {len(sample) / dt:.1f} sentences/s "
          f"({len(sample)} real/recombined texts, mean {mean_len:.0f} chars, batch {embedder.batch_size})")
    print("NOTE: vectors beyond these are synthetic (mix of two real embeddings + noise 0.02, renormalised)")

    queries = [s[: rng.integers(8, 30)] for s in rng.choice(sentences, args.queries, replace=False)]
    query_vecs = embedder.embed_queries(queries)
    t = time.perf_counter()
    for q in queries[:20]:
        embedder.embed_queries([q])
    print(f"single query embedding: {(time.perf_counter() - t) / 20 * 1000:.1f} ms")

    print()
    print("| units | index | build s | index MB | dense-only p50/p95 ms | end-to-end p50/p95 ms | recall@10 |")
    print("|---|---|---|---|---|---|---|")
    for n in sizes:
        vectors = np.concatenate([real, synth_vectors(real, max(0, n - len(real)), rng)])[:n]
        units = [
            Unit(f"urn:bench:{i}", texts[i], f"doc{i // 50}", f"文件{i // 50}", None,
                 ("national", "provincial", "municipal")[i % 3], ("全国", "广东省", "广东省广州市")[i % 3],
                 None, None, [str(i)], None, "provision")
            for i in range(n)
        ]
        iris = [u.iri for u in units]
        t = time.perf_counter()
        lexical = LexicalIndex.build(iris, texts[:n], graph_state="bench")
        lex_s = time.perf_counter() - t
        m = lexical.bm25.scores
        lex_mb = sum(a.nbytes for a in (m["data"], m["indices"], m["indptr"])) / 2**20
        print(f"| {n:,} | bm25 | {lex_s:.1f} | {lex_mb:.1f} | | | |")
        exact_top: list[set[int]] = []
        for kind in ("flat", "hnsw"):
            rss0 = rss_mb()
            t = time.perf_counter()
            dense = DenseIndex.build(iris, vectors, model=embedder.model_name, graph_state="bench", kind=kind)
            build_s = time.perf_counter() - t
            with tempfile.TemporaryDirectory() as tmp:
                dense.save(Path(tmp) / "d")
                size_mb = (Path(tmp) / "d" / "index.faiss").stat().st_size / 2**20
            dense_ms = []
            tops = []
            for qv in query_vecs:
                t = time.perf_counter()
                hits = dense.search(qv, 10)
                dense_ms.append((time.perf_counter() - t) * 1000)
                tops.append({r for r, _ in hits})
            if kind == "flat":
                exact_top = tops
                recall = "exact"
            else:
                recall = f"{np.mean([len(a & b) / 10 for a, b in zip(tops, exact_top, strict=True)]):.3f}"
            index = HybridIndex(units, dense, lexical, graph_state="bench", embedder=embedder)
            e2e_ms = []
            for q in queries:
                t = time.perf_counter()
                index.search(q, k=10)
                e2e_ms.append((time.perf_counter() - t) * 1000)
            print(f"| {n:,} | {kind} | {build_s:.1f} | {size_mb:.1f} (rss +{rss_mb() - rss0:.0f}) | "
                  f"{pct(dense_ms, 50):.2f} / {pct(dense_ms, 95):.2f} | {pct(e2e_ms, 50):.1f} / {pct(e2e_ms, 95):.1f} "
                  f"| {recall} |")
            del index, dense
    print(f"\nprocess rss at end: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
