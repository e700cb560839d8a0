"""Tables: one document per row, columns found by header or named, bad rows reported, others in."""

from __future__ import annotations

import csv
import json
import os
from datetime import datetime
from pathlib import Path

import pytest

from common.errors import InputError
from ingest.formats import columns
from ingest.formats.importer import Import
from ingest.formats.records import summarize

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
NOTICE = CORPUS / "national" / "2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi.txt"
PLAN = CORPUS / "provincial" / "zhejiang-cujin-fangzhi-chanye-gaozhiliang-fazhan-shishi-yijian-2023.txt"
REAL_XLSX = (Path(os.environ.get("POLICYKG_REAL_CORPUS") or Path(__file__).resolve().parents[3] / "shared" / "realcorpus")
             / "policies-data.xlsx")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_xlsx_rows_become_documents_with_their_metadata(tmp_path: Path) -> None:
    """Chinese metadata columns are used; English ones (a dataset's translations) are noted, not used."""
    path = _workbook(tmp_path / "Policies Data.xlsx", {
        "国家": [["序号", "标题", "发布日期", "发文机关", "层级", "正文"],
                 [1, "关于开展2023年纺织服装优供给促升级活动的通知", datetime(2023, 4, 14), "工业和信息化部办公厅、商务部办公厅",
                  "国家级", _text(NOTICE)]],
        "Zhejiang": [["No.", "Release Time", "Policy Title", "Policy Release Department", "Policy Content"],
                     [1, "2023/5/6", "Implementation Opinions on Textiles", "Zhejiang Economy Department", _text(PLAN)]],
    })
    job = Import([path])
    docs = {d.id: d for d in job.documents()}
    assert set(docs) == {"policies-data-guo-jia-2", "policies-data-zhejiang-2"}
    national = docs["policies-data-guo-jia-2"].metadata
    assert (national.title, national.date, national.level) == (
        "关于开展2023年纺织服装优供给促升级活动的通知", "2023-04-14", "national")
    assert national.issuers == ["工业和信息化部办公厅", "商务部办公厅"]
    zhejiang = docs["policies-data-zhejiang-2"]
    assert zhejiang.metadata.date == "2023-05-06"
    assert zhejiang.metadata.title and "Textiles" not in zhejiang.metadata.title  # read from the text
    assert zhejiang.raw_text == _text(PLAN)  # the cell, unchanged, for the offset map
    assert not any(p.skipped for p in job.problems)
    assert summarize(job.problems) == [
        f"note: {path}, sheet 'Zhejiang', row 2: 'Policy Title' is not in Chinese; not used as the title",
        f"note: {path}, sheet 'Zhejiang', row 2: 'Policy Release Department' is not in Chinese; not used as the issuer",
    ]


def test_bad_rows_are_reported_with_their_row_and_the_rest_goes_in(tmp_path: Path) -> None:
    junk = "".join(chr(c) for c in range(1, 32) if chr(c) not in "\n\r\t\f") * 10 + "某"
    rows = [["编号", "内容"], ["n1", _text(NOTICE)], ["n2", ""], ["n3", junk], ["n4", "Only English here."],
            ["n5", "政策" * 60_000], ["n6", _text(PLAN)]]
    path = tmp_path / "policies.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    job = Import([path], max_bytes=200_000)
    assert [d.id for d in job.documents()] == ["n1", "n6"]
    reasons = {p.row: p.reason for p in job.problems}
    assert set(reasons) == {3, 4, 5, 6}
    assert reasons[3] == "the text cell is empty."
    assert "looks binary" in reasons[4]
    assert "no Chinese characters" in reasons[5]
    assert "360,000 bytes, over the limit of 200,000" in reasons[6]
    assert all(p.skipped and p.where == str(path) for p in job.problems)


def test_gbk_csv_with_semicolons_and_explicit_columns(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    lines = ["文件名;全文;地区", f"甲;{_text(PLAN)[:600].replace(chr(10), ' ')};浙江省"]
    path.write_bytes("\n".join(lines).encode("gb18030"))
    job = Import([path], columns={"text": "全文", "title": "文件名", "region": "地区"})
    (doc,) = job.documents()
    assert (doc.metadata.title, doc.metadata.region) == ("甲", "浙江省")
    assert doc.encoding == "csv cell"


def test_jsonl_objects_by_key_and_broken_lines(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    records = [json.dumps({"id": "a", "content": _text(NOTICE), "issuer": ["工业和信息化部办公厅", "商务部办公厅"]},
                          ensure_ascii=False), "{not json", json.dumps(["a list"]), "",
               json.dumps({"id": "b", "content": _text(PLAN)}, ensure_ascii=False)]
    path.write_text("\n".join(records), encoding="utf-8")
    job = Import([path])
    docs = list(job.documents())
    assert [d.id for d in docs] == ["a", "b"]
    assert docs[0].metadata.issuers == ["工业和信息化部办公厅", "商务部办公厅"]
    assert [(p.row, p.reason.split(" (")[0]) for p in job.problems] == [(2, "not valid JSON"), (3, "not a JSON object.")]


def test_a_repeated_id_is_reported_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["id", "正文"], ["x", _text(NOTICE)], ["x", _text(PLAN)]])
    job = Import([path])
    assert [d.raw_text for d in job.documents()] == [_text(NOTICE)]
    assert job.problems[0].where.endswith("row 3") and "already taken" in job.problems[0].reason


def test_a_missing_named_column_stops_that_table_only(tmp_path: Path) -> None:
    table = tmp_path / "a.csv"
    table.write_text("标题,正文\n甲,某某\n", encoding="utf-8")
    text = tmp_path / "notice.txt"
    text.write_text(_text(NOTICE), encoding="utf-8")
    job = Import([table, text], columns={"text": "Policy Content"})
    assert [d.id for d in job.documents()] == ["notice"]
    (problem,) = job.problems
    assert "no column 'Policy Content'" in problem.reason and "'标题', '正文'" in problem.reason


@pytest.mark.parametrize(
    ("headers", "expected"),
    [(["No.", "Release Time", "Policy Source", "Release Department", "Policy Title", "Policy Content"],
      {"date": 1, "source": 2, "issuer": 3, "title": 4, "text": 5}),
     (["序号", "政策标题", "发文字号", "发布日期", "发文机关", "正文"],
      {"title": 1, "doc_number": 2, "date": 3, "issuer": 4, "text": 5}),
     (["ID", "Title", "Text", "Level", "Region"], {"id": 0, "title": 1, "text": 2, "level": 3, "region": 4})],
)
def test_common_headers_are_recognised(headers: list[str], expected: dict[str, int]) -> None:
    assert columns.resolve(headers, {}, [], where="t") == expected


def test_unnamed_text_column_is_the_one_with_the_most_chinese() -> None:
    sample = [["a1", _text(NOTICE)[:400], "2023"], ["a2", _text(PLAN)[:400], "2024"]]
    assert columns.resolve(["c1", "c2", "c3"], {}, sample, where="t")["text"] == 1
    with pytest.raises(InputError, match="no column looks like the document text"):
        columns.resolve(["c1", "c3"], {}, [["a1", "2023"]], where="t")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(datetime(2022, 3, 10, 0, 0), "2022-03-10"), ("2013-08-21 00:00:00", "2013-08-21"), ("2022/3/10", "2022-03-10"),
     ("2022年3月10日", "2022-03-10"), ("2022年3月", "2022-03"), ("2022", "2022"), ("2022-13-01", None),
     ("三月", None), ("12345", None)],
)
def test_dates_in_the_usual_spellings(value: object, expected: str | None) -> None:
    assert columns.iso_date(value) == expected


def test_mapping_file_is_checked(tmp_path: Path) -> None:
    good = tmp_path / "cols.toml"
    good.write_text('[columns]\ntext = "Policy Content"\ntitle = "标题"\n', encoding="utf-8")
    assert columns.read_mapping(good) == {"text": "Policy Content", "title": "标题"}
    bad = tmp_path / "bad.toml"
    bad.write_text('body = "正文"\n', encoding="utf-8")
    with pytest.raises(InputError, match="body"):
        columns.read_mapping(bad)


@pytest.mark.skipif(not REAL_XLSX.is_file(), reason="the real corpus is not beside the repository")
def test_the_original_real_corpus_spreadsheet_reads_in_full() -> None:
    job = Import([REAL_XLSX])
    records = list(job.records())
    assert len(records) == 197 and len({r.doc_id for r in records}) == 197
    assert not job.problems
    assert all(r.meta is not None and r.meta.date and r.meta.source for r in records)
    assert all(r.meta is not None and not r.meta.title and not r.meta.issuer for r in records)  # English only


def test_a_caption_above_the_header_is_not_taken_for_it(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "汇总.xlsx", {"Sheet1": [["2023年纺织政策文件汇总"], [], ["标题", "正文"],
                                                        ["甲", _text(NOTICE)], ["乙", _text(PLAN)]]})
    job = Import([path])
    assert [(d.id, d.metadata.title) for d in job.documents()] == [("hui-zong-sheet1-4", "甲"), ("hui-zong-sheet1-5", "乙")]
    assert not job.problems
