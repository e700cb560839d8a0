"""Scale benchmark: the real corpus as a new user meets it, every step a fresh ``policykg`` process.

Steps: ``ingest DIR`` (parse, graph, index), ``link``, a cold ``search`` (new process, model
load included), ``serve`` until ``/health`` answers, and adding one document (``ingest FILE``
then ``link``, which links incrementally; then, the document removed and linked again, the same
document as an API upload to a running server), each with its wall time and the peak RSS of its
process. The baseline is the
bundled corpus, measured in the same run: the cold search ratio real/bundled is the figure that
says whether start-up still depends on corpus size.

Growth: the same steps at x1, x3 (x10 with ``--scales 1,3,10``) of the corpus, the documents
replicated under new ids, and the exponent of each cost fitted on log-log (1.0 = linear). The
copies have the same texts, so their vectors and tokens come from the unit cache: the growth run
measures everything but embedding new text; the x1 run measures embedding.

Phases (``--phases``): where one ``ingest`` of the corpus spends its time, in one process, step by
step as ``policykg ingest`` runs them: parse, SHACL check, graph writes, the unit index (of which
embedding) and the document index. ``--cache DIR`` starts from a copy of a data directory's
``index-cache`` (vectors kept by text hash), so the run measures everything but embedding.

The machine is shared with other workers: the output prints the load average with the figures.

    .venv/bin/python bench/scale_bench.py                       # real corpus x1, x3
    .venv/bin/python bench/scale_bench.py --quick                   # a 20-document slice, x1 and x3
    .venv/bin/python bench/scale_bench.py --phases              # ingest of the real corpus, phase by phase
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "realcorpus"
QUERY = "推动人工智能与实体经济深度融合"
API_KEY = "scale-bench"


def cli(data: Path, *args: str) -> tuple[float, float]:
    """Run ``policykg ARGS --data DATA`` in a new process: (wall seconds, peak RSS in MB)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", *args, "--data", str(data)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"policykg {' '.join(args)} failed: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024


def serve_ready(data: Path) -> float:
    """Seconds from starting ``policykg serve`` until ``/health`` answers."""
    with serving(data) as (_port, ready):
        return ready


def upload_one(data: Path, path: Path) -> float:
    """Seconds an API upload of ``path`` takes on a running, warm server (ingest, index, incremental link)."""
    with serving(data, api_key=API_KEY) as (port, _ready):
        httpx.get(f"http://127.0.0.1:{port}/search", params={"q": QUERY}, timeout=600).raise_for_status()
        start = time.perf_counter()
        r = httpx.post(f"http://127.0.0.1:{port}/documents", headers={"X-API-Key": API_KEY}, timeout=600,
                       files={"file": (path.name, path.read_bytes(), "text/plain")})
        if r.status_code != 201:
            raise SystemExit(f"upload of {path.name} failed: {r.status_code} {r.text[:500]}")
        return time.perf_counter() - start


@contextmanager
def serving(data: Path, *, api_key: str | None = None) -> Iterator[tuple[int, float]]:
    """A ``policykg serve`` on a free port: (port, seconds until ``/health`` answered)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT), **({"POLICYKG_API_KEY": api_key} if api_key else {})}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--data", str(data), "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ready = float("nan")
    try:
        while time.perf_counter() - start < 600:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=60) as r:
                    if r.status == 200:
                        ready = time.perf_counter() - start
                        break
            except OSError:
                time.sleep(0.2)
        yield port, ready
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def corpus_copy(source: Path, target: Path, *, times: int, limit: int | None) -> tuple[Path, Path]:
    """``source``'s documents (the first ``limit``) ``times`` over under new ids in ``target``,
    minus the last one, which is returned as the document to add afterwards."""
    entries = tomllib.loads((source / "manifest.toml").read_text(encoding="utf-8"))["document"][:limit]
    lines: list[str] = []
    extra: Path | None = None
    for copy in range(times):
        for entry in entries:
            src = source / entry["file"]
            rel = Path(f"x{copy}") / Path(entry["file"]).parent / f"{src.stem}-x{copy}{src.suffix}"
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target / rel)
            if copy == times - 1 and entry is entries[-1]:
                extra = target / rel
                continue
            fields = {**entry, "file": str(rel)}
            lines.append("[[document]]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in fields.items()))
    (target / "manifest.toml").write_text("\n".join(lines), encoding="utf-8")
    assert extra is not None
    return target, extra


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def run(corpus: Path, extra: Path | None, work: Path) -> dict[str, float]:
    data = work / "data"
    data.mkdir(parents=True)
    (data / "models").symlink_to(Path(os.environ["POLICYKG_MODEL_CACHE"]) / "models")  # the prebuilt model
    out: dict[str, float] = {}
    out["ingest_s"], out["ingest_rss_mb"] = cli(data, "ingest", str(corpus))
    out["link_s"], out["link_rss_mb"] = cli(data, "link")
    out["cold_search_s"], out["search_rss_mb"] = cli(data, "search", QUERY, "--json")
    out["serve_ready_s"] = serve_ready(data)
    if extra is not None:
        out["add_one_ingest_s"], _ = cli(data, "ingest", str(extra))
        out["add_one_link_s"], _ = cli(data, "link")
        out["add_one_s"] = out["add_one_ingest_s"] + out["add_one_link_s"]
        cli(data, "remove", extra.stem)
        cli(data, "link")
        out["add_one_upload_s"] = upload_one(data, extra)  # the same document again, over HTTP
    return out


def phases(corpus: Path, work: Path, cache: Path | None) -> None:
    """Time each step of one ingest of ``corpus`` in this process (see the module docstring)."""
    sys.path.insert(0, str(ROOT))
    from api.service import Service
    from common.settings import Settings
    from graph.validate import check_document

    data = work / "data"
    data.mkdir(parents=True)
    if cache is not None:
        shutil.copytree(cache / "index-cache", data / "index-cache")
    svc = Service(Settings(data=data, model_cache=Path(os.environ["POLICYKG_MODEL_CACHE"])))
    out: dict[str, float] = {}

    def step(name: str, run):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        value = run()
        out[name] = time.perf_counter() - start
        print(f"  {name:<16} {out[name]:7.1f} s   (load {os.getloadavg()[0]:.1f})", flush=True)
        return value

    embedder = step("model load", lambda: svc.embedder)
    embedding = {"s": 0.0, "texts": 0}
    real = embedder.embed_passages

    def timed(texts, *, progress=False):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        vectors = real(texts, progress=progress)
        embedding["s"] += time.perf_counter() - start
        embedding["texts"] += len(texts)
        return vectors

    embedder.embed_passages = timed  # type: ignore[method-assign]
    docs = step("parse", lambda: svc.parse_corpus(corpus))
    step("shacl check", lambda: [check_document(d, iris=svc.store.iris) for d in docs])
    step("graph writes", lambda: svc.store.ingest(docs))
    index = step("unit index", svc.index)
    units_embedding = dict(embedding)
    step("document index", lambda: svc.document_index(index))
    svc.close()
    print(f"  of the unit index: embedding {units_embedding['s']:.1f} s for {units_embedding['texts']} new texts; "
          f"of the document index: {embedding['s'] - units_embedding['s']:.1f} s for "
          f"{embedding['texts'] - units_embedding['texts']} profiles")
    print(f"  total {sum(out.values()):.1f} s for {len(docs)} documents, {len(index)} units")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=REAL)
    ap.add_argument("--limit", type=int, default=None, help="only the first N documents of the corpus")
    ap.add_argument("--scales", default="1,3", help="growth factors, e.g. 1,3,10")
    ap.add_argument("--quick", action="store_true", help="a 20-document slice (same as --limit 20)")
    ap.add_argument("--phases", action="store_true", help="one ingest of --corpus, timed step by step")
    ap.add_argument("--cache", type=Path, default=None,
                    help="with --phases: a data directory whose index-cache (unit vectors) to start from")
    args = ap.parse_args()
    if args.quick and args.limit is None:
        args.limit = 20
    if "POLICYKG_MODEL_CACHE" not in os.environ:
        raise SystemExit("Set POLICYKG_MODEL_CACHE to the folder holding the prebuilt model (models/).")
    scales = [int(s) for s in args.scales.split(",")]
    print(f"load average at start: {os.getloadavg()} on {os.cpu_count()} cores (shared machine)")
    if args.phases:
        with tempfile.TemporaryDirectory(prefix="ingest-phases-") as tmp:
            phases(args.corpus, Path(tmp), args.cache)
        return
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp:
        base = run(ROOT / "corpus", None, Path(tmp) / "bundled")
        print(f"bundled corpus (baseline): {_fmt(base)}")
        results: dict[int, dict[str, float]] = {}
        for k in scales:
            work = Path(tmp) / f"x{k}"
            corpus, extra = corpus_copy(args.corpus, work / "corpus", times=k, limit=args.limit)
            results[k] = run(corpus, extra, work)
            print(f"x{k}: {_fmt(results[k])}")
            print(f"x{k}: cold search {results[k]['cold_search_s'] / base['cold_search_s']:.2f}x the bundled corpus's")
            shutil.rmtree(work, ignore_errors=True)
    if len(scales) > 1:
        lo, hi = scales[0], scales[-1]
        for key in ("ingest_s", "link_s", "cold_search_s", "serve_ready_s", "add_one_s", "add_one_upload_s",
                    "ingest_rss_mb"):
            a, b = results[lo].get(key), results[hi].get(key)
            if a and b:
                print(f"growth exponent {key}: {math.log(b / a) / math.log(hi / lo):.2f} (x{lo} -> x{hi})")
    print(f"load average at end: {os.getloadavg()}")


def _fmt(figures: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1f}" for k, v in figures.items())


if __name__ == "__main__":
    main()
