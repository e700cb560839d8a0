"""Raw file -> ``Document``: read, normalize, read the header, split provisions, extract.

Each step adds its own layer to the document; this module only runs them in order and
reconciles what the text says with what the manifest says (the manifest wins where it has a
value, the text fills what it leaves empty, and every disagreement is recorded).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from tqdm import tqdm

from common.errors import PolicyKGError
from ingest import agencies, extract
from ingest.manifest import Entry, read_manifest
from ingest.metadata import Header, doc_type, read_header
from ingest.model import Agency, Document, Metadata, Provision
from ingest.normalize import normalize
from ingest.reader import MAX_BYTES_DEFAULT, decode, read_file
from ingest.script import to_simplified
from ingest.structure import parse_provisions


def doc_id_for(path: str) -> str:
    """A stable slug from the file name: lower-case ASCII letters, digits and hyphens."""
    stem = Path(path).stem.lower()
    slug = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")
    return slug or "document"


def parse_file(path: Path, *, meta: Entry | None = None, corpus_dir: Path | None = None,
               max_bytes: int = MAX_BYTES_DEFAULT) -> Document:
    raw, encoding = read_file(path, max_bytes=max_bytes)
    rel = str(path.relative_to(corpus_dir)) if corpus_dir and path.is_relative_to(corpus_dir) else str(path)
    return parse_text(raw, path=rel, encoding=encoding, meta=meta)


def parse_bytes(data: bytes, *, name: str, meta: Entry | None = None, max_bytes: int = MAX_BYTES_DEFAULT) -> Document:
    raw, encoding = decode(data, name=name, max_bytes=max_bytes)
    return parse_text(raw, path=name, encoding=encoding, meta=meta)


def parse_text(raw: str, *, path: str, encoding: str = "utf-8", meta: Entry | None = None,
               doc_id: str | None = None) -> Document:
    norm = normalize(raw)
    text = norm.text
    head = read_header(text)
    metadata, conflicts = _reconcile(head, meta, path)
    doc = Document(
        id=doc_id or doc_id_for(path),
        path=path,
        raw_text=raw,
        text=text,
        origin=norm.origin,
        encoding=encoding,
        metadata=metadata,
        repairs=norm.repairs,
        conflicts=conflicts,
    )
    doc.provisions = parse_provisions(text, head.body_start, head.body_end)
    preamble_end = doc.provisions[0].start if doc.provisions else head.body_end
    preamble_end = text.rfind("\n", head.body_start, preamble_end) if doc.provisions else preamble_end
    if preamble_end > head.body_start:
        doc.preamble = (head.body_start, preamble_end)
        doc.citations = list(extract.citations(text[head.body_start : preamble_end], head.body_start))
    doc.agencies = list(_document_agencies(doc, head))
    region = metadata.region if metadata.region and metadata.region != "全国" else None
    for prov in doc.provisions:
        _extract_into(prov, region=region)
    return doc


def _extract_into(prov: Provision, *, region: str | None) -> None:
    prov.citations = list(extract.citations(prov.text, prov.start))
    prov.targets = list(extract.targets(prov.text, prov.start))
    prov.actions = list(extract.actions(prov.text, prov.start))
    found = list(agencies.responsibility_clauses(prov.text, prov.start, region=region))
    taken = {(a.start, a.end) for a in found}
    for sentence in re.finditer(r"[^。；\n]+", prov.text):
        for a in agencies.known_mentions(sentence.group()[:16], prov.start + sentence.start(), role="responsible"):
            if (a.start, a.end) not in taken:
                found.append(a)
    prov.agencies = found


def _document_agencies(doc: Document, head: Header) -> Iterator[Agency]:
    text = doc.text
    for (start, end) in head.issuer_spans:
        yield Agency(agencies.canonical(text[start:end]), "issuer", text[start:end], start, end)
    if not head.issuer_spans:
        for name in doc.metadata.issuers:
            pos = text.find(name)
            yield Agency(agencies.canonical(name), "issuer", name, max(pos, 0), max(pos, 0) + len(name) if pos >= 0 else 0)
    if head.addressee_span:
        cursor = head.addressee_span[0]
        for name in head.addressees:
            pos = text.find(name, cursor)
            cursor = pos + len(name)
            yield Agency(agencies.canonical(name), "addressee", name, pos, pos + len(name))


def _agree(a: str, b: str) -> bool:
    """Equal, or one is a fuller form of the other (a title without its issuer prefix)."""
    def key(s: str) -> str:
        return re.sub(r"[\s“”\"《》（）()〔〕\[\]—–\-·]", "", to_simplified(s))
    ka, kb = key(a), key(b)
    return ka in kb or kb in ka


def _reconcile(head: Header, meta: Entry | None, path: str) -> tuple[Metadata, list[str]]:
    """Manifest wins where it has a value; the text fills gaps; disagreements are reported."""
    meta = meta or Entry(file=path)
    conflicts: list[str] = []

    def pick(field: str, from_text: str | None, from_manifest: str) -> str | None:
        more_precise = field == "date" and bool(from_text and from_manifest) and from_text.startswith(from_manifest)
        if from_manifest and from_text and not more_precise and not _agree(from_text, from_manifest):
            conflicts.append(f"{field}: text says {from_text!r}, manifest says {from_manifest!r}")
        if more_precise:
            return from_text  # the text is more precise (2023-04-14 vs 2023-04)
        return from_manifest or from_text

    text_issuers = [agencies.canonical(i) for i in head.issuers]
    manifest_issuers = meta.issuers
    if text_issuers and manifest_issuers and not {_key(i) for i in text_issuers} <= {_key(i) for i in manifest_issuers}:
        conflicts.append(f"issuers: text says {text_issuers}, manifest says {manifest_issuers}")
    level = meta.level or _guess_level(text_issuers)
    metadata = Metadata(
        title=pick("title", head.title, meta.title),
        doc_number=pick("doc_number", head.doc_number, meta.clean_doc_number),
        issuers=manifest_issuers or text_issuers,
        addressees=head.addressees,
        date=pick("date", head.date, meta.date),
        doc_type=head.doc_type or doc_type(meta.title or None),
        level=level,  # type: ignore[arg-type]
        region=meta.region or ("全国" if level == "national" else None),
        partial=meta.partial,
        source=meta.source or None,
    )
    return metadata, conflicts


def _key(name: str) -> str:
    return agencies.canonical(re.sub(r"[（(].*?[）)]", "", name)).strip()


def _guess_level(issuers: list[str]) -> str | None:
    if not issuers:
        return None
    if any("市" in i for i in issuers):
        return "municipal"
    if any("省" in i or "自治区" in i for i in issuers):
        return "provincial"
    return "national"


def load_corpus(corpus_dir: Path, *, progress: bool = False,
                on_error: Callable[[str, PolicyKGError], None] | None = None) -> list[Document]:
    """Parse every document the manifest lists, in manifest order.

    A file that cannot be read (empty, binary, too large) stops the run unless ``on_error`` is
    given: then it hears of the file and the rest is parsed.
    """
    entries = read_manifest(corpus_dir)
    docs = []
    for entry in tqdm(entries, desc="parsing", unit="doc", disable=not progress):
        try:
            docs.append(parse_file(corpus_dir / entry.file, meta=entry, corpus_dir=corpus_dir))
        except PolicyKGError as e:
            if on_error is None:
                raise
            on_error(entry.file, e)
    return docs
