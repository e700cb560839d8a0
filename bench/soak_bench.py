"""Soak: search clients while documents are removed, uploaded changed, removed and uploaded again
through the HTTP API, on a copy of an ingested and linked data directory (issue 14 item 4).

    policykg ingest --data /tmp/real ../shared/realcorpus && policykg link --data /tmp/real
    .venv/bin/python bench/soak_bench.py --data /tmp/real --corpus ../shared/realcorpus --docs 2

One uvicorn server (one worker, loopback) on a copy of ``--data`` (never written). First the
clients search alone for ``--baseline`` seconds; then, while they go on, one writer takes each of
``--docs`` documents of ``--corpus`` (a seeded pick; its manifest's metadata is sent with each
upload) through ``--cycles`` cycles of: remove, upload with one clause changed, remove, upload
the original, and checks after each write that search shows exactly the new state
(``tests/api/soak.py``). Every query is a distinct clause of the corpus texts. Printed: search
p50/p99/max alone and during the writes (and their ratio), every write's duration, errors, and
what search got wrong; the load average, since the machine may be shared. Exit 1 on any error.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import tomllib
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_bench import ROOT, Bench, load_avg, prepare_data, wait_ready

sys.path.insert(0, str(ROOT))
from tests.api.soak import Change, Soak, clauses, percentile, summary

KEY = "soak-bench-key"


def changes(corpus: Path, n: int) -> list[Change]:
    """``n`` documents of the corpus (seeded pick), each with a clause to change and its manifest metadata."""
    entries = tomllib.loads((corpus / "manifest.toml").read_text(encoding="utf-8"))["document"]
    random.Random(11).shuffle(entries)
    out: list[Change] = []
    for i, entry in enumerate(entries):
        path = corpus / entry["file"]
        other = corpus / entries[(i + 1) % len(entries)]["file"]
        form = {k: str(entry[k]) for k in ("title", "doc_number", "date", "level", "region", "issuer")
                if entry.get(k)}
        try:
            out.append(Change.of(path, other, form=form))
        except ValueError:
            continue
        if len(out) == n:
            break
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="an ingested and linked data directory (copied)")
    ap.add_argument("--corpus", type=Path, required=True, help="the corpus it was ingested from (with manifest.toml)")
    ap.add_argument("--docs", type=int, default=2, help="documents to write (default 2)")
    ap.add_argument("--cycles", type=int, default=1, help="cycles per document (default 1: four writes)")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--baseline", type=float, default=30, help="seconds of search alone first (default 30)")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="policykg-soak-"))
    bench = Bench(tmp)
    try:
        print(load_avg(), flush=True)
        data = prepare_data(args.data, tmp)
        env = {**os.environ, "POLICYKG_DATA": str(data), "POLICYKG_API_KEY": KEY}
        server = bench.start("soak", ["api.app:create_app", "--factory"], env, ROOT)
        wait_ready(server, "/health", 900)
        httpx.get(server.base + "/search", params={"q": "预热"}, timeout=300).raise_for_status()
        queries = [c for p in sorted(args.corpus.rglob("*.txt")) for c in clauses(p.read_text(encoding="utf-8"))]
        random.Random(7).shuffle(queries)
        soak = Soak(server.base, queries, KEY, clients=args.clients)
        soak.measure_baseline(args.baseline)
        todo = changes(args.corpus, args.docs)
        soak.run(todo, cycles=args.cycles, start_present=True)
        print(f"\n{args.clients} clients; documents {', '.join(c.doc_id for c in todo)}; {args.cycles} cycle(s)")
        print(f"search alone:        {summary(soak.baseline)}")
        print(f"search during writes: {summary(soak.writing)}")
        if soak.baseline and soak.writing:
            print(f"p99 during writes / alone: {percentile(soak.writing, .99) / percentile(soak.baseline, .99):.2f}x")
        for what, seconds in soak.writes:
            print(f"  {what}: {seconds:.1f} s")
        print(f"errors: {len(soak.errors)}", *soak.errors[:5], sep="\n  ")
        print(f"wrong after a write: {len(soak.problems)}", *soak.problems, sep="\n  ")
        print(load_avg())
        return 0 if not soak.errors and not soak.problems else 1
    finally:
        bench.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
