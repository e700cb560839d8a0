"""A SPARQL 1.1 server (Virtuoso, Fuseki, GraphDB, Neptune, ...) as a backend, over HTTP.

Reads are SPARQL 1.1 Protocol queries (POST, form-encoded) answered as SPARQL JSON results, which
rdflib parses (``Result.parse(..., format="json")``); terms are then made canonical
(``graph.terms.canonical``) so both backends give the same answers. Parameters go into the text as
a ``VALUES`` block (``graph.sparql_text.with_values``). Writes are SPARQL 1.1 Update requests.
A request carrying more than ``batch_triples`` triples (a large document, a big links graph) is
split: its biggest ``INSERT DATA`` operations are first loaded into a staging graph per target
graph, in requests of ``batch_triples`` triples, and the request is then sent with each of them
replaced by ``ADD`` staging ``TO`` target plus ``DROP`` staging, so the swap is still one request.
While the staging graphs load, readers of the union default graph see their triples too.
Virtuoso runs one update request in one transaction; the SPARQL 1.1 Update spec only says a request
*should* be atomic, so on other servers a write is as atomic as that server makes a request.

Refused besides what every store refuses: Virtuoso's ``DEFINE`` pragmas and its ``bif:`` / ``sql:``
built-ins. A result the server truncated (Virtuoso's ``X-SPARQL-MaxRows``) or cut at its time limit
(``X-SQL-State: S1TAT``, Virtuoso's "anytime" partial answer) is an error, never a silent partial
answer.

On Virtuoso (detected from the ``Server`` header), reads go to the anonymous ``/sparql`` and, with
a user, updates to ``/sparql-auth`` with HTTP digest authentication, so the public endpoint can
stay read-only. Elsewhere both go to the given endpoint with basic authentication
(``update_endpoint`` overrides where updates go).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pyoxigraph as ox
from rdflib import Graph, Variable
from rdflib.query import Result
from rdflib.term import Node

from graph.errors import QuerySyntaxError, QueryTimeoutError, ReadOnlyStoreError, StoreError
from graph.sparql_text import missing_prefixes, query_form, refuse_server_extensions, with_values
from graph.terms import canonical_ox, canonical_result, from_ox

DEFAULT_BATCH_TRIPLES = 200  # Virtuoso 7.2 refuses INSERT DATA of ~1,500+ quads (SP031); 200 loaded fastest
"""Triples per update request: well inside what Virtuoso parses in one go."""
EXPORT_PAGE = 10_000
"""Rows per export request: Virtuoso sorts at most 10,000 rows for a LIMIT (MaxSortedTopRows)."""
WRITE_TIMEOUT_S = 300.0
"""Updates and export pages may take longer than a query."""
_JSON = "application/sparql-results+json"
_SEPARATOR = " ;\n"
"""How ``graph.layout`` joins the operations of one request (N-Triples lines never hold it)."""
_INSERT_DATA = re.compile(r"INSERT DATA \{ GRAPH <([^<>\s]+)> \{\n(.*)\} \}", re.S)


def staging_graph(graph: str) -> str:
    """The staging graph of ``graph``: fixed per target, so a rerun after a failed load drops the leftover."""
    return f"urn:policykg:staging:{hashlib.sha256(graph.encode()).hexdigest()[:24]}"


def split_update(sparql: str, limit: int) -> tuple[list[str], str]:
    """``sparql`` as the loads of staging graphs (requests of at most ``limit`` triples) and the
    one request that swaps them in; no loads when it carries at most ``limit`` triples.

    Each staged ``INSERT DATA { GRAPH <g> { T } }`` becomes ``ADD <staging> TO <g>`` followed by
    ``DROP <staging>``: the same triples reach ``g`` at the same place in the request."""
    ops = sparql.split(_SEPARATOR)
    sizes: dict[int, int] = {}
    for i, op in enumerate(ops):
        m = _INSERT_DATA.fullmatch(op)
        if m and "\n}" not in m.group(2):  # one graph's N-Triples lines (several graphs: sent as they are)
            sizes[i] = m.group(2).count("\n")
    total = sum(sizes.values())
    loads: list[str] = []
    for i in sorted(sizes, key=lambda i: -sizes[i]):
        if total <= limit:
            break
        graph, body = _INSERT_DATA.fullmatch(ops[i]).group(1, 2)  # type: ignore[union-attr]
        staging = staging_graph(graph)
        lines = body.splitlines(keepends=True)
        loads.append(f"DROP SILENT GRAPH <{staging}>")
        loads += [f"INSERT DATA {{ GRAPH <{staging}> {{\n{''.join(lines[j:j + limit])}}} }}"
                  for j in range(0, len(lines), limit)]
        ops[i] = f"ADD SILENT GRAPH <{staging}> TO GRAPH <{graph}>{_SEPARATOR}DROP SILENT GRAPH <{staging}>"
        total -= sizes[i]
    return loads, _SEPARATOR.join(ops)


class SparqlHttpBackend:
    """A SPARQL 1.1 Query + Update endpoint."""

    def __init__(self, endpoint: str, *, read_only: bool = False, update_endpoint: str | None = None,
                 user: str | None = None, password: str | None = None, timeout_s: float = 60.0,
                 batch_triples: int = DEFAULT_BATCH_TRIPLES) -> None:
        self.read_only = read_only
        self.exclusive = False  # other clients of the server may write at any time
        self.closed = False
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self.batch_triples: int | None = batch_triples
        self._client = httpx.Client(timeout=httpx.Timeout(timeout_s + 5, connect=10.0))
        try:
            probe = self._client.get(endpoint, params={"query": "ASK {}"}, headers={"Accept": _JSON})
        except httpx.HTTPError as e:
            self._client.close()
            raise StoreError(f"Cannot reach the SPARQL store at {endpoint}: {e}.",
                             hint="Is the server running? Check the store setting (POLICYKG_STORE).") from e
        self.server = probe.headers.get("server", "")
        self.virtuoso = self.server.lower().startswith("virtuoso")
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(endpoint))
        self._read_auth: httpx.Auth | None = None
        self._update_auth: httpx.Auth | None = None
        if self.virtuoso and user:
            self.update_endpoint = update_endpoint or f"{origin}/sparql-auth"
            self._update_auth = httpx.DigestAuth(user, password or "")
        else:
            self.update_endpoint = update_endpoint or endpoint
            if user:
                self._read_auth = self._update_auth = httpx.BasicAuth(user, password or "")

    def __repr__(self) -> str:
        return f"SparqlHttpBackend({self.endpoint!r}, server={self.server!r})"

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._client.close()

    # -- protocol

    def _post_query(self, sparql: str, accept: str, *, timeout_s: float | None = None) -> httpx.Response:
        if self.closed:
            raise StoreError("The remote store handle is closed.")
        timeout = timeout_s or self.timeout_s
        form = {"query": sparql}
        if self.virtuoso:
            form["timeout"] = str(int(timeout * 1000))
        try:
            r = self._client.post(self.endpoint, data=form, headers={"Accept": accept}, auth=self._read_auth,
                                  timeout=httpx.Timeout(timeout + 5, connect=10.0))
        except httpx.TimeoutException as e:
            raise QueryTimeoutError(f"The SPARQL store at {self.endpoint} did not answer within {timeout:g} s.",
                                    hint="Make the query more selective or add LIMIT.") from e
        except httpx.HTTPError as e:
            raise StoreError(f"Cannot reach the SPARQL store at {self.endpoint}: {e}.",
                             hint="Is the server running?") from e
        self._check(r, "query")
        if r.headers.get("x-sql-state") == "S1TAT":
            raise QueryTimeoutError(f"The SPARQL store stopped the query at its time limit ({timeout:g} s) and "
                                    "offered a partial answer, which is refused.",
                                    hint="Make the query more selective or add LIMIT.")
        if r.headers.get("x-sparql-maxrows"):
            raise StoreError(f"The SPARQL store truncated the result at {r.headers['x-sparql-maxrows']} rows "
                             "(its ResultSetMaxRows).", hint="Add LIMIT/OFFSET, or raise the server's limit.")
        return r

    def _check(self, r: httpx.Response, what: str) -> None:
        if r.status_code < 400:
            return
        text = r.text.strip()
        first = text.splitlines()[0] if text else f"HTTP {r.status_code}"
        if r.status_code in (401, 403) or "SR186" in text or "permission" in text.lower():
            raise StoreError(f"The SPARQL store refused the {what}: {first}",
                             hint="Check POLICYKG_STORE_USER / POLICYKG_STORE_PASSWORD and the user's rights "
                                  "(on Virtuoso: SPARQL_UPDATE, or updates through /sparql-auth).")
        if r.status_code == 400 or "syntax error" in text.lower() or "SP030" in text:
            raise QuerySyntaxError(f"SPARQL syntax error: {first}")
        if "S1TAT" in text or "timeout" in first.lower():
            raise QueryTimeoutError(f"The SPARQL store stopped the {what} at its time limit: {first}")
        raise StoreError(f"The {what} failed on the SPARQL store (HTTP {r.status_code}): {first}")

    def _results(self, sparql: str, *, timeout_s: float | None = None) -> Result:
        """The SELECT/ASK answer as the server wrote its terms (see ``canonical``)."""
        r = self._post_query(sparql, _JSON, timeout_s=timeout_s)
        try:
            return Result.parse(io.BytesIO(r.content), format="json")
        except (ValueError, KeyError) as e:
            raise StoreError(f"The SPARQL store's answer is not SPARQL JSON results: {e}.") from e

    def _triples(self, sparql: str, *, timeout_s: float | None = None) -> list[ox.Triple]:
        """The CONSTRUCT/DESCRIBE answer, parsed by Oxigraph (so literals keep the server's lexical form)."""
        r = self._post_query(sparql, "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8", timeout_s=timeout_s)
        media = r.headers.get("content-type", "").split(";")[0].strip()
        fmt = ox.RdfFormat.TURTLE if media == "text/turtle" else ox.RdfFormat.N_TRIPLES
        return list(ox.parse(r.content, format=fmt))

    # -- the backend

    def query(self, sparql: str, *, bindings: Mapping[str, Node] | None = None,
              prefixes: Mapping[str, str] | None = None) -> Result:
        refuse_server_extensions(sparql)
        text = missing_prefixes(sparql, prefixes or {}) + with_values(sparql, bindings)
        if query_form(sparql) not in ("CONSTRUCT", "DESCRIBE"):
            return canonical_result(self._results(text))
        out = Result("CONSTRUCT")
        out.graph = Graph()
        for t in self._triples(text):
            out.graph.add((from_ox(canonical_ox(t.subject)), from_ox(t.predicate), from_ox(canonical_ox(t.object))))
        return out

    def update(self, sparql: str) -> None:
        """Run one update request; a request over ``batch_triples`` triples is staged first (``split_update``)."""
        if self.read_only:
            raise ReadOnlyStoreError("The graph store was opened read-only; writes need the writing process.")
        loads, swap = split_update(sparql, self.batch_triples) if self.batch_triples else ([], sparql)
        for load in loads:
            self._send_update(load)
        self._send_update(swap)

    def _send_update(self, sparql: str) -> None:
        try:
            r = self._client.post(self.update_endpoint, data={"update": sparql}, auth=self._update_auth,
                                  headers={"Accept": f"{_JSON}, */*;q=0.5"},
                                  timeout=httpx.Timeout(max(self.timeout_s, WRITE_TIMEOUT_S), connect=10.0))
        except httpx.HTTPError as e:
            raise StoreError(f"The update did not reach the SPARQL store at {self.update_endpoint}: {e}.",
                             hint="Rerun: documents and batches already written are skipped.") from e
        self._check(r, "update")

    def quads(self, graph: str) -> Iterator[ox.Quad]:
        """Every triple of one graph, in pages of ``EXPORT_PAGE`` keyed on the subject (Virtuoso
        refuses ORDER BY with OFFSET past 10,000 rows, so pages continue after the last subject)."""
        name = ox.NamedNode(graph)
        last: str | None = None
        while True:
            after = f"FILTER(STR(?s) > {json.dumps(last)})" if last is not None else ""
            triples = self._triples(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} {after} }} "
                                    f"ORDER BY STR(?s) LIMIT {EXPORT_PAGE}", timeout_s=max(self.timeout_s, WRITE_TIMEOUT_S))
            last = None
            if len(triples) >= EXPORT_PAGE:
                cut = max(t.subject.value for t in triples)  # may go on in the next page: fetch it whole there
                triples = [t for t in triples if t.subject.value != cut]
                if not triples:
                    raise StoreError(f"<{cut}> has more than {EXPORT_PAGE} triples in <{graph}>; cannot page the export.")
                last = max(t.subject.value for t in triples)
            yield from (ox.Quad(canonical_ox(t.subject), t.predicate, canonical_ox(t.object), name) for t in triples)
            if last is None:
                return

    def has_graph(self, graph: str) -> bool:
        return bool(self._results(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").askAnswer)

    def graphs(self, prefix: str) -> list[str]:
        rows = self._results(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                             f"FILTER(STRSTARTS(STR(?g), {json.dumps(prefix)})) }}").bindings
        return sorted(str(r[Variable("g")]) for r in rows)

    def bulk_load(self, source: Path | bytes, *, format: ox.RdfFormat, graph: str | None) -> bool:
        return False  # no loader reachable over the protocol: the layout sends batches of INSERT DATA
