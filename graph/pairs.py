"""What two paired provisions (a local one and the national one it takes up) share, from the graph:
the agencies each names and the quantified targets each sets, as extracted at ingest.

A provincial text names its own department (山东省工业和信息化厅) where the national one names the
ministry (工业和信息化部): the same line of work at two levels, never the same agency. Agencies are
therefore compared by their *function*: the name without the division it belongs to (read against
the national division table, so any province or city) and without the kind of body
(厅, 部, 局, 委员会, …). Targets are compared by unit and subject: the same unit, and subjects
that share a two-character word.
"""

from __future__ import annotations

import re
from typing import Any

from rdflib import URIRef

from graph.store import GraphStore
from ingest.jurisdiction import place_prefix

_PARTY = re.compile(r"^(中国共产党|中共|中华人民共和国)")
_CENTRE = re.compile(r"^(国家|国务院|中央|人民政府|委)+")
_BODY = re.compile(r"(办公厅|办公室|领导小组|委员会|总局|厅|部|局|委|办|署|院|中心)+$")


def agency_function(name: str) -> str:
    """山东省工业和信息化厅 and 工业和信息化部 -> 工业和信息化; 国家发展和改革委员会 -> 发展和改革;
    a government or its general office (国务院, 山东省人民政府办公厅) -> 人民政府."""
    rest = _PARTY.sub("", name)
    region = place_prefix(rest)
    if region is not None and rest.startswith(region.name):
        rest = rest[len(region.name):]
    return _BODY.sub("", _CENTRE.sub("", rest)) or "人民政府"


def _bigrams(text: str) -> set[str]:
    cjk = re.sub(r"[^\u4e00-\u9fff]", " ", text)
    return {w[i:i + 2] for w in cjk.split() for i in range(len(w) - 1)}


def provision_facts(store: GraphStore, iris: list[str], query: Any) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Provision IRI -> its ``agencies`` (name, mention, function) and ``targets`` (text, unit,
    subject); ``query`` runs the internal query for the listed IRIs (``views._for_iris``)."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {i: {"agencies": [], "targets": []} for i in iris}
    for row in query(store, "provision-facts", "p", [URIRef(i) for i in sorted(set(iris))]):
        facts = out[str(row.p)]
        if row.name is not None:
            item = {"name": str(row.name), "mention": str(row.mention), "function": agency_function(str(row.name))}
            if item not in facts["agencies"]:
                facts["agencies"].append(item)
        else:
            facts["targets"].append({"text": str(row.mention), "unit": str(row.unit),
                                     "subject": None if row.subject is None else str(row.subject)})
    return out


def shared(local: dict[str, list[dict[str, Any]]], national: dict[str, list[dict[str, Any]]]) -> dict[str, list[Any]]:
    """The agencies (by function) and targets (same unit, subjects sharing a word) both sides state,
    each as a pair ``[local words, national words]``."""
    agencies = [[a["mention"], b["mention"]] for a in local["agencies"] for b in national["agencies"]
                if a["function"] == b["function"]]
    targets = [[a["text"], b["text"]] for a in local["targets"] for b in national["targets"]
               if a["unit"] == b["unit"] and _bigrams(a["subject"] or "") & _bigrams(b["subject"] or "")]
    return {"agencies": agencies, "targets": targets}
