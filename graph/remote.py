"""A remote SPARQL 1.1 store (Virtuoso, Fuseki, GraphDB, Neptune, ...) behind ``graph.backend.Store``.

Reads are SPARQL 1.1 Protocol queries (POST, form-encoded) answered as SPARQL JSON results and
turned into the same rdflib ``Result`` objects the embedded store returns; parameters are sent
as a ``VALUES`` block placed at the start of the query's WHERE group (and of each sub-select that
projects the parameter), never formatted into the text as they come: each is an RDF term written
by rdflib's ``n3()`` and checked. Writes are SPARQL 1.1 Update requests: each request is one
sequence of operations (``DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> { ... } } ; ...``)
that also bumps the graph-state counter in the meta graph. Virtuoso runs one update request in
one transaction; the SPARQL 1.1 Update spec only says a request *should* be atomic, so on other
servers a replacement is as atomic as that server makes a request.

Layout is the embedded store's: one named graph per document, agencies, links, ontology, meta.
The meta graph also keeps a registry of the document graphs with a content hash of each
(``<graph> dcterms:hasVersion "sha…"``), written in the same request as the graph, so
``documents()`` needs no scan of the whole store and a rerun of an interrupted ``ingest``
skips the documents already written unchanged. ``bulk_load`` sends batches of
``batch_triples`` quads, each with the count loaded so far in the same request, and a rerun
with the same input continues after the last batch the server acknowledged (re-sending a batch
would not duplicate anything either: a graph is a set of triples).

Refused on ``query``, as on the embedded store: updates, and in addition ``SERVICE`` (the
server would fetch on the caller's behalf), Virtuoso's ``DEFINE`` pragmas and its ``bif:`` /
``sql:`` built-ins. A result the server truncated (Virtuoso's ``X-SPARQL-MaxRows``) or cut at
its time limit (``X-SQL-State: S1TAT``, Virtuoso's "anytime" partial answer) is an error, never a
silent partial answer.

On Virtuoso (detected from the ``Server`` header), reads go to the anonymous ``/sparql`` and,
when ``POLICYKG_STORE_USER`` / ``POLICYKG_STORE_PASSWORD`` are set, updates to ``/sparql-auth``
with HTTP digest authentication, so the public endpoint can stay read-only. Elsewhere both go to
the given endpoint with basic authentication (``POLICYKG_STORE_UPDATE_URL`` overrides where
updates go).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pyoxigraph as ox
from oxrdflib._converter import from_ox
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import DCTERMS, ORG, PROV, VOID, XSD
from rdflib.query import Result
from rdflib.term import Node

from graph.backend import (
    EXPORT_FORMATS,
    STAT_CLASSES,
    ExportFormatError,
    IngestSummary,
    QuerySyntaxError,
    QueryTimeoutError,
    ReadOnlyStoreError,
    StoreError,
    StoreStats,
    UnknownDocumentError,
    UpdateRefusedError,
    refuse_updates,
)
from graph.build import BuiltDocument, Catalog, Triple, build_document, document_iri
from graph.iris import DEFAULT_BASE, Iris
from ingest.model import Document
from ontology.loader import ontology_hash, vocabulary_graph
from ontology.namespaces import ELI, PKG, PREFIXES

DEFAULT_BATCH_TRIPLES = 200  # Virtuoso 7.2 refuses INSERT DATA of ~1,500+ quads (SP031); 200 loaded fastest
"""Triples per update request: ~3 MB of N-Triples, well inside what Virtuoso parses in one go."""
EXPORT_PAGE = 10_000
"""Rows per export request: Virtuoso sorts at most 10,000 rows for a LIMIT (MaxSortedTopRows)."""

_STRING = str(XSD.string)
_BOOLEAN = str(XSD.boolean)
_TOKENS = re.compile(
    r"'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|<[^<>\"{}|^`\\\s]*>|#[^\n]*",
    re.DOTALL)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_SERVICE = re.compile(r"(?<![?$:\w])SERVICE(?![\w:-])", re.IGNORECASE)
_DEFINE = re.compile(r"^\s*DEFINE\b", re.IGNORECASE)
_BUILTINS = re.compile(r"(?<![\w-])(bif|sql):", re.IGNORECASE)
_BAD_IRI = re.compile(r"[\x00-\x20<>\"{}|^`\\]")


def _mask(sparql: str) -> str:
    """``sparql`` with strings, IRIs and comments blanked out (same length, so offsets hold)."""
    return _TOKENS.sub(lambda m: " " * len(m.group(0)), sparql)


# ---------------------------------------------------------------- bindings as VALUES


def _n3(name: str, term: Node) -> str:
    if isinstance(term, URIRef):
        if _BAD_IRI.search(str(term)):
            raise QuerySyntaxError(f"Cannot bind ?{name}: {str(term)!r} is not a valid IRI.")
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    raise QuerySyntaxError(f"Cannot bind ?{name} to {term!r} on a remote store: only IRIs and literals.")


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
    masked = _mask(sparql)
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


def refuse_remote_only(sparql: str) -> None:
    """What a remote store refuses besides updates: SERVICE, Virtuoso pragmas and built-ins."""
    masked = _mask(sparql)
    if _SERVICE.search(masked):
        raise UpdateRefusedError("SERVICE is refused: the store never sends requests to other endpoints "
                                 "on a query's behalf. Run the federated part against the other endpoint yourself.")
    if _DEFINE.search(masked) or _BUILTINS.search(masked) or re.search(r"<\s*(bif|sql):", sparql, re.IGNORECASE):
        raise UpdateRefusedError("Server-specific pragmas (DEFINE) and built-ins (bif:, sql:) are refused; "
                                 "use standard SPARQL 1.1.")


def _form(sparql: str) -> str:
    m = _FORM.search(_mask(sparql))
    return m.group(1).upper() if m else "SELECT"


# ---------------------------------------------------------------- terms


def _literal_parts(b: Mapping[str, str]) -> tuple[str, str | None, str | None]:
    value, lang, dt = b["value"], b.get("xml:lang"), b.get("datatype")
    if dt == _STRING:  # RDF 1.1: "x"^^xsd:string is the simple literal "x"; Virtuoso types some
        dt = None
    elif dt == _BOOLEAN and value in ("1", "0"):  # Virtuoso writes booleans as 1 / 0
        value = "true" if value == "1" else "false"
    return value, lang, dt


def _rdflib_term(b: Mapping[str, str]) -> Node:
    kind = b["type"]
    if kind == "uri":
        return URIRef(b["value"])
    if kind == "bnode":
        return BNode(re.sub(r"\W", "_", b["value"]))
    value, lang, dt = _literal_parts(b)
    if lang:
        return Literal(value, lang=lang)
    return Literal(value, datatype=URIRef(dt)) if dt else Literal(value)


def _ox_term(b: Mapping[str, str]) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    kind = b["type"]
    if kind == "uri":
        return ox.NamedNode(b["value"])
    if kind == "bnode":
        return ox.BlankNode(re.sub(r"\W", "_", b["value"]))
    value, lang, dt = _literal_parts(b)
    if lang:
        return ox.Literal(value, language=lang)
    return ox.Literal(value, datatype=ox.NamedNode(dt)) if dt else ox.Literal(value)


def _nt(triples: Iterable[Triple]) -> str:
    from graph.store import _ox_triples

    return ox.serialize(_ox_triples(triples), format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


def _content_hash(built: BuiltDocument) -> str:
    h = hashlib.sha256(_nt(sorted(built.triples)).encode())
    h.update(_nt(sorted(built.shared)).encode())
    return h.hexdigest()[:32]


# ---------------------------------------------------------------- the store


class RemoteStore:
    """policykg's named-graph layout on a SPARQL 1.1 Query + Update endpoint."""

    def __init__(self, endpoint: str, *, base: str = DEFAULT_BASE, read_only: bool = False,
                 update_endpoint: str | None = None, user: str | None = None, password: str | None = None,
                 timeout_s: float = 60.0, batch_triples: int = DEFAULT_BATCH_TRIPLES) -> None:
        self.iris = Iris(base)
        self.read_only = read_only
        self.closed = False
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self.batch_triples = batch_triples
        self._write_lock = threading.Lock()
        self._client = httpx.Client(timeout=httpx.Timeout(timeout_s + 5, connect=10.0))
        try:
            probe = self._client.get(endpoint, params={"query": "ASK {}"},
                                     headers={"Accept": "application/sparql-results+json"})
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
        if not read_only:
            self._ensure_ontology()

    @classmethod
    def from_spec(cls, spec: str, *, base: str = DEFAULT_BASE, read_only: bool = False) -> RemoteStore:
        """``sparql+http://host:port/sparql``; credentials and options from the environment:
        ``POLICYKG_STORE_USER``, ``POLICYKG_STORE_PASSWORD``, ``POLICYKG_STORE_UPDATE_URL``,
        ``POLICYKG_STORE_TIMEOUT_S`` (default 60), ``POLICYKG_STORE_BATCH`` (triples per request)."""
        env = os.environ
        return cls(spec.removeprefix("sparql+"), base=base, read_only=read_only,
                   update_endpoint=env.get("POLICYKG_STORE_UPDATE_URL") or None,
                   user=env.get("POLICYKG_STORE_USER") or None, password=env.get("POLICYKG_STORE_PASSWORD"),
                   timeout_s=float(env.get("POLICYKG_STORE_TIMEOUT_S", "60")),
                   batch_triples=int(env.get("POLICYKG_STORE_BATCH", str(DEFAULT_BATCH_TRIPLES))))

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r}, server={self.server!r})"

    # -- lifecycle

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._client.close()

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- protocol

    def _select(self, sparql: str, *, timeout_s: float | None = None) -> tuple[list[str], list[dict[str, Any]]]:
        data = self._post_query(sparql, "application/sparql-results+json", timeout_s=timeout_s).json()
        return data["head"].get("vars", []), data["results"]["bindings"]

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

    def _update(self, update: str) -> None:
        if self.read_only:
            raise ReadOnlyStoreError("The graph store was opened read-only; writes need the writing process.")
        try:
            r = self._client.post(self.update_endpoint, data={"update": update}, auth=self._update_auth,
                                  headers={"Accept": "application/sparql-results+json, */*;q=0.5"},
                                  timeout=httpx.Timeout(max(self.timeout_s, 300.0), connect=10.0))
        except httpx.HTTPError as e:
            raise StoreError(f"The update did not reach the SPARQL store at {self.update_endpoint}: {e}.",
                             hint="Rerun: documents and batches already written are skipped.") from e
        self._check(r, "update")

    # -- state

    def _meta(self) -> str:
        return f"<{self.iris.meta_graph}>"

    def _meta_value(self, subject: str, prop: URIRef) -> str | None:
        _, rows = self._select(f"SELECT ?v WHERE {{ GRAPH {self._meta()} {{ {subject} <{prop}> ?v }} }} LIMIT 1")
        return rows[0]["v"]["value"] if rows else None

    def graph_state(self) -> str:
        """A token that changes on every write (``"<counter>-<random>"``); ``"0"`` for an empty store."""
        return self._meta_value(self._meta(), PKG.graphState) or "0"

    def _set_meta(self, subject: str, prop: URIRef, value: str) -> str:
        meta = self._meta()
        return (f"DELETE WHERE {{ GRAPH {meta} {{ {subject} <{prop}> ?old }} }} ;\n"
                f"INSERT DATA {{ GRAPH {meta} {{ {subject} <{prop}> {json.dumps(value, ensure_ascii=False)} }} }}")

    def _write(self, body: str) -> str:
        """``body`` plus the state bump as ONE update request (one transaction on Virtuoso)."""
        with self._write_lock:
            counter = int(self.graph_state().split("-")[0]) + 1
            state = f"{counter}-{uuid.uuid4().hex[:8]}"
            self._update((f"{body} ;\n" if body else "") + self._set_meta(self._meta(), PKG.graphState, state))
            return state

    @staticmethod
    def _insert_data(graph: URIRef | str, triples: Iterable[Triple] | str) -> str:
        """``INSERT DATA`` for ``graph``; an empty ``DROP SILENT`` of nothing when there are no triples
        (Virtuoso rejects an empty ``INSERT DATA`` block)."""
        nt = triples if isinstance(triples, str) else _nt(triples)
        if not nt.strip():
            return f"CLEAR SILENT GRAPH <{graph}-nothing>"
        return f"INSERT DATA {{ GRAPH <{graph}> {{\n{nt}}} }}"

    def _ensure_ontology(self) -> None:
        h = ontology_hash()
        meta = self._meta()
        if self._meta_value(meta, PKG.ontologyHash) == h:
            return
        g = self.iris.ontology_graph
        self._write(f"DROP SILENT GRAPH <{g}> ;\n{self._insert_data(g, vocabulary_graph())} ;\n"
                    + self._set_meta(meta, PKG.ontologyHash, h))

    # -- writes

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple]) -> str:
        """Replace one named graph. Up to ``batch_triples`` it is one request (atomic on Virtuoso);
        larger graphs are loaded into a staging graph in batches, then swapped in with one
        ``DROP ; MOVE`` request (readers of the union default graph see the staging graph meanwhile)."""
        triples = list(triples)
        if len(triples) <= self.batch_triples:
            return self._write(f"DROP SILENT GRAPH <{graph}> ;\n{self._insert_data(graph, triples)}")
        staging = f"{graph}-staging-{uuid.uuid4().hex[:8]}"
        self._update(f"DROP SILENT GRAPH <{staging}>")
        for i in range(0, len(triples), self.batch_triples):
            self._update(self._insert_data(staging, triples[i:i + self.batch_triples]))
        return self._write(f"DROP SILENT GRAPH <{graph}> ;\nMOVE SILENT GRAPH <{staging}> TO GRAPH <{graph}>")

    def _document_ops(self, built: BuiltDocument, digest: str) -> str:
        return (f"DROP SILENT GRAPH <{built.graph}> ;\n{self._insert_data(built.graph, built.triples)} ;\n"
                f"{self._insert_data(self.iris.agencies_graph, built.shared)} ;\n"
                + self._set_meta(f"<{built.graph}>", DCTERMS.hasVersion, digest))

    def replace_document(self, doc: Document, *, catalog: Catalog | None = None) -> BuiltDocument:
        """Build ``doc`` and replace its named graph in one update request."""
        built = build_document(doc, iris=self.iris, catalog=catalog if catalog is not None else self.catalog())
        self._write(self._document_ops(built, _content_hash(built)))
        return built

    def _versions(self) -> dict[str, str]:
        _, rows = self._select(f"SELECT ?g ?h WHERE {{ GRAPH {self._meta()} {{ ?g <{DCTERMS.hasVersion}> ?h }} }}")
        return {r["g"]["value"]: r["h"]["value"] for r in rows}

    def ingest(self, docs: Iterable[Document], *,
               progress: Callable[[Document, BuiltDocument], None] | None = None) -> IngestSummary:
        """Replace the graph of every document, several documents per request (up to
        ``batch_triples``); each request is one transaction on Virtuoso. Documents whose graph is
        already stored with the same content are skipped, so a rerun after a failure continues."""
        docs = list(docs)
        catalog = self.catalog()
        for doc in docs:
            catalog.add(document_iri(doc, iris=self.iris), title=doc.metadata.title,
                        doc_number=doc.metadata.doc_number)
        stored = self._versions()
        summary = IngestSummary()
        pending: list[tuple[Document, BuiltDocument, str]] = []
        size = 0

        def flush() -> None:
            nonlocal size
            if pending:
                self._write(" ;\n".join(self._document_ops(b, h) for _, b, h in pending if h))
            for d, b, _ in pending:
                if progress is not None:
                    progress(d, b)
            pending.clear()
            size = 0

        for doc in docs:
            built = build_document(doc, iris=self.iris, catalog=catalog)
            digest = _content_hash(built)
            summary.add(built)
            unchanged = stored.get(str(built.graph)) == digest
            pending.append((doc, built, "" if unchanged else digest))
            size += 0 if unchanged else len(built.triples) + len(built.shared)
            if size >= self.batch_triples:
                flush()
        if any(h for _, _, h in pending):
            flush()
        else:
            for d, b, _ in pending:
                if progress is not None:
                    progress(d, b)
        summary.graph_state = self.graph_state()
        return summary

    def remove_document(self, doc_id: str) -> str:
        """Delete the named graph of ``doc_id`` (and agencies no other graph names); returns the new state."""
        graph = self.iris.document_graph(doc_id)
        if str(graph) not in self._versions():
            raise UnknownDocumentError(f"No document '{doc_id}' in the store; see \"policykg stats\" for what is there.")
        agencies = f"<{self.iris.agencies_graph}>"
        orphans = (
            f"DELETE {{ GRAPH {agencies} {{ ?a ?p ?o }} }} WHERE {{ GRAPH {agencies} {{ ?a a <{ORG.Organization}> ; ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?x ?r ?a }} FILTER(?g != {agencies}) }} }}"
        )
        return self._write(f"DROP SILENT GRAPH <{graph}> ;\n{orphans} ;\n"
                           f"DELETE WHERE {{ GRAPH {self._meta()} {{ <{graph}> <{DCTERMS.hasVersion}> ?h }} }}")

    def bulk_load(self, source: Path | bytes, *, format: str = "nq", graph: URIRef | None = None,
                  progress: Callable[[int], None] | None = None) -> str:
        """Load a large N-Quads (or N-Triples/Turtle/TriG) file in batches of ``batch_triples``.

        Each batch goes with the count of quads loaded so far in one request; a rerun with the same
        input skips what the server already acknowledged, and the document graphs are registered
        (``documents()``) when the last batch is in. ``progress`` gets the running quad count."""
        from graph.store import _OX_FORMATS

        fmt = _OX_FORMATS.get(format)
        if fmt is None:
            raise ExportFormatError(f"Cannot bulk-load format '{format}'; use one of {', '.join(_OX_FORMATS)}.")
        digest = hashlib.sha256(str(graph or "").encode())
        if isinstance(source, bytes):
            digest.update(source)
        else:
            with open(source, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
        load = f"<{self.iris.meta_graph}/load/{digest.hexdigest()[:24]}>"
        done = int(self._meta_value(load, VOID.triples) or 0)
        if self._meta_value(load, PROV.endedAtTime):
            return self.graph_state()
        quads = ox.parse(source, format=fmt) if isinstance(source, bytes) else ox.parse(path=str(source), format=fmt)
        default = str(graph) if graph is not None else None
        doc_graphs: set[str] = set()
        batch: dict[str, list[str]] = {}
        count = size = 0

        def send() -> None:
            nonlocal size
            body = " ".join(f"GRAPH <{g}> {{\n{''.join(lines)}}}" for g, lines in batch.items())
            self._update(f"INSERT DATA {{ {body} }} ;\n" + self._set_meta(load, VOID.triples, str(count)))
            batch.clear()
            size = 0
            if progress is not None:
                progress(count)

        for q in quads:
            g = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else default
            if g is None:
                raise StoreError("The input has triples outside a named graph; give graph= to load them into one.")
            if self.iris.doc_id_of_graph(g) is not None:
                doc_graphs.add(g)
            count += 1
            if count <= done:
                continue
            batch.setdefault(g, []).append(f"{q.subject} {q.predicate} {q.object} .\n")
            size += 1
            if size >= self.batch_triples:
                send()
        if batch:
            send()
        registry = sorted(doc_graphs)
        for i in range(0, len(registry), self.batch_triples):
            lines = "".join(f"<{g}> <{DCTERMS.hasVersion}> \"bulk-{load[-25:-1]}\" .\n"
                            for g in registry[i:i + self.batch_triples])
            self._update(f"INSERT DATA {{ GRAPH {self._meta()} {{\n{lines}}} }}")
        return self._write(self._set_meta(load, PROV.endedAtTime, str(count)))

    # -- reads

    def query(self, sparql: str, *, bindings: Mapping[str, Node] | None = None) -> Result:
        """Run a read-only SPARQL query over the server's default graph (Virtuoso: the union of all
        graphs). ``bindings`` are sent as a ``VALUES`` block (see ``with_values``)."""
        if not isinstance(sparql, str):
            raise TypeError("pass the query as a string")
        refuse_updates(sparql)
        refuse_remote_only(sparql)
        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items()
                           if not re.search(rf"PREFIX\s+{re.escape(p)}\s*:", sparql, re.IGNORECASE))
        text = prologue + with_values(sparql, bindings)
        form = _form(sparql)
        if form in ("CONSTRUCT", "DESCRIBE"):
            r = self._post_query(text, "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8")
            media = r.headers.get("content-type", "").split(";")[0].strip()
            fmt = ox.RdfFormat.TURTLE if media == "text/turtle" else ox.RdfFormat.N_TRIPLES
            out = Result("CONSTRUCT")
            out.graph = Graph()
            for t in ox.parse(r.content, format=fmt):
                out.graph.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))
            return out
        data = self._post_query(text, "application/sparql-results+json").json()
        if "boolean" in data:
            out = Result("ASK")
            out.askAnswer = bool(data["boolean"])
            return out
        out = Result("SELECT")
        out.vars = [Variable(v) for v in data["head"].get("vars", [])]
        out.bindings = [{Variable(k): _rdflib_term(v) for k, v in row.items()} for row in data["results"]["bindings"]]
        return out

    def documents(self) -> list[str]:
        """Ids of the documents in the store (from the registry in the meta graph), sorted."""
        ids = (self.iris.doc_id_of_graph(g) for g in self._versions())
        return sorted(i for i in ids if i is not None)

    def catalog(self) -> Catalog:
        """Titles and 文号 of the stored documents, for citation resolution."""
        cat = Catalog()
        _, rows = self._select(
            f"SELECT ?d ?title ?num WHERE {{ GRAPH ?g {{ ?d a <{ELI.LegalResource}> "
            f"OPTIONAL {{ ?d <{DCTERMS.title}> ?title }} OPTIONAL {{ ?d <{ELI.id_local}> ?num }} }} }}")
        for row in rows:
            title, num = row.get("title"), row.get("num")
            cat.add(URIRef(row["d"]["value"]), title=title["value"] if title else None,
                    doc_number=num["value"] if num else None)
        return cat

    def stats(self) -> StoreStats:
        prefix = json.dumps(f"{self.iris.base}/graph/")
        graphs: dict[str, int] = {}
        _, rows = self._select(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                               f"FILTER(STRSTARTS(STR(?g), {prefix})) }} GROUP BY ?g")
        for row in rows:
            if row["g"]["value"] != str(self.iris.meta_graph):
                graphs[row["g"]["value"]] = int(row["n"]["value"])
        classes = dict(zip(STAT_CLASSES, (ELI.LegalResource, ELI.LegalResourceSubdivision, PKG.Task, PKG.Action,
                                          PKG.Target, PKG.Citation, ORG.Organization, PKG.Alignment), strict=True))
        _, rows = self._select(
            f"SELECT ?type (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH ?g {{ ?x a ?type }} "
            f"FILTER(STRSTARTS(STR(?g), {prefix}) && ?g NOT IN (<{self.iris.ontology_graph}>, <{self.iris.meta_graph}>)) "
            f"}} GROUP BY ?type")
        found = {row["type"]["value"]: int(row["n"]["value"]) for row in rows}
        counts = {name: found.get(str(cls), 0) for name, cls in classes.items()}
        return StoreStats(documents=len(self.documents()), quads=sum(graphs.values()), graphs=graphs,
                          counts=counts, graph_state=self.graph_state())

    # -- export

    def _has_graph(self, iri: str) -> bool:
        return bool(self.query(f"ASK {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}").askAnswer)

    def _graph_iri(self, graph: str) -> URIRef:
        if graph.startswith(("http://", "https://", "urn:")):
            iri = URIRef(graph)
        elif graph in ("links", "ontology", "agencies"):
            iri = {"links": self.iris.links_graph, "ontology": self.iris.ontology_graph,
                   "agencies": self.iris.agencies_graph}[graph]
        else:
            iri = self.iris.document_graph(graph)
        if _BAD_IRI.search(str(iri)) or not self._has_graph(str(iri)):
            raise UnknownDocumentError(f"No graph '{graph}' in the store; see \"policykg stats\" for the documents.")
        return iri

    def _graph_rows(self, graph: str) -> Iterator[dict[str, Any]]:
        """Every triple of one graph, in pages of ``EXPORT_PAGE`` keyed on the subject (Virtuoso
        refuses ORDER BY with OFFSET past 10,000 rows, so pages continue after the last subject)."""
        last: str | None = None
        while True:
            after = f"FILTER(STR(?s) > {json.dumps(last)})" if last is not None else ""
            _, rows = self._select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} {after} }} "
                                   f"ORDER BY STR(?s) LIMIT {EXPORT_PAGE}", timeout_s=max(self.timeout_s, 300.0))
            if len(rows) < EXPORT_PAGE:
                yield from rows
                return
            cut = rows[-1]["s"]["value"]  # that subject may go on in the next page: fetch it whole there
            keep = [r for r in rows if r["s"]["value"] != cut]
            if not keep:
                raise StoreError(f"<{cut}> has more than {EXPORT_PAGE} triples in <{graph}>; cannot page the export.")
            yield from keep
            last = keep[-1]["s"]["value"]

    def export_quads(self, graph: str | None = None, *, include_ontology: bool = False) -> list[ox.Quad]:
        """The quads of one graph (document id, 'agencies', 'links', 'ontology' or a graph IRI) or of
        all data graphs (documents, agencies, links), each fetched in pages."""
        if graph is not None:
            graphs = [str(self._graph_iri(graph))]
        else:
            fixed = [self.iris.agencies_graph, self.iris.links_graph] + (
                [self.iris.ontology_graph] if include_ontology else [])
            graphs = sorted(self._versions()) + [str(g) for g in fixed if self._has_graph(str(g))]
        out = []
        for g in graphs:
            name = ox.NamedNode(g)
            out += [ox.Quad(_ox_term(r["s"]), _ox_term(r["p"]), _ox_term(r["o"]), name) for r in self._graph_rows(g)]
        return out

    def export(self, format: str, graph: str | None = None, *, include_ontology: bool = False) -> bytes:
        """Serialize one graph or all data graphs: ttl | nt (triples, merged) | trig | nq | jsonld (quads)."""
        from graph.store import serialize_quads

        if format not in EXPORT_FORMATS:
            raise ExportFormatError(f"Unknown export format '{format}'; use one of {', '.join(EXPORT_FORMATS)}.")
        return serialize_quads(self.export_quads(graph, include_ontology=include_ontology), format)
