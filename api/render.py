"""SPARQL results as bytes in the formats people and clients ask for (CLI and HTTP share it)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.query import Result

from common.errors import InputError
from ontology.loader import context
from ontology.namespaces import PREFIXES

SELECT_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "table": "text/plain; charset=utf-8",
}
GRAPH_FORMATS = {
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json"),
    "nt": ("nt", "application/n-triples"),
    "xml": ("xml", "application/rdf+xml"),
}


def is_graph_result(result: Result) -> bool:
    return result.type in ("CONSTRUCT", "DESCRIBE")


def serialize(result: Result, fmt: str) -> tuple[bytes, str]:
    """``(body, media type)``; SELECT/ASK take json|xml|csv|tsv|table, graphs ttl|jsonld|nt|xml."""
    if is_graph_result(result):
        if fmt not in GRAPH_FORMATS:
            fmt = "ttl" if fmt in ("table", "json", "csv", "tsv") else fmt
        if fmt not in GRAPH_FORMATS:
            raise InputError(f"Unknown format '{fmt}' for a graph result; use one of {', '.join(GRAPH_FORMATS)}.")
        name, media = GRAPH_FORMATS[fmt]
        graph = result.graph
        assert graph is not None  # CONSTRUCT/DESCRIBE always carry a graph
        for prefix, iri in PREFIXES.items():
            graph.bind(prefix, iri, override=True)
        if name == "json-ld":
            return graph.serialize(format="json-ld", context=context()["@context"], auto_compact=True).encode(), media
        return graph.serialize(format=name).encode(), media
    if fmt in ("ttl", "jsonld", "nt"):
        fmt = "json"
    if fmt not in SELECT_FORMATS:
        raise InputError(f"Unknown format '{fmt}'; use one of {', '.join(SELECT_FORMATS)}.")
    media = SELECT_FORMATS[fmt]
    if fmt in ("json", "xml", "csv"):
        return result.serialize(format=fmt), media
    if fmt == "tsv":
        return _tsv(result).encode(), media
    return table(result).encode(), media


def _tsv(result: Result) -> str:
    """SPARQL 1.1 TSV: variables with ``?``, terms in N-Triples syntax."""
    if result.type == "ASK":
        return f"?_askResult\n{'true' if result.askAnswer else 'false'}\n"
    names = [str(v) for v in result.vars or []]
    lines = ["\t".join(f"?{n}" for n in names)]
    for row in result:
        lines.append("\t".join(term.n3() if term is not None else "" for term in row))  # type: ignore[union-attr]
    return "\n".join(lines) + "\n"


def _plain(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef | BNode | Literal):
        return str(term)
    return str(term)


def rows(result: Result) -> tuple[list[str], list[list[str]]]:
    names = [str(v) for v in result.vars or []]
    return names, [[_plain(t) for t in row] for row in result]  # type: ignore[union-attr]


def table(result: Result) -> str:
    """A readable text table (CJK characters count double in width)."""
    if result.type == "ASK":
        return "true\n" if result.askAnswer else "false\n"
    names, data = rows(result)
    widths = [max([_width(n)] + [_width(r[i]) for r in data]) for i, n in enumerate(names)]
    widths = [min(w, 60) for w in widths]

    def line(cells: list[str]) -> str:
        return "  ".join(_clip(c, w) + " " * (w - _width(_clip(c, w))) for c, w in zip(cells, widths, strict=True))

    out = [line(names), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in data]
    out.append(f"({len(data)} row{'s' if len(data) != 1 else ''})")
    return "\n".join(out) + "\n"


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _clip(text: str, width: int) -> str:
    out, w = "", 0
    for ch in text:
        cw = 2 if ord(ch) > 0x2E80 else 1
        if w + cw > width:
            return out[:-1] + "…" if out else ""
        out += ch
        w += cw
    return out


def csv_rows(names: list[str], data: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(names)
    writer.writerows(data)
    return buf.getvalue()


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
