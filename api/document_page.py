"""The document page's reading aids: each metadata value beside where it came from, citations
marked in the text (linked when the cited document is in the store), and the words of a
side-by-side pair marked by what they are (agency, target, shared, evidence)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

FIELDS = (
    ("title", ("http://purl.org/dc/terms/title", "https://w3id.org/policykg/ns#inferredTitle")),
    ("number", ("http://data.europa.eu/eli/ontology#id_local",)),
    ("issuer", ("http://data.europa.eu/eli/ontology#passed_by",)),
    ("date", ("http://purl.org/dc/terms/issued",)),
    ("level", ("https://w3id.org/policykg/ns#level",)),
    ("region", ("http://data.europa.eu/eli/ontology#jurisdiction",)),
    ("type", ()),
)
"""The rows of the metadata table: the catalogue key of the label, and the properties whose
``pkg:FieldEvidence`` says where the value came from."""

NOTES = (("national issuer", "note_national_issuer"), ("issuer", "note_issuer"), ("文号 prefix", "note_prefix"),
         ("voice", "note_voice"))
"""The signals ingest names in ``pkg:evidenceNote`` (``ingest.jurisdiction``), longest first."""


def _as_list(value: Any) -> list[Any]:
    return [] if not value else value if isinstance(value, list) else [value]  # None or a template's Undefined


def _label(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get("prefLabel") or value.get("title") or value.get("@value") or value.get("@id")
    return str(value)


def metadata_rows(node: dict[str, Any], t: Callable[..., str]) -> list[dict[str, Any]]:
    """One row per field: ``value`` (None: the text does not state it) and its ``origin``
    (manifest | text | default | None when the store holds no record), ``evidence`` (the line or
    sentence of the text) and ``note`` (which signal, in the page's language)."""
    evidence = {_label(e.get("field")): e for e in _as_list(node.get("fieldEvidence"))}
    level = node.get("level")
    values = {
        "title": node.get("title") or node.get("inferredTitle"),
        "number": node.get("docNumber"),
        "issuer": "、".join(filter(None, (_label(a) for a in _as_list(node.get("passedBy"))))) or None,
        "date": _label(node.get("issued")),
        "level": t(level["@id"].rsplit("/", 1)[-1]) if isinstance(level, dict) else None,
        "region": _label(node.get("jurisdiction")),
        "type": _label(node.get("documentType")),
    }
    rows = []
    for key, props in FIELDS:
        found = next((evidence[p] for p in props if p in evidence), None)
        row = {"key": key, "value": values[key], "origin": None, "evidence": None, "note": None, "tracked": bool(props),
               "inferred": key == "title" and not node.get("title") and bool(node.get("inferredTitle"))}
        if found is not None and values[key]:
            row.update(origin=found.get("origin"), evidence=found.get("evidenceText"),
                       note=_note(found.get("evidenceNote"), t))
        rows.append(row)
    return rows


def _note(note: str | None, t: Callable[..., str]) -> dict[str, str] | None:
    """The signal in the page's language (``label``) and the words of the text it names (``words``)."""
    if not note:
        return None
    for prefix, key in NOTES:
        if note.startswith(prefix):
            return {"label": t(key), "words": note[len(prefix):].strip()}
    return {"label": "", "words": note}


def mark_citations(text: str | None, citations: Any, local: Callable[[str], str | None],
                   t: Callable[..., str]) -> Markup:
    """``text`` escaped, each citation's words (《…》, a 文号) marked: a link to the cited document's
    page when the store holds it, else marked "not in the store"."""
    text = text or ""
    spans: list[tuple[int, int, dict[str, Any]]] = []
    for cit in sorted(_as_list(citations), key=lambda c: c.get("evidenceStart", 0)):
        words = cit.get("evidenceText") or ""
        start = text.find(words, spans[-1][1] if spans else 0) if words else -1
        if start < 0 and words:
            start = text.find(words)
        if start >= 0 and not any(s < start + len(words) and start < e for s, e, _ in spans):
            spans.append((start, start + len(words), cit))
    out, cursor = Markup(""), 0
    for start, end, cit in sorted(spans, key=lambda s: s[0]):
        out += escape(text[cursor:start])
        words, target = text[start:end], cit.get("citedDocument")
        if target:
            out += Markup('<a class="cite resolved" href="{}" title="{}"><mark class="cite">{}</mark></a>').format(
                local(_label(target) or ""), t("cite_resolved"), words)
        else:
            out += Markup('<mark class="cite missing">{}</mark><small class="cite-missing">（{}）</small>').format(
                words, t("cite_missing"))
        cursor = end
    return out + escape(text[cursor:])


def mark_words(text: str | None, classes: dict[str, str]) -> Markup:
    """``text`` escaped with each word of ``classes`` in ``<mark class="…">`` (longest first)."""
    words = sorted((w for w in classes if w and len(w) > 1), key=len, reverse=True)
    if not text or not words:
        return escape(text or "")
    parts = re.split("(" + "|".join(map(re.escape, words)) + ")", text)
    # plain strings joined once (the class names are this module's own words): Markup.format per
    # part was most of a large document page's rendering
    return Markup("".join(f'<mark class="{classes[x]}">{escape(x)}</mark>' if i % 2 else str(escape(x))
                          for i, x in enumerate(parts)))


def pair_classes(side: dict[str, Any], shared: dict[str, list[list[str]]], which: int,
                 evidence: str | None) -> dict[str, str]:
    """The words to mark in one side of a pair: its agencies and targets (``shared`` when the other
    side states the same), and the words of the link's evidence."""
    out = {w: "ev" for w in re.split(r"[、;；,，\s]+", evidence or "") if len(w) > 1 and "cites" not in w}
    both = {pair[which] for kind in ("agencies", "targets") for pair in shared.get(kind, [])}
    for agency in side.get("agencies", []):
        out[agency["mention"]] = "agency shared" if agency["mention"] in both else "agency"
    for target in side.get("targets", []):
        out[target["text"]] = "target shared" if target["text"] in both else "target"
    return out
