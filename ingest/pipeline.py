"""Raw file -> ``Document``: a named list of steps, each adding its own layer.

Like a spaCy pipeline, one document flows through small callables ``Document -> Document``
(normalize, header, provisions, citations, targets, actions, agencies); each declares the
layers it needs and the layers it adds, and :class:`Pipeline` checks once that every need is
met by an earlier step. The document starts with the raw text and what the manifest knows;
the header step reconciles that with what the text says (the manifest wins where it has a
value, the text fills what it leaves empty, and every disagreement is recorded). Progress goes
to a callback, so a command line can draw bars and a library caller stays quiet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from common.errors import PolicyKGError
from ingest import agencies, extract, targets
from ingest.manifest import Entry, read_manifest
from ingest.metadata import Header, doc_type, read_header
from ingest.model import Agency, Document, Metadata
from ingest.normalize import normalize
from ingest.reader import MAX_BYTES_DEFAULT, decode, read_file
from ingest.script import to_simplified
from ingest.structure import parse_provisions
from ingest.title_inference import add_inferred_title
from ontology.regions import region_within

#: ``progress(stage, done, total)``, called after each unit of work of ``stage``.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Step:
    """One named component: ``run`` adds the layers ``assigns`` and reads only ``requires``.

    Layers are :class:`Document` fields, or ``provisions.<field>`` for one field of every
    provision.
    """

    name: str
    run: Callable[[Document], Document]
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ()


class Pipeline:
    """Steps in order; refuses an order in which a step needs a layer no earlier step adds."""

    def __init__(self, steps: tuple[Step, ...]) -> None:
        have = {"raw_text", "metadata"}  # what a new document starts with (see :func:`new_document`)
        for step in steps:
            missing = [layer for layer in step.requires if layer not in have]
            if missing:
                raise PolicyKGError(f"Ingest step {step.name!r} needs {', '.join(missing)}, which no step before it adds.",
                                    hint="Put the steps that add them first.")
            have.update(step.assigns)
        self.steps = steps

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.steps]

    def __call__(self, doc: Document, *, progress: Progress | None = None) -> Document:
        for done, step in enumerate(self.steps, 1):
            doc = step.run(doc)
            if progress is not None:
                progress(step.name, done, len(self.steps))
        return doc


def doc_id_for(path: str) -> str:
    """A stable slug from the file name: lower-case ASCII letters, digits and hyphens."""
    stem = Path(path).stem.lower()
    slug = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")
    return slug or "document"


def new_document(raw: str, *, path: str, encoding: str = "utf-8", meta: Entry | None = None,
                 doc_id: str | None = None) -> Document:
    """A document before any step: the raw text (as its own text, for now) and the manifest's facts."""
    meta = meta or Entry(file=path)
    known = Metadata(
        title=meta.title or None,
        doc_number=meta.clean_doc_number or None,
        issuers=meta.issuers,
        date=meta.date or None,
        doc_type=doc_type(meta.title or None),
        level=meta.level or None,  # type: ignore[arg-type]
        region=meta.region or None,
        partial=meta.partial,
        source=meta.source or None,
    )
    return Document(id=doc_id or doc_id_for(path), path=path, raw_text=raw, text=raw,
                    origin=list(range(len(raw) + 1)), encoding=encoding, metadata=known)


def normalize_text(doc: Document) -> Document:
    """Clean Simplified text with its map back to the raw text, and the repairs made."""
    norm = normalize(doc.raw_text)
    doc.text, doc.origin, doc.repairs = norm.text, norm.origin, norm.repairs
    return doc


def read_document_header(doc: Document) -> Document:
    """Title, 文号, date, issuers and addressees from the text, reconciled with the manifest."""
    head = read_header(doc.text)
    doc.metadata, doc.conflicts = _reconcile(head, doc.metadata)
    doc.body = (head.body_start, head.body_end)
    doc.agencies = list(_document_agencies(doc, head))
    return doc


def split_provisions(doc: Document) -> Document:
    """The numbered provision tree of the body, and the preamble before its first provision."""
    body_start, body_end = doc.body or (0, len(doc.text))
    doc.provisions = parse_provisions(doc.text, body_start, body_end)
    preamble_end = doc.text.rfind("\n", body_start, doc.provisions[0].start) if doc.provisions else body_end
    doc.preamble = (body_start, preamble_end) if preamble_end > body_start else None
    return doc


def find_citations(doc: Document) -> Document:
    """Explicit references to other documents, in the preamble and in every provision."""
    if doc.preamble:
        start, end = doc.preamble
        doc.citations = list(extract.citations(doc.text[start:end], start))
    for prov in doc.provisions:
        prov.citations = list(extract.citations(prov.text, prov.start))
    return doc


def find_targets(doc: Document) -> Document:
    """Quantified targets; a deadline set in a section (到2025年 in 主要目标) dates the sub-sections
    under it, and status sections (发展现状) have none."""
    for prov, scope in targets.section_scopes(doc.provisions):
        prov.targets = [] if scope == targets.PAST else list(extract.targets(prov.text, prov.start, scope=scope))
    return doc


def find_actions(doc: Document) -> Document:
    for prov in doc.provisions:
        prov.actions = list(extract.actions(prov.text, prov.start))
    return doc


def find_responsible_agencies(doc: Document) -> Document:
    """Lead, co-operating and responsible units of each provision, and agencies that open a sentence."""
    region = doc.metadata.region if doc.metadata.region and doc.metadata.region != "全国" else None
    for prov in doc.provisions:
        found = list(agencies.responsibility_clauses(prov.text, prov.start, region=region))
        taken = {(a.start, a.end) for a in found}
        for sentence in re.finditer(r"[^。；\n]+", prov.text):
            for a in agencies.known_mentions(sentence.group()[:16], prov.start + sentence.start(), role="responsible"):
                if (a.start, a.end) not in taken:
                    found.append(a)
        prov.agencies = found
    return doc


PIPELINE = Pipeline((
    Step("normalize", normalize_text, requires=("raw_text",), assigns=("text", "origin", "repairs")),
    Step("header", read_document_header, requires=("text", "metadata"),
         assigns=("metadata", "conflicts", "body", "agencies")),
    Step("title", add_inferred_title, requires=("text", "metadata", "body"), assigns=("metadata",)),
    Step("provisions", split_provisions, requires=("text", "body"), assigns=("provisions", "preamble")),
    Step("citations", find_citations, requires=("provisions", "preamble"),
         assigns=("citations", "provisions.citations")),
    Step("targets", find_targets, requires=("provisions",), assigns=("provisions.targets",)),
    Step("actions", find_actions, requires=("provisions",), assigns=("provisions.actions",)),
    Step("agencies", find_responsible_agencies, requires=("provisions", "metadata"),
         assigns=("provisions.agencies",)),
))


def parse_text(raw: str, *, path: str, encoding: str = "utf-8", meta: Entry | None = None,
               doc_id: str | None = None, pipeline: Pipeline = PIPELINE,
               progress: Progress | None = None) -> Document:
    """Run ``pipeline`` over a decoded text; ``progress`` hears of each step."""
    doc = new_document(raw, path=path, encoding=encoding, meta=meta, doc_id=doc_id)
    return pipeline(doc, progress=progress)


def parse_file(path: Path, *, meta: Entry | None = None, corpus_dir: Path | None = None,
               max_bytes: int = MAX_BYTES_DEFAULT) -> Document:
    raw, encoding = read_file(path, max_bytes=max_bytes)
    rel = str(path.relative_to(corpus_dir)) if corpus_dir and path.is_relative_to(corpus_dir) else str(path)
    return parse_text(raw, path=rel, encoding=encoding, meta=meta)


def parse_bytes(data: bytes, *, name: str, meta: Entry | None = None, max_bytes: int = MAX_BYTES_DEFAULT) -> Document:
    raw, encoding = decode(data, name=name, max_bytes=max_bytes)
    return parse_text(raw, path=name, encoding=encoding, meta=meta)


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


def _reconcile(head: Header, known: Metadata) -> tuple[Metadata, list[str]]:
    """Manifest (``known``) wins where it has a value; the text fills gaps; disagreements are reported."""
    conflicts: list[str] = []

    def pick(field: str, from_text: str | None, from_manifest: str | None) -> str | None:
        more_precise = field == "date" and bool(from_text and from_manifest) and from_text.startswith(from_manifest)
        if from_manifest and from_text and not more_precise and not _agree(from_text, from_manifest):
            conflicts.append(f"{field}: text says {from_text!r}, manifest says {from_manifest!r}")
        if more_precise:
            return from_text  # the text is more precise (2023-04-14 vs 2023-04)
        return from_manifest or from_text

    text_issuers = [agencies.canonical(i) for i in head.issuers]
    manifest_issuers = known.issuers
    if text_issuers and manifest_issuers and not {_key(i) for i in text_issuers} <= {_key(i) for i in manifest_issuers}:
        conflicts.append(f"issuers: text says {text_issuers}, manifest says {manifest_issuers}")
    place = head.place
    for name, from_text, from_manifest in (("level", place and place.level, known.level),
                                           ("region", place and place.region_name, known.region)):
        if from_text and from_manifest and not _same_place(name, from_text, from_manifest):
            conflicts.append(f"{name}: text says {from_text!r}, manifest says {from_manifest!r}")
    level = known.level or (place.level if place else None)
    metadata = Metadata(
        title=pick("title", head.title, known.title),
        doc_number=pick("doc_number", head.doc_number, known.doc_number),
        issuers=manifest_issuers or text_issuers,
        addressees=head.addressees,
        date=pick("date", head.date, known.date),
        doc_type=head.doc_type or known.doc_type,
        level=level,  # type: ignore[arg-type]
        region=known.region or ("全国" if level == "national" else (place.region_name if place else None)),
        partial=known.partial,
        source=known.source,
    )
    manifest_values = {"title": known.title, "doc_number": known.doc_number, "date": known.date,
                       "level": known.level, "region": known.region}
    spans = {**head.spans, **({"level": place.evidence[0][:2], "region": place.evidence[0][:2]}
                              if place and place.evidence else {})}
    if head.issuer_spans:
        spans["issuers"] = head.issuer_spans[0]
    # where each stored value came from: the manifest (or upload form), a span of the text, or the
    # default when the text shows no local issuer (national)
    chosen = {**{k: getattr(metadata, k) for k in manifest_values}, "issuers": metadata.issuers}
    given = {**manifest_values, "issuers": manifest_issuers}
    metadata.origin = {k: "manifest" if given[k] and given[k] == value else "text" if k in spans else "default"
                       for k, value in chosen.items() if value}
    metadata.evidence = {k: span for k, span in spans.items() if metadata.origin.get(k) == "text"}
    if place and place.evidence:
        metadata.evidence_note = {k: place.evidence[0][2] for k in ("level", "region") if metadata.origin.get(k) == "text"}
    return metadata, conflicts


def _same_place(field: str, from_text: str, from_manifest: str) -> bool:
    """Levels must be equal; a region agrees when one lies within the other (山东省济南市, 山东省)."""
    if field == "level":
        return from_text == from_manifest
    return region_within(from_text, from_manifest) or region_within(from_manifest, from_text)


def _key(name: str) -> str:
    return agencies.canonical(re.sub(r"[（(].*?[）)]", "", name)).strip()


def load_corpus(corpus_dir: Path, *, progress: Progress | None = None,
                on_document: Callable[[Document], None] | None = None) -> list[Document]:
    """Parse every document the manifest lists, in manifest order; ``progress`` hears of each
    document as stage ``parsing``, ``on_document`` gets it as soon as it is parsed."""
    entries = read_manifest(corpus_dir)
    docs = []
    for done, entry in enumerate(entries, 1):
        docs.append(parse_file(corpus_dir / entry.file, meta=entry, corpus_dir=corpus_dir))
        if on_document is not None:
            on_document(docs[-1])
        if progress is not None:
            progress("parsing", done, len(entries))
    return docs
