"""Closed namespaces for every IRI the code writes, so a typo fails loudly.

``PKG`` is the project's own vocabulary (``policykg.ttl``); ``ELI`` is the subset of the
European Legislation Identifier ontology the graph uses; the scheme classes hold the SKOS
concepts of ``schemes.ttl``. ``tests/ontology/test_namespaces.py`` checks both directions: every
term these Turtle files mention is here, and every term here is in the Turtle.
Standard vocabularies (ORG, SKOS, PROV, DCTERMS, RDF, RDFS, OWL, XSD, SH) come from rdflib.
"""

from __future__ import annotations

from rdflib.namespace import DefinedNamespace, Namespace
from rdflib.term import URIRef

PKG_IRI = "https://w3id.org/policykg/ns#"
SCHEME_IRI = "https://w3id.org/policykg/scheme/"
ELI_IRI = "http://data.europa.eu/eli/ontology#"


class PKG(DefinedNamespace):
    """policykg's own terms: only what ELI, ORG, SKOS, PROV-O and Dublin Core lack."""

    _fail = True
    _NS = Namespace(PKG_IRI)

    # classes
    Task: URIRef
    Action: URIRef
    Target: URIRef
    AgencyMention: URIRef
    Citation: URIRef
    FieldEvidence: URIRef
    Alignment: URIRef
    # document and provision
    level: URIRef
    partial: URIRef
    addressee: URIRef
    document: URIRef
    path: URIRef
    text: URIRef
    start: URIRef
    end: URIRef
    order: URIRef
    numberingInferred: URIRef
    inferredTitle: URIRef
    inferredTitleEvidence: URIRef
    hasAction: URIRef
    hasTarget: URIRef
    leadAgency: URIRef
    cooperatingAgency: URIRef
    responsibleAgency: URIRef
    # evidence
    evidenceStart: URIRef
    evidenceEnd: URIRef
    evidenceText: URIRef
    field: URIRef
    origin: URIRef
    evidenceNote: URIRef
    # action
    verb: URIRef
    object: URIRef
    instrumentType: URIRef
    # target
    quantity: URIRef
    unit: URIRef
    comparator: URIRef
    quantityMax: URIRef
    baseYear: URIRef
    targetSubject: URIRef
    quantityText: URIRef
    deadline: URIRef
    # agency mention
    agency: URIRef
    role: URIRef
    mention: URIRef
    # citation
    relation: URIRef
    citedTitle: URIRef
    citedNumber: URIRef
    citingDocument: URIRef
    citedDocument: URIRef
    # alignment
    local: URIRef
    national: URIRef
    score: URIRef
    rank: URIRef
    method: URIRef
    model: URIRef
    evidence: URIRef
    correspondsTo: URIRef
    # copies of one document
    CopyGroup: URIRef
    canonical: URIRef
    member: URIRef
    similarity: URIRef
    # store bookkeeping
    graphState: URIRef
    linkState: URIRef
    linkInputs: URIRef
    ontologyHash: URIRef


class ELI(DefinedNamespace):
    """The subset of ELI (http://data.europa.eu/eli/ontology) that policykg uses."""

    _fail = True
    _NS = Namespace(ELI_IRI)

    LegalResource: URIRef
    LegalResourceSubdivision: URIRef
    is_part_of: URIRef
    has_part: URIRef
    passed_by: URIRef
    cites: URIRef
    based_on: URIRef
    implements: URIRef
    id_local: URIRef
    date_document: URIRef
    type_document: URIRef
    type_subdivision: URIRef
    jurisdiction: URIRef
    number: URIRef
    description: URIRef


class SCHEME(DefinedNamespace):
    """The concept schemes of ``schemes.ttl``."""

    _fail = True
    _NS = Namespace(SCHEME_IRI)

    doctype: URIRef
    instrument: URIRef
    level: URIRef
    region: URIRef
    role: URIRef
    comparator: URIRef
    subdivision: URIRef
    method: URIRef


class DOCTYPE(DefinedNamespace):
    _fail = True
    _NS = Namespace(SCHEME_IRI + "doctype/")

    notice: URIRef
    opinion: URIRef
    programme: URIRef
    plan: URIRef
    rules: URIRef
    announcement: URIRef
    interpretation: URIRef
    measures: URIRef
    conditions: URIRef


class INSTRUMENT(DefinedNamespace):
    _fail = True
    _NS = Namespace(SCHEME_IRI + "instrument/")

    supply: URIRef
    environment: URIRef
    demand: URIRef


class LEVEL(DefinedNamespace):
    _fail = True
    _NS = Namespace(SCHEME_IRI + "level/")

    national: URIRef
    provincial: URIRef
    municipal: URIRef


REGION = Namespace(SCHEME_IRI + "region/")
"""Regions by GB/T 2260 code: ``REGION["440000"]``. Open, because the codes are data (the ~3,400
concepts of ``regions.ttl``, generated from a division table), not vocabulary;
``tests/ontology/test_regions.py`` checks that every concept there has this form."""


class ROLE(DefinedNamespace):
    _fail = True
    _NS = Namespace(SCHEME_IRI + "role/")

    issuer: URIRef
    addressee: URIRef
    lead: URIRef
    cooperating: URIRef
    responsible: URIRef


class COMPARATOR(DefinedNamespace):
    _fail = True
    _NS = Namespace(SCHEME_IRI + "comparator/")

    atLeast: URIRef
    moreThan: URIRef
    atMost: URIRef
    lessThan: URIRef
    exactly: URIRef
    approximately: URIRef


class SUBDIVISION(DefinedNamespace):
    _fail = True
    _NS = Namespace(SCHEME_IRI + "subdivision/")

    annex: URIRef
    part: URIRef
    chapter: URIRef
    section: URIRef
    article: URIRef
    item: URIRef
    subitem: URIRef
    clause: URIRef
    point: URIRef
    subpoint: URIRef
    listitem: URIRef
    circled: URIRef
    letter: URIRef
    paragraph: URIRef


class METHOD(DefinedNamespace):
    _fail = True
    _NS = Namespace(SCHEME_IRI + "method/")

    citation: URIRef
    dense: URIRef
    lexical: URIRef
    hybrid: URIRef
    manual: URIRef
    reranked: URIRef
    document: URIRef


SCHEME_NAMESPACES: tuple[type[DefinedNamespace], ...] = (
    DOCTYPE, INSTRUMENT, LEVEL, ROLE, COMPARATOR, SUBDIVISION, METHOD,
)
OWN_NAMESPACES: tuple[type[DefinedNamespace], ...] = (PKG, SCHEME, *SCHEME_NAMESPACES)

PREFIXES: dict[str, str] = {
    "pkg": PKG_IRI,
    "eli": ELI_IRI,
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "pkgs": SCHEME_IRI,
}
"""Prefixes bound in every serialization and available to every query."""


def terms(ns: type[DefinedNamespace]) -> set[URIRef]:
    """All IRIs a closed namespace defines (annotations and extras)."""
    names = [n for n in ns.__annotations__ if not n.startswith("_")] + list(getattr(ns, "_extras", []))
    return {ns[name] for name in names}
