"""Checks and rewrites of SPARQL *text*, for every store and for the HTTP endpoint.

Every check looks at the query with its strings, IRIs and comments blanked out (``mask``), so a
word inside ``"..."``, ``<...>`` or after ``#`` is never a reason to refuse. ``with_values`` is the
one way a value is put into query text: as a ``VALUES`` block of terms written by rdflib and
checked, never formatted in as it came.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rdflib import Literal, URIRef
from rdflib.term import Node

from graph.errors import QuerySyntaxError, UpdateRefusedError

_TOKENS = re.compile(
    r"'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|<[^<>\"{}|^`\\\s]*>|#[^\n]*",
    re.DOTALL)
_UPDATE_KEYWORDS = re.compile(
    r"^\s*(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE)
_PROLOGUE = re.compile(r"^\s*(?:(?:#[^\n]*\n)|(?:BASE\s*<[^>]*>)|(?:PREFIX\s+[^\s:]*:\s*<[^>]*>)|\s+)*",
                       re.IGNORECASE)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_SERVICE = re.compile(r"(?<![?$:\w])SERVICE(?![\w:-])", re.IGNORECASE)
_DEFINE = re.compile(r"^\s*DEFINE\b", re.IGNORECASE)
_BUILTINS = re.compile(r"(?<![\w-])(bif|sql):", re.IGNORECASE)
_BAD_IRI = re.compile(r"[\x00-\x20<>\"{}|^`\\]")


def mask(sparql: str) -> str:
    """``sparql`` with strings, IRIs and comments blanked out (same length, so offsets hold)."""
    return _TOKENS.sub(lambda m: " " * len(m.group(0)), sparql)


def valid_iri(iri: str) -> bool:
    """Whether ``iri`` can be written as ``<iri>`` without ending the IRI or the query early."""
    return not _BAD_IRI.search(iri)


def refuse_updates(sparql: str) -> None:
    """``UpdateRefusedError`` when ``sparql`` (after its prologue) is a SPARQL update."""
    body = sparql[_PROLOGUE.match(sparql).end():]  # type: ignore[union-attr]
    if _UPDATE_KEYWORDS.match(body):
        raise UpdateRefusedError(
            "This is a SPARQL update; the sparql command only reads. "
            "The graph changes through \"policykg ingest\" and \"policykg remove\"."
        )


def refuse_service(sparql: str) -> None:
    """``UpdateRefusedError`` for a query that uses SERVICE: no store fetches on a query's behalf."""
    if _SERVICE.search(mask(sparql)):
        raise UpdateRefusedError("SERVICE is refused: the store never sends requests to other endpoints "
                                 "on a query's behalf.", hint="Run the federated part against the other endpoint "
                                 "yourself.")


def refuse_server_extensions(sparql: str) -> None:
    """``UpdateRefusedError`` for a server's pragmas (Virtuoso's ``DEFINE``) and built-ins (``bif:``, ``sql:``)."""
    masked = mask(sparql)
    if _DEFINE.search(masked) or _BUILTINS.search(masked) or re.search(r"<\s*(bif|sql):", sparql, re.IGNORECASE):
        raise UpdateRefusedError("Server-specific pragmas (DEFINE) and built-ins (bif:, sql:) are refused; "
                                 "use standard SPARQL 1.1.")


def query_form(sparql: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first query-form keyword outside strings and IRIs."""
    m = _FORM.search(mask(sparql))
    return m.group(1).upper() if m else "SELECT"


def missing_prefixes(sparql: str, prefixes: Mapping[str, str]) -> str:
    """``PREFIX`` lines for the ``prefixes`` that ``sparql`` does not declare itself."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items()
                   if not re.search(rf"PREFIX\s+{re.escape(p)}\s*:", sparql, re.IGNORECASE))


def _n3(name: str, term: Node) -> str:
    if isinstance(term, URIRef):
        if not valid_iri(str(term)):
            raise QuerySyntaxError(f"Cannot bind ?{name}: {str(term)!r} is not a valid IRI.")
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    raise QuerySyntaxError(f"Cannot bind ?{name} to {term!r}: only IRIs and literals.")


def _group_start(masked: str, start: int, form: str) -> int | None:
    """Offset just after the ``{`` that opens the WHERE group of the query form ending at ``start``."""
    i = start
    if form == "CONSTRUCT":
        j = len(masked) - len(masked[i:].lstrip())
        if j < len(masked) and masked[j] == "{":  # skip the template
            depth = 0
            for k in range(j, len(masked)):
                depth += {"{": 1, "}": -1}.get(masked[k], 0)
                if depth == 0:
                    i = k + 1
                    break
    depth = 0
    for k in range(i, len(masked)):
        c = masked[k]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "{" and depth == 0:
            return k + 1
    return None


def with_values(sparql: str, bindings: Mapping[str, Node] | None) -> str:
    """``sparql`` with each binding as ``VALUES`` at the start of the WHERE group, and of every
    sub-select that projects the variable: the same answers as Oxigraph's substitutions for
    queries that follow the cookbook's rules (parameters projected, tested in the WHERE group)."""
    if not bindings:
        return sparql
    terms = {name: _n3(name, term) for name, term in bindings.items()}
    masked = mask(sparql)
    inserts: list[tuple[int, str]] = []
    for n, m in enumerate(_FORM.finditer(masked)):
        at = _group_start(masked, m.end(), m.group(1).upper())
        if at is None:
            continue
        head = masked[m.end():at]
        names = [k for k in terms if n == 0 or re.search(rf"[?$]{re.escape(k)}\b", head) or "*" in head]
        if names:
            row = " ".join(terms[k] for k in names)
            inserts.append((at, f" VALUES ({' '.join('?' + k for k in names)}) {{ ({row}) }} "))
    for at, text in sorted(inserts, reverse=True):
        sparql = sparql[:at] + text + sparql[at:]
    return sparql
