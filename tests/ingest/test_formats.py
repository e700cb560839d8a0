"""Files in other formats than plain text: .docx, saved web pages, PDF; folders of them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from common.errors import InputError, TooLargeError
from ingest.formats import pdf, webpage, word
from ingest.formats.archive import check_zip
from ingest.formats.importer import Import
from ingest.formats.records import slug
from ingest.model import Document
from ingest.pipeline import parse_file

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
NOTICE = CORPUS / "national" / "2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi.txt"
PLAN = CORPUS / "provincial" / "zhejiang-cujin-fangzhi-chanye-gaozhiliang-fazhan-shishi-yijian-2023.txt"


def _lines(path: Path, n: int | None = None) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:n]


def _write_docx(path: Path, lines: list[str], table: list[list[str]] | None = None) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(lines[0], level=1)
    for line in lines[1:]:
        document.add_paragraph(line)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.sections[0].header.paragraphs[0].text = "页眉：不属于正文"
    document.save(str(path))
    return path


def test_docx_reads_paragraphs_and_table_rows_in_order_without_headers(tmp_path: Path) -> None:
    lines = _lines(PLAN, 12)
    path = _write_docx(tmp_path / "plan.docx", lines, table=[["任务", "牵头单位"], ["培育产业集群", "省经信厅"]])
    text, fmt = word.read(path)
    assert fmt == "docx"
    assert text.splitlines() == [*lines, "任务\t牵头单位", "培育产业集群\t省经信厅"]
    assert "页眉" not in text


def test_docx_parses_like_the_same_text_file(tmp_path: Path) -> None:
    """The document number, date and provision tree come out as from the plain text."""
    lines = _lines(NOTICE)
    path = _write_docx(tmp_path / "notice.docx", lines)
    doc = next(Import([path]).documents())
    expected = parse_file(NOTICE)
    assert doc.id == "notice"
    assert doc.raw_text == "\n".join(lines)
    assert doc.metadata.doc_number == expected.metadata.doc_number == "工信厅联消费函〔2023〕87号"
    assert doc.metadata.date == "2023-04-14"
    assert [p.path for p in doc.provisions] == [p.path for p in expected.provisions]


def test_web_page_gives_the_main_text_without_menus_or_footer(tmp_path: Path) -> None:
    lines = _lines(PLAN, 20)
    body = "".join(f"<p>{line}</p>" for line in lines[1:])
    page = (f'<html><head><meta charset="gb2312"><title>{lines[0]}_浙江省人民政府</title></head><body>'
            '<div class="nav"><a href="/">首页</a> | <a href="/zwgk">政务公开</a> | <a href="/zcwj">政策文件</a></div>'
            f'<div class="article"><h1>{lines[0]}</h1><div id="zoom">{body}</div></div>'
            '<div class="footer">主办单位：浙江省人民政府办公厅 网站标识码 3300000069 浙ICP备05009379号</div>'
            "<script>var tracker = '统计代码';</script></body></html>")
    path = tmp_path / "plan.html"
    path.write_bytes(page.encode("gb18030"))
    text, fmt = webpage.read(path)
    assert fmt == "html"
    for line in lines:
        assert line in text
    for junk in ("首页", "政务公开", "主办单位", "网站标识码", "统计代码"):
        assert junk not in text


def test_web_page_without_chinese_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "login.html"
    path.write_text("<html><body><form>Login <input name=user></form></body></html>", encoding="utf-8")
    with pytest.raises(InputError):
        webpage.read(path)


def _write_pdf(path: Path, lines: list[str]) -> Path:
    """A PDF in the font Chinese government PDFs often use without embedding it (STSong-Light)."""
    reportlab = pytest.importorskip("reportlab")  # dev dependency
    del reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page = canvas.Canvas(str(path))
    page.setFont("STSong-Light", 11)
    y = 800
    for line in lines:
        page.drawString(40, y, line)
        y -= 16
    page.showPage()
    page.save()
    return path


def test_pdf_text_layer_reads_back_chinese(tmp_path: Path) -> None:
    lines = [line[:40] for line in _lines(NOTICE, 6)]
    text, fmt = pdf.read(_write_pdf(tmp_path / "notice.pdf", lines))
    assert fmt == "pdf"
    assert [line for line in text.splitlines() if line.strip() and line != "\x0c"] == lines


def test_pdf_without_text_layer_is_refused_as_a_scan(tmp_path: Path) -> None:
    path = _write_pdf(tmp_path / "scan.pdf", [])
    with pytest.raises(InputError, match="no text layer"):
        pdf.read(path)


def test_truncated_pdf_is_refused_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "cut.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog")
    with pytest.raises(InputError, match=r"cut\.pdf"):
        pdf.read(path)


def test_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\0" * 3_000_000)
    with pytest.raises(TooLargeError, match="zip bomb"):
        check_zip(path, max_bytes=100_000, kind=".docx")


def test_folder_import_reads_every_format_and_reports_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    (folder / "notice.txt").write_text(NOTICE.read_text(encoding="utf-8"), encoding="utf-8")
    _write_docx(folder / "sub" / "plan.docx", _lines(PLAN, 30))
    (folder / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "photo.png").write_bytes(b"\x89PNG")
    (folder / ".hidden.txt").write_text("不应读取", encoding="utf-8")
    job = Import([folder])
    docs = list(job.documents())
    assert sorted(d.id for d in docs) == ["notice", "plan"]
    skipped = {Path(p.where).name: p.reason for p in job.problems if p.skipped}
    assert set(skipped) == {"empty.txt"}  # old.doc and photo.png are not documents: counted, not read
    assert "is empty" in skipped["empty.txt"]
    assert job.other_files == {".doc": 1, ".png": 1}


def test_an_old_word_file_named_explicitly_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    job = Import([path])
    assert list(job.documents()) == []
    assert "save it as .docx" in job.problems[0].reason


def test_two_files_with_one_name_are_not_merged(tmp_path: Path) -> None:
    (tmp_path / "notice.txt").write_text(NOTICE.read_text(encoding="utf-8"), encoding="utf-8")
    _write_docx(tmp_path / "notice.docx", _lines(NOTICE))
    job = Import([tmp_path])
    assert [d.path for d in job.documents()] == [str(tmp_path / "notice.docx")]
    assert "already taken" in job.problems[0].reason and job.problems[0].where.endswith("notice.txt")


def test_manifest_folder_gives_the_same_documents_as_the_corpus_loader(corpus_docs: dict[str, Document]) -> None:
    expected = corpus_docs
    job = Import([CORPUS])
    got = {d.id: d for d in job.documents()}
    assert not job.problems
    assert got.keys() == expected.keys()
    for doc_id, doc in got.items():
        assert (doc.path, doc.metadata) == (expected[doc_id].path, expected[doc_id].metadata)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("nat-001", "nat-001"), ("Policies Data", "policies-data"), ("关于印发智能制造行动计划的通知", None),
     ("山东省 Shandong 2023", "shan-dong-sheng-shandong-2023")],
)
def test_slugs_are_ascii_and_stable(name: str, expected: str | None) -> None:
    got = slug(name)
    assert got == slug(name) and got.isascii() and 0 < len(got) <= 80
    if expected is not None:
        assert got == expected
    else:  # long Chinese names: pinyin, cut, with a hash of the whole name
        assert got.startswith("guan-yu-yin-fa-zhi-neng") and got != slug(name + "2")


def test_docx_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fake.docx"
    path.write_bytes(b"not a zip")
    with pytest.raises(InputError, match=r"not a valid \.docx"):
        word.read(path)
