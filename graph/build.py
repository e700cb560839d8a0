"""Document -> RDF triples for its named graph. Pure: no store, no I/O.

Modelling (see ``ontology/README.md`` and ``docs/decisions/2026-11-21-ontology-and-iris.md``):

- the document is an ``eli:LegalResource``; metadata from the manifest and the header;
- each provision is an ``eli:LegalResourceSubdivision`` linked to its parent by
  ``eli:is_part_of`` / ``eli:has_part``; a provision with actions, targets or lead agencies is
  also a ``pkg:Task``;
- each extracted fact (agency role, action, target, citation) is its own IRI node that is
  ``prov:wasDerivedFrom`` its provision (or the document, for preamble facts) and carries
  ``pkg:evidenceStart`` / ``pkg:evidenceEnd`` / ``pkg:evidenceText`` (offsets into
  ``Document.text``); plain shortcut triples (``pkg:leadAgency``, ``eli:passed_by``,
  ``eli:cites``, ...) are stated as well so simple questions need no qualified node;
- every provision and fact also states ``pkg:document`` (its document), so queries join on one
  triple instead of the ``eli:is_part_of+`` path (Oxigraph evaluates such paths slowly);
- agencies are ``org:Organization`` nodes shared across documents, keyed by canonical name; their
  own triples (type, labels) go to the shared agencies graph (``BuiltDocument.shared``), not to
  each document's graph: Oxigraph's union default graph does not remove duplicates, so a label
  repeated in 70 document graphs would come back 70 times from every join through it;
- citations resolve to corpus documents through a ``graph.citations.Catalog`` (by 文号, then by title keys).

No blank nodes: every node has an IRI, so graphs compare, export and re-ingest exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, SKOS, XSD

from common import errors
from graph.citations import Catalog, looks_like_doc_number
from graph.iris import DEFAULT_BASE, Iris, document_iri, path_slug
from ingest.model import Agency, Citation, Document, Provision
from ontology.loader import Schemes, schemes
from ontology.namespaces import COMPARATOR, ELI, INSTRUMENT, LEVEL, PKG, PREFIXES, ROLE, SUBDIVISION
from ontology.regions import divisions, region_triples

Triple = tuple[URIRef, URIRef, URIRef | Literal]

BASED_ON_RELATIONS = frozenset({"根据", "依据", "按照", "贯彻落实", "落实", "贯彻"})
"""Citation verbs that make the citing document eli:based_on the cited one (besides eli:cites)."""

_ROLE_SHORTCUT = {
    "lead": PKG.leadAgency,
    "cooperating": PKG.cooperatingAgency,
    "responsible": PKG.responsibleAgency,
}


class BuildError(errors.InputError):
    """The document cannot be turned into a graph as it is (e.g. a span outside its text)."""


# ---------------------------------------------------------------- the builder


@dataclass
class BuiltDocument:
    """The triples of one document's named graph and what they contain."""

    doc_id: str
    graph: URIRef
    document: URIRef
    triples: list[Triple]
    shared: list[Triple] = field(default_factory=list)  # for the agencies graph: agencies, city/county regions
    provisions: int = 0
    tasks: int = 0
    actions: int = 0
    targets: int = 0
    citations: int = 0
    citations_resolved: int = 0
    agencies: set[URIRef] = field(default_factory=set)

    def to_graph(self, *, include_shared: bool = True) -> Graph:
        g = Graph(identifier=self.graph)
        for prefix, iri in PREFIXES.items():
            g.bind(prefix, iri)
        for t in self.triples:
            g.add(t)
        if include_shared:
            for t in self.shared:
                g.add(t)
        return g


def _date_literal(value: str | None) -> Literal | None:
    if not value:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return Literal(value, datatype=XSD.date)
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return Literal(value, datatype=XSD.gYearMonth)
    if re.fullmatch(r"\d{4}", value):
        return Literal(value, datatype=XSD.gYear)
    return None


def _decimal(q: float) -> Literal:
    d = Decimal(int(q)) if float(q).is_integer() else Decimal(repr(float(q)))
    return Literal(d, datatype=XSD.decimal)


_FIELD_PROPERTIES = {"title": DCTERMS.title, "inferred_title": PKG.inferredTitle, "doc_number": ELI.id_local,
                     "issuers": ELI.passed_by, "date": DCTERMS.issued, "level": PKG.level,
                     "region": ELI.jurisdiction}
"""Metadata fields (``ingest.model.Metadata``) and the document property each one fills."""


class _Builder:
    def __init__(self, doc: Document, *, iris: Iris, catalog: Catalog | None, scheme: Schemes) -> None:
        self.doc = doc
        self.iris = iris
        self.catalog = catalog
        self.scheme = scheme
        self.doc_iri = document_iri(doc, iris=iris, scheme=scheme)
        self.out = BuiltDocument(doc.id, iris.document_graph(doc.id), self.doc_iri, [])
        self.t = self.out.triples.append
        self._agency_labels: dict[URIRef, set[str]] = {}

    # -- helpers

    def agency(self, name: str, mention: str | None = None) -> URIRef:
        iri = self.iris.agency(name)
        labels = self._agency_labels.get(iri)
        if labels is None:
            self._agency_labels[iri] = labels = set()
            self.out.shared.append((iri, RDF.type, ORG.Organization))
            self.out.shared.append((iri, SKOS.prefLabel, Literal(name)))
            self.out.agencies.add(iri)
        if mention and mention != name and mention not in labels:
            labels.add(mention)
            self.out.shared.append((iri, SKOS.altLabel, Literal(mention)))
        return iri

    def evidence(self, node: URIRef, source: URIRef, start: int, end: int, what: str) -> None:
        if not (0 <= start <= end <= len(self.doc.text)):
            raise BuildError(
                f"{self.doc.id}: {what} span [{start}, {end}) lies outside the text "
                f"(length {len(self.doc.text)}); fix the extractor or re-parse the document."
            )
        self.t((node, PROV.wasDerivedFrom, source))
        self.t((node, PKG.document, self.doc_iri))
        self.t((node, PKG.evidenceStart, Literal(start)))
        self.t((node, PKG.evidenceEnd, Literal(end)))
        self.t((node, PKG.evidenceText, Literal(self.doc.text[start:end])))

    # -- document

    def document(self) -> None:
        d, m, t = self.doc_iri, self.doc.metadata, self.t
        t((d, RDF.type, ELI.LegalResource))
        t((d, DCTERMS.identifier, Literal(self.doc.id)))
        if m.title:
            t((d, DCTERMS.title, Literal(m.title)))
        elif m.inferred_title:  # marked as inferred, with its sentence; kept apart from dcterms:title (citations)
            t((d, PKG.inferredTitle, Literal(m.inferred_title)))
            if (span := m.evidence.get("inferred_title")) is not None:
                t((d, PKG.inferredTitleEvidence, Literal(self.doc.text[span[0]:span[1]].strip())))
        preamble = self.doc.text[slice(*self.doc.preamble)].strip() if self.doc.preamble else ""
        if preamble:  # the opening before the first provision: searchable, shown on the page
            t((d, ELI.description, Literal(preamble)))
        if looks_like_doc_number(m.doc_number):
            t((d, ELI.id_local, Literal(m.doc_number)))
        if (issued := _date_literal(m.date)) is not None:
            t((d, DCTERMS.issued, issued))
            if issued.datatype == XSD.date:
                t((d, ELI.date_document, issued))
        if (region := self.scheme.region(m.region)) is not None:
            t((d, ELI.jurisdiction, region))
            # a city's or county's concept (and its city's), which the ontology graph leaves out (ontology.loader)
            for place in divisions().chain(str(region).rsplit("/", 1)[-1]):
                if place.tier in ("prefecture", "county"):
                    self.out.shared.extend(region_triples(place))
        if m.level:
            t((d, PKG.level, LEVEL[m.level]))
        if (doctype := self.scheme.doctype(m.doc_type)) is not None:
            t((d, ELI.type_document, doctype))
        t((d, PKG.partial, Literal(bool(m.partial))))
        if m.source:
            t((d, DCTERMS.source, Literal(m.source)))
        for name in m.issuers:
            t((d, ELI.passed_by, self.agency(name)))
        for name in m.addressees:
            t((d, PKG.addressee, self.agency(name)))
        for n, ag in enumerate(self.doc.agencies, 1):
            self.agency_mention(d, n, ag)
        for n, cit in enumerate(self.doc.citations, 1):
            self.citation(d, n, cit)
        self.field_evidence()

    def field_evidence(self) -> None:
        """Where each stated metadata value came from (manifest, a span of the text, the default):
        a ``pkg:FieldEvidence`` per field, so the document page can show it beside the value."""
        d, m = self.doc_iri, self.doc.metadata
        written = {p for s, p, _ in self.out.triples if s == d}
        origin = {**m.origin, **({"inferred_title": "text"} if "inferred_title" in m.evidence else {})}
        for n, (key, prop) in enumerate(_FIELD_PROPERTIES.items(), 1):
            if prop not in written or key not in origin:
                continue
            node = self.iris.fact(d, "field", n)
            self.t((node, RDF.type, PKG.FieldEvidence))
            self.t((node, PKG.field, prop))
            self.t((node, PKG.origin, Literal(origin[key])))
            if (span := m.evidence.get(key)) is not None and origin[key] == "text":
                self.evidence(node, d, span[0], span[1], key)
            else:
                self.t((node, PROV.wasDerivedFrom, d))
                self.t((node, PKG.document, d))
            if note := m.evidence_note.get(key):
                self.t((node, PKG.evidenceNote, Literal(note)))

    # -- provisions

    def provisions(self) -> None:
        by_path: dict[tuple[str, ...], URIRef] = {}
        used: set[str] = set()
        for order, prov in enumerate(self.doc.provisions, 1):
            slug = path_slug(prov.path)
            if slug in used:  # garbled numbering can repeat a path; keep IRIs unique and stable
                k = 2
                while f"{slug}_{k}" in used:
                    k += 1
                slug = f"{slug}_{k}"
            used.add(slug)
            iri = self.iris.provision(self.doc_iri, slug)
            by_path.setdefault(tuple(prov.path), iri)
            parent = self.doc_iri
            for cut in range(len(prov.path) - 1, 0, -1):
                if (p := by_path.get(tuple(prov.path[:cut]))) is not None:
                    parent = p
                    break
            self.provision(iri, parent, order, prov)

    def provision(self, p: URIRef, parent: URIRef, order: int, prov: Provision) -> None:
        t = self.t
        self.out.provisions += 1
        t((p, RDF.type, ELI.LegalResourceSubdivision))
        is_task = bool(prov.actions or prov.targets or any(a.role == "lead" for a in prov.agencies))
        if is_task:
            t((p, RDF.type, PKG.Task))
            self.out.tasks += 1
        t((p, ELI.is_part_of, parent))
        t((p, PKG.document, self.doc_iri))
        t((parent, ELI.has_part, p))
        t((p, PKG.path, Literal("/".join(prov.path))))
        t((p, ELI.number, Literal(prov.label)))
        if prov.kind not in SUBDIVISION.__annotations__:
            raise BuildError(f"{self.doc.id}: provision {'/'.join(prov.path)} has kind {prov.kind!r}, which "
                             f"ontology/schemes.ttl does not define; add it to the pkgs:subdivision scheme.")
        t((p, ELI.type_subdivision, SUBDIVISION[prov.kind]))
        if prov.heading:
            t((p, DCTERMS.title, Literal(prov.heading)))
        t((p, PKG.text, Literal(prov.text)))
        if not (0 <= prov.start <= prov.end <= len(self.doc.text)):
            raise BuildError(f"{self.doc.id}: provision {'/'.join(prov.path)} span [{prov.start}, {prov.end}) "
                             f"lies outside the text (length {len(self.doc.text)}).")
        t((p, PKG.start, Literal(prov.start)))
        t((p, PKG.end, Literal(prov.end)))
        t((p, PKG.order, Literal(order)))
        if prov.numbering_inferred:
            t((p, PKG.numberingInferred, Literal(True)))
        for n, ag in enumerate(prov.agencies, 1):
            self.agency_mention(p, n, ag)
        for n, act in enumerate(prov.actions, 1):
            a = self.iris.fact(p, "action", n)
            self.out.actions += 1
            t((p, PKG.hasAction, a))
            t((a, RDF.type, PKG.Action))
            t((a, PKG.verb, Literal(act.verb)))
            t((a, PKG.object, Literal(act.object)))
            t((a, RDFS.label, Literal(act.label)))
            if act.instrument in INSTRUMENT.__annotations__:
                t((a, PKG.instrumentType, INSTRUMENT[act.instrument]))
            self.evidence(a, p, act.start, act.end, "action")
        for n, tg in enumerate(prov.targets, 1):
            g = self.iris.fact(p, "target", n)
            self.out.targets += 1
            t((p, PKG.hasTarget, g))
            t((g, RDF.type, PKG.Target))
            t((g, PKG.quantity, _decimal(tg.quantity)))
            t((g, PKG.unit, Literal(tg.unit)))
            t((g, PKG.comparator, COMPARATOR[tg.comparator]))
            if tg.quantity_max is not None:
                t((g, PKG.quantityMax, _decimal(tg.quantity_max)))
            if tg.baseline:
                t((g, PKG.baseYear, Literal(tg.baseline, datatype=XSD.gYear)))
            if tg.subject:
                t((g, PKG.targetSubject, Literal(tg.subject)))
            t((g, PKG.quantityText, Literal(tg.text)))
            if (deadline := _date_literal(tg.deadline)) is not None:
                t((g, PKG.deadline, deadline))
            self.evidence(g, p, tg.start, tg.end, "target")
        for n, cit in enumerate(prov.citations, 1):
            self.citation(p, n, cit)

    # -- facts shared by document and provisions

    def agency_mention(self, source: URIRef, n: int, ag: Agency) -> None:
        t = self.t
        org = self.agency(ag.name, ag.mention)
        node = self.iris.fact(source, "agency", n)
        t((node, RDF.type, PKG.AgencyMention))
        t((node, PKG.agency, org))
        t((node, PKG.role, ROLE[ag.role]))
        t((node, PKG.mention, Literal(ag.mention)))
        self.evidence(node, source, ag.start, ag.end, "agency")
        if ag.role == "issuer":
            t((self.doc_iri, ELI.passed_by, org))
        elif ag.role == "addressee":
            t((self.doc_iri, PKG.addressee, org))
        elif source != self.doc_iri:
            t((source, _ROLE_SHORTCUT[ag.role], org))

    def citation(self, source: URIRef, n: int, cit: Citation) -> None:
        t = self.t
        node = self.iris.fact(source, "citation", n)
        self.out.citations += 1
        t((node, RDF.type, PKG.Citation))
        t((node, PKG.citingDocument, self.doc_iri))
        t((node, PKG.relation, Literal(cit.relation)))
        if cit.title:
            t((node, PKG.citedTitle, Literal(cit.title)))
        if cit.doc_number:
            t((node, PKG.citedNumber, Literal(cit.doc_number)))
        self.evidence(node, source, cit.start, cit.end, "citation")
        target = (self.catalog.resolve(title=cit.title, doc_number=cit.doc_number, citing=self.doc_iri,
                                       citing_date=self.doc.metadata.date) if self.catalog else None)
        if target is not None and target != self.doc_iri:
            self.out.citations_resolved += 1
            t((node, PKG.citedDocument, target))
            t((self.doc_iri, ELI.cites, target))
            if cit.relation in BASED_ON_RELATIONS:
                t((self.doc_iri, ELI.based_on, target))


def build_document(doc: Document, *, iris: Iris | None = None, catalog: Catalog | None = None,
                   scheme: Schemes | None = None) -> BuiltDocument:
    """The triples of ``doc``'s named graph. Same document (and catalog) -> same triples."""
    b = _Builder(doc, iris=iris or Iris(DEFAULT_BASE), catalog=catalog, scheme=scheme or schemes())
    b.document()
    b.provisions()
    # duplicates (e.g. eli:passed_by from both manifest and text) are dropped, order kept
    b.out.triples[:] = list(dict.fromkeys(b.out.triples))
    return b.out


def alignment_triples(local: URIRef, national: URIRef, *, score: float, rank: int, method: URIRef,
                      generated: str, model: str | None = None, evidence: str | None = None,
                      implements: bool = False, iris: Iris | None = None) -> list[Triple]:
    """The triples of one computed national<->local link, for the links graph.

    ``method`` is a concept of ``ontology.namespaces.METHOD``; ``generated`` an ISO dateTime
    (``2026-11-21T10:00:00Z``); ``implements`` adds the plain ``local eli:implements national``
    triple (for links above the threshold).
    """
    node = (iris or Iris(DEFAULT_BASE)).alignment(local, national)
    out: list[Triple] = [
        (node, RDF.type, PKG.Alignment),
        (node, PKG.local, local),
        (node, PKG.national, national),
        (node, PKG.score, Literal(float(score), datatype=XSD.double)),
        (node, PKG.rank, Literal(int(rank))),
        (node, PKG.method, method),
        (node, PROV.generatedAtTime, Literal(generated, datatype=XSD.dateTime)),
    ]
    if model:
        out.append((node, PKG.model, Literal(model)))
    if evidence:
        out.append((node, PKG.evidence, Literal(evidence)))
    if implements:
        out.append((local, ELI.implements, national))
    return out
