"""A saved web page -> its main text with trafilatura (menus, footers and scripts left out)."""

from __future__ import annotations

import logging
from pathlib import Path

from ingest.formats.records import checked
from ingest.reader import MAX_BYTES_DEFAULT, read_bytes

logging.getLogger("trafilatura").setLevel(logging.ERROR)


def read(path: Path, *, max_bytes: int = MAX_BYTES_DEFAULT) -> tuple[str, str]:
    """``(text, "html")``. trafilatura finds the encoding (BOM, ``<meta charset>``, detection)
    itself; tables are kept because policy annexes are often tables. The page's title (its
    ``<h1>``, or ``<title>`` without the site name) is put back on top when the main text left it
    out: the title of a policy document is the first thing its header reader looks for."""
    import trafilatura

    data = read_bytes(path, max_bytes=max_bytes)
    found = trafilatura.bare_extraction(data, include_tables=True, include_comments=False, include_images=False,
                                        include_links=False, with_metadata=True)
    text = (found.text or "") if found is not None else ""
    title = (found.title or "").strip() if found is not None else ""
    if title and text.strip() and title not in text[: len(title) + 200]:
        text = f"{title}\n{text}"
    return checked(text, str(path), what="main text that could be found"), "html"
