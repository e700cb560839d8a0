"""The command line as a user runs it: real processes, real corpus, exit codes and messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from api.service import Service

ROOT = Path(__file__).resolve().parents[2]
NOTICE_FILE = ROOT / "corpus/national/2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi.txt"


def policykg(*args: str, data: Path | None = None) -> subprocess.CompletedProcess[str]:
    extra = ["--data", str(data)] if data is not None else []
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args, *extra], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


def test_normalize_prints_clean_text_and_reports_repairs() -> None:
    run = policykg("normalize", str(NOTICE_FILE))
    assert run.returncode == 0
    assert "（一）聚焦高端化智能化绿色化，加快产业体系升级发展。" in run.stdout
    assert "工业（yè）" not in run.stdout and "業" not in run.stdout
    assert "encoding: utf-8" in run.stderr
    assert "pinyin glosses stripped: 269" in run.stderr
    assert "characters left damaged (marked □): 3" in run.stderr


def test_parse_json_has_metadata_and_provision_tree() -> None:
    run = policykg("parse", str(NOTICE_FILE), "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["metadata"]["doc_number"] == "工信厅联消费函〔2023〕87号"
    paths = [p["path"] for p in doc["provisions"]]
    assert ["二", "（五）"] in paths and ["三", "（三）"] in paths
    first = next(p for p in doc["provisions"] if p["path"] == ["二", "（一）"])
    assert first["heading"] == "聚焦高端化智能化绿色化，加快产业体系升级发展"
    assert any(a["verb"] == "推进" and a["object"] == "废旧纺织品循环利用" for a in first["actions"])


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "is empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "looks binary")],
)
def test_bad_files_give_one_line_and_exit_2(tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    run = policykg("parse", str(bad))
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_a_setting_it_cannot_take_gives_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYKG_RUNTIME", "tensorrt")
    run = policykg("stats", data=tmp_path / "data")
    assert run.returncode == 2
    assert "POLICYKG_RUNTIME='tensorrt'" in run.stderr and "'onnx-int8', 'openvino', 'onnx' or 'torch'" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("command", [["link"], ["remove", "some-doc"], ["search", "纺织"], ["stats"]])
def test_commands_on_a_folder_without_a_store_say_so_and_create_nothing(tmp_path: Path, command: list[str],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A mistyped --data must not leave an empty store behind (link and remove created one), nor a
    model built there (search began loading the model, into the data folder, before the store)."""
    monkeypatch.delenv("POLICYKG_MODEL_CACHE", raising=False)  # the model's default home is the data folder
    missing = tmp_path / "no-such-data"
    run = policykg(*command, data=missing)
    assert run.returncode == 2
    assert f'No graph store in {missing}; run "policykg ingest" first' in run.stderr
    assert not missing.exists()


@pytest.mark.slow
def test_read_commands_on_the_linked_store(linked_service: Service) -> None:
    data = Path(linked_service.settings.data)
    stats = json.loads(policykg("stats", "--json", data=data).stdout)
    assert stats["documents"] == 17 and stats["counts"]["alignments"] > 0
    found = policykg("search", "纺织服装优供给促升级", "-k", "3", data=data)  # ends without the teardown
    assert found.returncode == 0, found.stderr
    first = found.stdout.splitlines()[0]
    assert first.startswith(" 1.") and "纺织服装" in first and "优供给促升级" in first
    tasks = policykg("sparql", "@document-tasks", "-p",
                     "docId=2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi", "--format", "csv", data=data)
    assert tasks.returncode == 0, tasks.stderr
    assert "聚焦高端化智能化绿色化，加快产业体系升级发展" in tasks.stdout
    bad = policykg("sparql", "SELECT ?x WHERE { ?x ", data=data)
    assert bad.returncode == 2 and "SPARQL syntax error" in bad.stderr
    update = policykg("sparql", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", data=data)
    assert update.returncode == 2 and "only reads" in update.stderr
    valid = policykg("validate", data=data)
    assert valid.returncode == 0, valid.stdout
    ttl = policykg("export", "--format", "ttl", "--graph", "links", data=data)
    assert ttl.returncode == 0
    assert len(list(ox.parse(ttl.stdout.encode(), format=ox.RdfFormat.TURTLE))) > 0


class _Ctx:
    """The part of a typer context ``service_for`` reads: the root's global options."""

    def __init__(self) -> None:
        self.obj: dict = {}

    def find_root(self) -> _Ctx:
        return self


def test_bulk_commands_run_each_pass_on_one_thread_unless_told(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from api.cli_base import service_for

    monkeypatch.delenv("POLICYKG_MODEL_THREADS", raising=False)
    assert service_for(_Ctx(), tmp_path / "a", bulk=True).settings.model_threads == 1  # type: ignore[arg-type]
    assert service_for(_Ctx(), tmp_path / "b").settings.model_threads is None  # type: ignore[arg-type]
    monkeypatch.setenv("POLICYKG_MODEL_THREADS", "2")
    assert service_for(_Ctx(), tmp_path / "c", bulk=True).settings.model_threads == 2  # type: ignore[arg-type]
