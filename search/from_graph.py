"""The graph as search sees it: retrieval units, read with SPARQL.

Units are read one document graph at a time (``document-units.rq``: plain joins inside the
graph, with the graph bound), so reading the units of one changed document costs the same in a
store of 17 documents or of 20,000, and a full read is linear in the store. The index records
what it was built from as a token over the store's registry of document content hashes
(``index_token``), so telling whether it is current reads no unit at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import replace

from rdflib import URIRef

from graph.queries import internal_query
from graph.store import GraphStore
from ontology.regions import divisions
from search.documents import DocumentInfo
from search.units import Unit


def _value(row: object, name: str) -> str | None:
    term = getattr(row, name, None)
    return None if term is None else str(term)


def index_token(versions: Mapping[str, str], ontology: str) -> str:
    """The state of the graph that search derives from: every document graph's content hash and
    the ontology's (regions), hashed. It changes exactly when a document is added, changed or
    removed, or the ontology is reloaded; writing the links graph leaves it alone."""
    h = hashlib.sha256(ontology.encode())
    for graph in sorted(versions):
        h.update(f"\n{graph} {versions[graph]}".encode())
    return f"docs-{len(versions)}-{h.hexdigest()[:16]}"


def document_units(store: GraphStore, graph: str) -> list[Unit]:
    """The provisions and actions of one document graph, in document order ([] for no document)."""
    g = {"g": URIRef(graph)}
    meta = next(iter(store.query(internal_query("document-unit-meta"), bindings=g)), None)
    if meta is None:
        return []
    rows = sorted(store.query(internal_query("document-units"), bindings=g),
                  key=lambda r: (int(r.order), str(r.kind), str(r.iri)))
    doc = {
        "doc_id": str(meta.docId), "doc_title": _value(meta, "title") or "", "doc_number": _value(meta, "number"),
        "level": _value(meta, "level") or "", "region": _value(meta, "region") or "", "date": _value(meta, "date"),
        "doc_type": _value(meta, "doctype"),
    }
    units = []
    for row in rows:
        path = _value(row, "path") or ""
        units.append(Unit(iri=str(row.iri), text=str(row.text), path=tuple(path.split("/")) if path else (),
                          heading=_value(row, "heading"), kind=str(row.kind), **doc))  # type: ignore[arg-type]
    return units


def documents_from_store(store: GraphStore) -> list[DocumentInfo]:
    """Every document's metadata for the document index, including documents without units."""
    from graph.views import title_fields  # here: a search that loads its saved index never needs it

    d = divisions()
    docs: dict[str, DocumentInfo] = {}
    for row in store.query(internal_query("search-documents")):
        doc_id = str(row.docId)
        issuer = _value(row, "issuer")
        if doc_id in docs:
            if issuer:
                docs[doc_id] = replace(docs[doc_id], issuers=(*docs[doc_id].issuers, issuer))
            continue
        code = _value(row, "regionCode")
        title = title_fields(row)
        docs[doc_id] = DocumentInfo(
            doc_id=doc_id, title=title["title"] or "", number=_value(row, "number"),
            level=_value(row, "level") or "", region=d.full_name(code) if code and d.get(code) else "",
            date=_value(row, "date"), doc_type=_value(row, "doctype"), issuers=(issuer,) if issuer else (),
            title_inferred=title["titleInferred"], preamble=_value(row, "preamble") or "",
        )
    return list(docs.values())


def units_from_store(store: GraphStore, graphs: Iterable[str] | None = None) -> list[Unit]:
    """The units of the given document graphs (default: every document), grouped by document id."""
    chosen = sorted(store.content_versions()) if graphs is None else list(graphs)
    per_doc = [document_units(store, g) for g in chosen]
    return [u for units in sorted(per_doc, key=lambda us: us[0].doc_id if us else "") for u in units]

