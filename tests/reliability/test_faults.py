"""Faults: ``policykg ingest`` killed at random points, an unwritable data directory, two writers.

The CLI runs as a subprocess with ``--data`` in a temporary folder and a tiny embedding model
built here (one BERT layer of width 16 over a character vocabulary), so that a whole ingest,
index included, takes seconds. Each document write is one transaction, so after any kill every
document must be exactly as before or exactly as after, never in between.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.service import Service
from common.settings import Settings
from graph.store import GraphStore

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus"
POLICYKG = Path(sys.executable).parent / "policykg"
SEED = 20261121
KILLS = 5
pytestmark = pytest.mark.timeout(900)  # module fixtures ingest through real processes (tiny model, snapshots)
FILES = [  # a small but real slice of the corpus: national and local, with citations
    "national/2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi.txt",
    "national/2022-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi.txt",
    "national/yinran-hangye-guifan-tiaojian-2023.txt",
    "provincial/jiangsu-fangzhi-fuzhuang-gaozhiliang-fazhan-ruogan-zhengce-cuoshi-2022.txt",
    "municipal/guangzhou-shishang-chanye-jiqun-gaozhiliang-fazhan-sannian-xingdong-jihua-2022.txt",
    "provincial/zhejiang-cujin-fangzhi-chanye-gaozhiliang-fazhan-shishi-yijian-2023.txt",
]
ADDED = "\n五、监督检查\n各地要加强监督检查，确保各项任务落实到位。\n"

Snapshot = dict[str, frozenset[str]]  # document id -> its graph as a set of N-Triples lines


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sentence-transformers folder small enough to embed the slice in well under a second."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    root = tmp_path_factory.mktemp("tiny-model")
    chars = sorted({c for p in CORPUS.rglob("*.txt") for c in p.read_text(encoding="utf-8")})
    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, **{c: i + 4 for i, c in enumerate(chars)}}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split("", behavior="isolated")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=1,
                        intermediate_size=32, max_position_embeddings=128)
    BertModel(config).save_pretrained(root / "hf")
    PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                            sep_token="[SEP]").save_pretrained(root / "hf")
    model = SentenceTransformer(modules=[Transformer(str(root / "hf"), max_seq_length=128),
                                         Pooling(16, pooling_mode="mean")])
    model.save(str(root / "st"))
    return root / "st"


@pytest.fixture(scope="module")
def texts(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], list[Path]]:
    """``before``: five documents; ``after``: the same five, three of them changed, plus a sixth."""
    root = tmp_path_factory.mktemp("texts")
    before, after = [], []
    for i, rel in enumerate(FILES):
        text = (CORPUS / rel).read_text(encoding="utf-8")
        name = Path(rel).name
        if i < 5:
            (root / "before").mkdir(exist_ok=True)
            (root / "before" / name).write_text(text, encoding="utf-8")
            before.append(root / "before" / name)
        (root / "after").mkdir(exist_ok=True)
        (root / "after" / name).write_text(text + (ADDED if i % 2 == 0 else ""), encoding="utf-8")
        after.append(root / "after" / name)
    return before, after


def _settings(data: Path, model: Path) -> Settings:
    return Settings(data=data, model=str(model))


def _ingest_in_process(data: Path, model: Path, files: list[Path], *, index: bool) -> None:
    svc = Service(_settings(data, model))
    try:
        svc.ingest(svc.parse_paths(files))
        if index:
            svc.index()
    finally:
        svc.close()


@pytest.fixture(scope="module")
def before_data(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path,
                texts: tuple[list[Path], list[Path]]) -> Path:
    """A data directory with the ``before`` documents ingested and indexed."""
    data = tmp_path_factory.mktemp("before") / "data"
    _ingest_in_process(data, tiny_model, texts[0], index=True)
    return data


@pytest.fixture(scope="module")
def after_snapshot(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path, before_data: Path,
                   texts: tuple[list[Path], list[Path]]) -> Snapshot:
    """What a clean ``policykg ingest`` of the ``after`` documents over ``before`` leaves."""
    data = tmp_path_factory.mktemp("after") / "data"
    shutil.copytree(before_data, data)
    _ingest_in_process(data, tiny_model, texts[1], index=False)
    return snapshot(data)


@pytest.fixture(scope="module")
def before_snapshot(before_data: Path) -> Snapshot:
    return snapshot(before_data)


def snapshot(data: Path) -> Snapshot:
    """Every document graph of the store in ``data``, read through a read-only handle."""
    store = GraphStore(data, read_only=True)
    try:
        out = {}
        for doc_id in store.documents():
            quads = store.export_quads(doc_id)
            out[doc_id] = frozenset(f"{q.subject} {q.predicate} {q.object}" for q in quads)
        return out
    finally:
        store.close()


def cli(*args: str, model: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "POLICYKG_MODEL": str(model), "TQDM_DISABLE": "1", "NO_COLOR": "1"}
    return subprocess.Popen([str(POLICYKG), *args], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _dir_bytes(path: Path) -> int:
    try:
        return sum(e.stat().st_size for e in os.scandir(path) if e.is_file())
    except FileNotFoundError:
        return 0


def assert_each_document_before_or_after(state: Snapshot, before: Snapshot, after: Snapshot) -> int:
    """Every document fully as before or fully as after; returns how many are as after."""
    assert set(state) <= set(before) | set(after), set(state) - set(before) - set(after)
    assert set(before) <= set(state), f"documents lost: {set(before) - set(state)}"
    done = 0
    for doc_id, triples in state.items():
        if doc_id in after and triples == after[doc_id]:
            done += 1
        else:
            assert doc_id in before and triples == before[doc_id], (
                f"{doc_id} is half written: {len(triples)} triples, before {len(before.get(doc_id, ()))}, "
                f"after {len(after[doc_id])}")
    return done


def assert_index_consistent_or_stale(data: Path) -> bool:
    """A saved index either matches the graph or is detected as stale (never half-readable)."""
    from search.dense import IndexMismatchError, IndexNotFoundError
    from search.from_graph import index_token
    from search.hybrid import HybridIndex

    store = GraphStore(data, read_only=True)
    try:
        state = index_token(store.content_versions(), store.ontology_version())
    finally:
        store.close()
    try:
        HybridIndex.load(data / "index", graph_state=state)
    except (IndexNotFoundError, IndexMismatchError):
        return False
    return True


@pytest.fixture
def fresh(tmp_path: Path, before_data: Path) -> Iterator[Path]:
    data = tmp_path / "data"
    shutil.copytree(before_data, data)
    yield data


# ---------------------------------------------------------------- kills


@pytest.mark.timeout(1500)  # KILLS ingest processes killed after up to 30 s each, then a full re-run
def test_sigkill_at_random_points_leaves_each_document_before_or_after_and_a_rerun_finishes(
        tmp_path: Path, tiny_model: Path, before_data: Path, before_snapshot: Snapshot,
        after_snapshot: Snapshot, texts: tuple[list[Path], list[Path]]) -> None:
    rng = random.Random(SEED)
    files = [str(p) for p in texts[1]]
    store_dir = before_data / "oxigraph"
    base = _dir_bytes(store_dir)
    outcomes = []
    for k in range(KILLS):
        data = tmp_path / f"kill-{k}"
        shutil.copytree(before_data, data)
        # half the kills at a random time, half once the store has taken a random share of the writes
        by_time = k % 2 == 0
        delay, grow = rng.uniform(3.0, 12.0), rng.randint(1, 200_000)
        proc = cli("ingest", "--data", str(data), *files, model=tiny_model)
        start = time.monotonic()
        while proc.poll() is None:
            elapsed = time.monotonic() - start
            if (by_time and elapsed >= delay) or (not by_time and _dir_bytes(data / "oxigraph") - base >= grow) \
                    or elapsed > 30:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
        proc.communicate()
        done = assert_each_document_before_or_after(snapshot(data), before_snapshot, after_snapshot)
        assert_index_consistent_or_stale(data)
        GraphStore(data).close()  # the store opens for writing again: the lock died with the process
        outcomes.append((k, "time" if by_time else "bytes", proc.returncode, done))
    print("kill outcomes (run, trigger, returncode, documents as after):", outcomes)
    # re-running finishes the job: every document as after, the index in step with the graph
    data = tmp_path / f"kill-{KILLS - 1}"
    proc = cli("ingest", "--data", str(data), *files, model=tiny_model)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert snapshot(data) == after_snapshot
    assert assert_index_consistent_or_stale(data)


# ---------------------------------------------------------------- unwritable data directory


def test_data_directory_under_a_file_fails_with_one_line_and_exit_2(
        tmp_path: Path, tiny_model: Path, texts: tuple[list[Path], list[Path]]) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("keep me", encoding="utf-8")
    proc = cli("ingest", "--data", str(blocker / "data"), str(texts[1][0]), model=tiny_model)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert str(blocker) in lines[0] and "POLICYKG_DATA" in lines[0], lines[0]
    assert blocker.read_text(encoding="utf-8") == "keep me"


def _bind_read_only(path: Path) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    ok = subprocess.run(["mount", "--bind", str(path), str(path)], capture_output=True).returncode == 0
    if ok and subprocess.run(["mount", "-o", "remount,bind,ro", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", str(path)], check=False)
        return False
    return ok


def test_read_only_data_directory_fails_clearly_and_keeps_the_previous_state(
        fresh: Path, tiny_model: Path, before_snapshot: Snapshot, texts: tuple[list[Path], list[Path]]) -> None:
    if not _bind_read_only(fresh):
        pytest.skip("needs root and mount (a read-only bind mount stands in for chmod 500 when root)")
    try:
        proc = cli("ingest", "--data", str(fresh), *map(str, texts[1]), model=tiny_model)
        _out, err = proc.communicate(timeout=120)
    finally:
        subprocess.run(["umount", str(fresh)], check=True)
    assert proc.returncode == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(fresh) in lines[0], err
    assert snapshot(fresh) == before_snapshot


# ---------------------------------------------------------------- two writers


def test_a_second_writer_is_refused_clearly_and_changes_nothing(
        fresh: Path, tiny_model: Path, before_snapshot: Snapshot, texts: tuple[list[Path], list[Path]]) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from graph.store import GraphStore; "
         "s = GraphStore(Path(sys.argv[1])); print('ready', flush=True); time.sleep(120)", str(fresh)],
        cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        proc = cli("ingest", "--data", str(fresh), *map(str, texts[1]), model=tiny_model)
        _out, err = proc.communicate(timeout=120)
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "in use by another process" in lines[0] and "Wait for it" in lines[0], err
    assert snapshot(fresh) == before_snapshot


def test_two_ingests_at_once_serialise_or_one_is_refused_and_the_result_is_whole(
        fresh: Path, tiny_model: Path, after_snapshot: Snapshot, texts: tuple[list[Path], list[Path]]) -> None:
    files = [str(p) for p in texts[1]]
    procs = [cli("ingest", "--data", str(fresh), *files, model=tiny_model) for _ in range(2)]
    results = [(p.wait(timeout=120), p.communicate()[1]) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 2]), results
    for code, err in results:
        if code == 2:
            assert "in use by another process" in err, err
    assert snapshot(fresh) == after_snapshot
    assert assert_index_consistent_or_stale(fresh)
