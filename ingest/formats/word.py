"""Word .docx -> text: paragraphs and table rows in document order (python-docx)."""

from __future__ import annotations

from pathlib import Path

from common.errors import InputError
from ingest.formats.archive import check_zip
from ingest.formats.records import checked
from ingest.reader import MAX_BYTES_DEFAULT, read_bytes


def read(path: Path, *, max_bytes: int = MAX_BYTES_DEFAULT) -> tuple[str, str]:
    """``(text, "docx")``: one line per paragraph, one line per table row with its cells tab-separated.

    Headers, footers and text boxes are left out: they hold page furniture, not the policy.
    """
    import docx
    from docx.table import Table

    read_bytes(path, max_bytes=max_bytes)  # the size check, with its message
    check_zip(path, max_bytes=max_bytes, kind=".docx")
    try:
        document = docx.Document(str(path))
    except Exception as e:  # python-docx raises KeyError, ValueError, lxml errors for damaged packages
        raise InputError(f"{path} is not a readable .docx file ({type(e).__name__}: {e}).",
                         hint="Open it in Word or LibreOffice and save it again as .docx.") from e
    lines = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:  # a merged cell comes back once per grid column it spans
                    text = cell.text.strip()
                    if text and (not cells or cells[-1] != text):
                        cells.append(text)
                if cells:
                    lines.append("\t".join(cells))
        else:
            lines.append(block.text)
    return checked("\n".join(lines), str(path)), "docx"
