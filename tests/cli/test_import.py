"""``policykg ingest`` on tables and folders: what went in, what did not and why, the exit code."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTICE = ROOT / "corpus/national/2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi.txt"


def policykg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600, env={**os.environ, **(env or {})})


def test_nothing_readable_exits_2_with_every_reason(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "table.csv").write_text("标题,正文\n甲,\n", encoding="utf-8")
    run = policykg("ingest", str(folder), "--data", str(tmp_path / "data"))
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert f"skipped: {folder / 'empty.txt'} is empty." in run.stderr
    assert f"skipped: {folder / 'table.csv'}, row 2: the text cell is empty." in run.stderr
    assert "ingested 0 documents" in run.stdout
    assert "Nothing was ingested" in run.stderr


def test_unknown_text_column_names_the_columns(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text(f"标题,正文\n甲,{NOTICE.read_text(encoding='utf-8')[:300]}\n", encoding="utf-8")
    run = policykg("ingest", str(table), "--text-col", "Policy Content", "--data", str(tmp_path / "data"))
    assert run.returncode == 2
    assert "has no column 'Policy Content'" in run.stderr and "'标题', '正文'" in run.stderr


@pytest.mark.slow
def test_a_table_with_a_bad_row_goes_in_and_is_searchable(tmp_path: Path, model_path: Path) -> None:
    table = tmp_path / "policies.csv"
    with table.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["id", "Policy Content", "Release Time"], ["bad", "", "2023-04-14"],
                                 ["good", NOTICE.read_text(encoding="utf-8"), "2023-04-14"]])
    data = tmp_path / "data"
    run = policykg("ingest", str(table), "--data", str(data), env={"POLICYKG_MODEL": str(model_path)})
    assert run.returncode == 0, run.stderr
    assert "ingested 1 documents" in run.stdout and "1 files or rows skipped" in run.stdout
    assert f"skipped: {table}, row 2: the text cell is empty." in run.stderr
    stats = policykg("stats", "--json", "--data", str(data))
    assert '"documents": 1' in stats.stdout
