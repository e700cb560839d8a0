"""SHACL validation of the graph against ``ontology/shapes.ttl``.

The data graph is the union of the document graphs and the links graphs; the ontology and
schemes are mixed in so that concept membership (``skos:inScheme``) can be checked. Warnings
(``sh:Warning``) are reported but do not make the graph non-conforming.

``check_document`` validates one document's graph alone, before it is written: a violation
there is a builder bug for that text and keeps the document out of the store; a warning is a
defect of the source text (no title, a heading with no text) and is reported with its name.

The engine is pyshacl-turbo: pySHACL's API and reports (it passes pySHACL's own test suite),
SHACL evaluated in Rust. Why: pySHACL took 0.3-0.7 s per real document, 1-2 minutes of a
197-document ingest, in its rdflib triple lookups; the shapes are compiled once per process here
and the data goes to the engine as an in-memory Oxigraph store, never as an rdflib graph
(``tests/graph/test_validate.py`` checks both engines report the same).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from common.errors import InputError
from graph.build import build_document
from graph.iris import Iris
from graph.terms import Triple, ox_triples
from ingest.model import Document
from ontology.loader import shapes_graph, vocabulary_graph
from ontology.namespaces import PREFIXES

if TYPE_CHECKING:
    from pyshacl_turbo import CompiledShapes

    from graph.layout import GraphStore


@dataclass
class ValidationResult:
    severity: str  # Violation | Warning | Info
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str | None


@dataclass
class ValidationReport:
    conforms: bool
    violations: int
    warnings: int
    results: list[ValidationResult] = field(default_factory=list)

    def text(self, *, limit: int = 50) -> str:
        """A report for a person: one line per result, worst first, grouped counts at the end."""
        if not self.results:
            return "Conforms: the graph satisfies every shape in ontology/shapes.ttl."
        head = (f"{'Conforms' if self.conforms else 'Does not conform'}: "
                f"{self.violations} violation(s), {self.warnings} warning(s).")
        lines = [head]
        for r in sorted(self.results, key=lambda r: (r.severity != "Violation", r.focus))[:limit]:
            where = f" {_short(r.path)}" if r.path else ""
            value = f" (value: {_short(r.value)})" if r.value is not None else ""
            lines.append(f"  {r.severity}: {_short(r.focus)}{where}: {r.message}{value}")
        if len(self.results) > limit:
            lines.append(f"  … and {len(self.results) - limit} more")
        by_message = Counter(r.message for r in self.results)
        if len(by_message) > 1:
            lines.append("By message:")
            lines.extend(f"  {n:5d}  {m}" for m, n in by_message.most_common())
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def brief(self, *, limit: int = 3) -> str:
        """One line: each distinct message once, worst first, with where it was found."""
        by_message: dict[tuple[str, str], list[str]] = {}
        for r in sorted(self.results, key=lambda r: r.severity != "Violation"):
            by_message.setdefault((r.severity, r.message), []).append(_short(r.focus).rsplit("/", 1)[-1])
        parts = [f"{sev.lower()}: {msg}" + (f" ({', '.join(focus[:limit])}{', …' if len(focus) > limit else ''})"
                                           if len(focus) > 1 else "")
                 for (sev, msg), focus in by_message.items()]
        return "; ".join(parts)


def _short(term: str | None) -> str:
    if term is None:
        return ""
    for prefix, iri in PREFIXES.items():
        if term.startswith(iri):
            return f"{prefix}:{term[len(iri):]}"
    return f"<{term}>" if term.startswith(("http://", "https://")) else term


def _path_text(report: Graph, node: object) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        return str(node)
    items = list(report.items(node))  # a sequence path
    return "/".join(_short(str(i)) for i in items) if items else str(node)


@cache
def _shapes() -> CompiledShapes:
    from pyshacl_turbo import compile_shapes

    return compile_shapes(shapes_graph())


@cache
def _vocabulary() -> tuple[ox.Quad, ...]:
    """The vocabulary mixed into every data graph (pySHACL mixes ``ont_graph`` in only when inferencing)."""
    return tuple(ox.Quad(t.subject, t.predicate, t.object) for t in ox_triples(vocabulary_graph()))


def _validate(data: ox.Store) -> ValidationReport:
    data.extend(_vocabulary())
    conforms, report, _ = _shapes().validate(data, allow_warnings=True, abort_on_first=False)
    return read_report(conforms, report)


def read_report(conforms: bool, report: Graph) -> ValidationReport:
    """A SHACL validation report graph (pySHACL's form) as a ``ValidationReport``."""
    results: list[ValidationResult] = []
    for res in report.subjects(SH.resultSeverity, None):
        severity = str(report.value(res, SH.resultSeverity)).rsplit("#", 1)[-1]
        msg = report.value(res, SH.resultMessage)
        value = report.value(res, SH.value)
        shape = report.value(res, SH.sourceShape)
        results.append(ValidationResult(
            severity=severity,
            focus=str(report.value(res, SH.focusNode)),
            path=_path_text(report, report.value(res, SH.resultPath)),
            value=str(value) if value is not None else None,
            message=str(msg) if msg is not None else "constraint not satisfied",
            shape=str(shape) if isinstance(shape, URIRef) else None,
        ))
    violations = sum(r.severity == "Violation" for r in results)
    return ValidationReport(conforms=bool(conforms) and violations == 0, violations=violations,
                            warnings=sum(r.severity == "Warning" for r in results), results=results)


def validate_triples(triples: Iterable[Triple]) -> ValidationReport:
    """Validate instance ``triples`` (rdflib terms) against the shapes, with the vocabulary mixed in."""
    data = ox.Store()
    data.extend(ox.Quad(t.subject, t.predicate, t.object) for t in ox_triples(triples))
    return _validate(data)


def validate_graph(data: Graph) -> ValidationReport:
    """Validate ``data`` (instance triples) against the shapes, with the vocabulary mixed in."""
    return validate_triples(data)


class ShapeViolationError(InputError):
    """A document's graph violates the shapes; it was not written."""

    status = 422
    code = "shape-violation"


def check_document(doc: Document, *, iris: Iris) -> ValidationReport:
    """Validate ``doc``'s own graph (and the agencies it names) before it is committed.

    Built without a citation catalog: which other documents it cites is checked by
    ``validate_store`` over the whole store, not here.
    """
    built = build_document(doc, iris=iris)
    return validate_triples([*built.triples, *built.shared])


def _store_triples(store: GraphStore, graph: str | None, with_agencies: bool) -> list[ox.Triple]:
    quads = store.export_quads(graph)
    if graph is not None and with_agencies:  # a document's agencies are described in the agencies graph
        quads += store.export_quads("agencies")
    return list(dict.fromkeys(q.triple for q in quads))


def store_graph(store: GraphStore, *, graph: str | None = None, with_agencies: bool = True) -> Graph:
    """The data graphs of ``store`` (or one of them, plus the agencies it refers to) as one rdflib graph."""
    triples = _store_triples(store, graph, with_agencies)
    data = Graph()
    # rdflib's own N-Triples parser keeps plain literals plain (the ox parser would make them xsd:string)
    data.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8"), format="nt")
    return data


def validate_store(store: GraphStore, *, graph: str | None = None) -> ValidationReport:
    """Validate all data graphs of ``store`` (or one document's graph) against the shapes."""
    data = ox.Store()
    data.extend(ox.Quad(t.subject, t.predicate, t.object) for t in _store_triples(store, graph, True))
    return _validate(data)
