"""PDF -> text with pdfminer.six (its CMaps read CJK fonts that are not embedded, e.g. STSong)."""

from __future__ import annotations

import logging
from pathlib import Path

from common.errors import InputError
from ingest.formats.records import checked
from ingest.reader import MAX_BYTES_DEFAULT, read_bytes

logging.getLogger("pdfminer").setLevel(logging.ERROR)  # it warns on every odd font; we report per file


def read(path: Path, *, max_bytes: int = MAX_BYTES_DEFAULT) -> tuple[str, str]:
    """``(text, "pdf")``; pages are separated by form feeds. Hard line breaks stay: normalization
    deals with them and the raw text keeps them for the offset map."""
    import io

    from pdfminer.high_level import extract_text
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psexceptions import PSException

    data = read_bytes(path, max_bytes=max_bytes)
    try:
        text = extract_text(io.BytesIO(data))
    except (PDFEncryptionError, PDFPasswordIncorrect) as e:
        raise InputError(f"{path} is an encrypted PDF.", hint="Save an unprotected copy and import that.") from e
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as e:
        raise InputError(f"{path} is not a readable PDF ({type(e).__name__}: {e}).",
                         hint="Check that the file is complete; re-export it from the original.") from e
    return checked(text, str(path), what="text layer (a scan? run OCR first)"), "pdf"
