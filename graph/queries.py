"""The query cookbook: named SPARQL queries in ``graph/queries/*.rq``.

Each file starts with a header of comment lines::

    # title: Tasks of a document
    # description: ... (continuation lines are indented)
    # param: docId string required — what it is, e.g. an example

Parameters are bound with ``initBindings`` (Oxigraph substitutions), never formatted into the
text. The files follow the rules in ``docs/decisions/2026-11-21-ontology-and-iris.md``: every
parameter appears in the SELECT projection; an optional parameter is a pattern variable or is
tested as ``FILTER(COALESCE(<condition on ?param>, true))`` (``BOUND(?param)`` is not reliable);
OPTIONALs come last, one triple pattern each; a selective FILTER goes first, in a subquery.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.query import Result
from rdflib.term import Node

from common import errors
from graph.layout import GraphStore

QUERY_DIR = Path(__file__).resolve().parent / "queries"
INTERNAL_DIR = QUERY_DIR / "internal"
PARAM_TYPES = ("string", "iri", "integer", "decimal")


class UnknownQueryError(errors.NotFoundError):
    """No cookbook query by that name."""

    status = 404
    code = "not-found"


class QueryParameterError(errors.QueryError):
    """A parameter is missing, unknown or of the wrong type."""

    status = 400
    code = "bad-parameter"


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    sparql: str = field(repr=False)
    path: Path = field(repr=False)

    def bindings(self, values: Mapping[str, object]) -> dict[str, Node]:
        """Turn user values (strings from a command line, or RDF terms) into typed bindings."""
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise QueryParameterError(
                f"Query '{self.name}' has no parameter {', '.join(unknown)}; "
                f"its parameters are: {', '.join(known) or '(none)'}.")
        out: dict[str, Node] = {}
        for p in self.parameters:
            value = values.get(p.name)
            if value is None or value == "":
                if p.required:
                    raise QueryParameterError(f"Query '{self.name}' needs {p.name}: {p.description}")
                continue
            out[p.name] = _term(self.name, p, value)
        return out


def _term(query: str, p: Parameter, value: object) -> Node:
    if isinstance(value, Node):
        return value
    text = str(value)
    if p.type == "iri":
        if not re.match(r"^[a-z][a-z0-9+.-]*:\S+$", text):
            raise QueryParameterError(f"Query '{query}': {p.name} must be an IRI, got {text!r}.")
        return URIRef(text)
    if p.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", text.strip()):
            raise QueryParameterError(f"Query '{query}': {p.name} must be an integer, got {text!r}.")
        return Literal(int(text))
    if p.type == "decimal":
        try:
            return Literal(Decimal(text.strip()), datatype=XSD.decimal)
        except InvalidOperation as e:
            raise QueryParameterError(f"Query '{query}': {p.name} must be a number, got {text!r}.") from e
    return Literal(text)


def _parse(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    header: dict[str, list[str]] = {"title": [], "description": []}
    params: list[Parameter] = []
    last: str | None = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:].rstrip()
        m = re.match(r"\s(title|description|param):\s*(.*)$", body)
        if m and m.group(1) == "param":
            pm = re.match(r"(\w+)\s+(\w+)\s+(required|optional)\s*(?:—|-{1,2})\s*(.*)$", m.group(2))
            if pm is None or pm.group(2) not in PARAM_TYPES:
                raise ValueError(f"{path.name}: bad param line {line!r}")
            params.append(Parameter(pm.group(1), pm.group(2), pm.group(3) == "required", pm.group(4)))
            last = None
        elif m:
            last = m.group(1)
            header[last].append(m.group(2))
        elif last is not None and body.startswith("   "):
            header[last].append(body.strip())
    if not header["title"]:
        raise ValueError(f"{path.name}: missing '# title:' header")
    return NamedQuery(name=path.stem, title=" ".join(header["title"]),
                      description=" ".join(header["description"]), parameters=tuple(params),
                      sparql=text, path=path)


@cache
def internal_query(name: str) -> str:
    """A query the product itself runs (``graph/queries/internal/NAME.rq``): not in the cookbook."""
    return (INTERNAL_DIR / f"{name}.rq").read_text(encoding="utf-8")


@cache
def _all() -> dict[str, NamedQuery]:
    return {p.stem: _parse(p) for p in sorted(QUERY_DIR.glob("*.rq"))}


def list_queries() -> list[NamedQuery]:
    """Every cookbook query, by name."""
    return list(_all().values())


def load_query(name: str) -> NamedQuery:
    """One cookbook query by name (``@name`` on the command line is the same name)."""
    q = _all().get(name.removeprefix("@"))
    if q is None:
        raise UnknownQueryError(f"No query named '{name}'; known queries: {', '.join(_all())}.")
    return q


def run_query(store: GraphStore, name: str, params: Mapping[str, object] | None = None) -> Result:
    """Run a cookbook query with its parameters bound (strings are converted by declared type)."""
    q = load_query(name)
    return store.query(q.sparql, bindings=q.bindings(params or {}))


EXAMPLES: dict[str, dict[str, str]] = {
    "document-tasks": {"docId": "2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"},
    "documents-citing": {"docNumber": "工信部消费〔2016〕396号"},
    "provisions-mentioning": {"term": "设备更新"},
    "targets-by-region": {"region": "广东省"},
    "timeline": {"level": "national"},
}
"""The parameters the cookbook page shows each query with."""


def cookbook_markdown(store: GraphStore, *, max_rows: int = 8) -> str:
    """The cookbook as Markdown: each query, its parameters and its result on ``store``."""
    out = ["## Query cookbook (`graph/queries/*.rq`)", "",
           "Run one with `policykg sparql @NAME` (parameters as the CLI takes them).", ""]
    for q in list_queries():
        params = EXAMPLES.get(q.name, {})
        out += [f"### `{q.name}` — {q.title}", "", q.description, ""]
        if q.parameters:
            out += [f"- `{p.name}` ({p.type}, {'required' if p.required else 'optional'}): {p.description}"
                    for p in q.parameters]
            out.append("")
        result = run_query(store, q.name, params)
        shown = [str(v) for v in result.vars if str(v) not in {p.name for p in q.parameters}]
        rows = list(result)
        shown_params = ", ".join(f"{k}={v}" for k, v in params.items()) or "no parameters"
        out += [f"Result on the corpus ({shown_params}): {len(rows)} row(s)", ""]
        if rows:
            out += ["| " + " | ".join(shown) + " |", "|" + "---|" * len(shown)]
            for row in rows[:max_rows]:
                cells = []
                for v in shown:
                    value = row[v]
                    text = "" if value is None else str(value)
                    text = text.rsplit("/", 1)[-1] if text.startswith("https://w3id.org/policykg/") else text
                    cells.append((text[:40] + "…" if len(text) > 41 else text).replace("|", "\\|").replace("\n", " "))
                out.append("| " + " | ".join(cells) + " |")
            if len(rows) > max_rows:
                out.append(f"| … {len(rows) - max_rows} more |")
        out.append("")
    return "\n".join(out)


def main() -> None:
    """``python -m graph.queries [DATA_DIR]`` prints the cookbook with results: on the store in
    DATA_DIR (e.g. after ``policykg ingest`` and ``policykg link``), else on the bundled corpus
    ingested into memory (no links)."""
    import sys

    from common.settings import get_settings
    from ingest.pipeline import load_corpus

    if len(sys.argv) > 1:
        with GraphStore(Path(sys.argv[1]), base=get_settings().base_iri, read_only=True) as store:
            print(cookbook_markdown(store))
        return
    with GraphStore(None) as store:
        store.ingest(load_corpus(Path(__file__).resolve().parents[1] / "corpus"))
        print(cookbook_markdown(store))


if __name__ == "__main__":
    main()
