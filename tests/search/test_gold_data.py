"""The hand-made gold set (tests/data/gold) is well formed and points at real provisions.

Fast: no model runs. Every doc/path in links.toml and queries.toml must exist in the parsed
corpus and every sentence-level ``local_text`` must be a substring of its provision's text.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from ingest.model import Document
from ingest.script import to_simplified

GOLD = Path(__file__).resolve().parent.parent / "data" / "gold"
NATIONAL_NOTICE = "2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"

MIN_LINKS = 45
MIN_QUERIES = 18
LOCAL_LEVELS = {"provincial", "municipal"}


def _load(name: str) -> dict:
    with open(GOLD / name, "rb") as fh:
        return tomllib.load(fh)


LINKS: list[dict] = _load("links.toml").get("link", [])
QUERIES: list[dict] = _load("queries.toml").get("query", [])


def _refs() -> list[tuple[str, tuple[str, ...]]]:
    """Every distinct (doc, path) the gold set points at."""
    seen: dict[tuple[str, tuple[str, ...]], None] = {}
    for link in LINKS:
        seen[(link["local_doc"], tuple(link["local_path"]))] = None
        for ref in link["national"]:
            seen[(ref["doc"], tuple(ref["path"]))] = None
    for query in QUERIES:
        for ref in query["relevant"]:
            seen[(ref["doc"], tuple(ref["path"]))] = None
    return list(seen)


REFS = _refs()


def _provision(doc: Document, path: tuple[str, ...]):
    return next((p for p in doc.provisions if tuple(p.path) == path), None)


def _xfail_if_notice_unrepaired(doc_id: str, path: tuple[str, ...]) -> None:
    # The national notice is being repaired (Traditional script + GBK mojibake); until its
    # parse yields the known structure, a missing path there is expected, not a gold error.
    if doc_id == NATIONAL_NOTICE:
        pytest.xfail(f"national notice parse does not (yet) yield path {list(path)}")


# --- shape and counts ------------------------------------------------------------------------


def test_links_shape_and_counts() -> None:
    assert len(LINKS) >= MIN_LINKS
    levels = {"part": 0, "sentence": 0}
    keys = set()
    for i, link in enumerate(LINKS):
        where = f"link #{i + 1} ({link.get('local_doc')} {link.get('local_path')})"
        assert isinstance(link["local_doc"], str) and link["local_doc"], where
        assert link["local_path"] and all(isinstance(s, str) and s for s in link["local_path"]), where
        assert link["level"] in levels, where
        levels[link["level"]] += 1
        if link["level"] == "sentence":
            assert isinstance(link.get("local_text"), str) and len(link["local_text"]) >= 4, where
        else:
            assert "local_text" not in link, where
        assert link["national"], where
        nat = [(r["doc"], tuple(r["path"])) for r in link["national"]]
        assert len(nat) == len(set(nat)), f"{where}: duplicate national provision"
        assert all(r["path"] for r in link["national"]), where
        assert isinstance(link.get("why"), str) and link["why"].strip(), where
        key = (link["local_doc"], tuple(link["local_path"]), link.get("local_text"))
        assert key not in keys, f"{where}: duplicate link"
        keys.add(key)
    # Both kinds well represented (part-level is capped by how few local provisions survive).
    assert levels["part"] >= 15 and levels["sentence"] >= 15, levels


def test_queries_shape_and_counts() -> None:
    assert len(QUERIES) >= MIN_QUERIES
    ids = [q["id"] for q in QUERIES]
    assert len(ids) == len(set(ids))
    scripts = {q["script"] for q in QUERIES}
    assert scripts == {"simplified", "traditional"}
    for q in QUERIES:
        assert q["query"].strip() and q["relevant"], q["id"]
        rel = [(r["doc"], tuple(r["path"])) for r in q["relevant"]]
        assert len(rel) == len(set(rel)), f"{q['id']}: duplicate relevant provision"
        simplified = to_simplified(q["query"])
        if q["script"] == "traditional":
            assert simplified != q["query"], f"{q['id']} is labelled traditional but is not"
        else:
            assert simplified == q["query"], (
                f"{q['id']} is labelled simplified but has Traditional characters"
            )


def test_paths_use_fullwidth_parentheses() -> None:
    for doc_id, path in REFS:
        for seg in path:
            assert "(" not in seg and ")" not in seg, (doc_id, path)


# --- against the parsed corpus ---------------------------------------------------------------


def test_links_go_local_to_national(corpus_docs: dict[str, Document]) -> None:
    for link in LINKS:
        local = corpus_docs[link["local_doc"]]
        assert local.metadata.level in LOCAL_LEVELS, link["local_doc"]
        for ref in link["national"]:
            assert corpus_docs[ref["doc"]].metadata.level == "national", ref["doc"]


def test_every_local_document_covered(corpus_docs: dict[str, Document]) -> None:
    local_docs = {d for d, doc in corpus_docs.items() if doc.metadata.level in LOCAL_LEVELS}
    covered = {link["local_doc"] for link in LINKS}
    assert local_docs <= covered, sorted(local_docs - covered)
    for level in ("part", "sentence"):
        assert local_docs <= {link["local_doc"] for link in LINKS if link["level"] == level}, level


@pytest.mark.parametrize(("doc_id", "path"), REFS, ids=[f"{d}:{'/'.join(p)}" for d, p in REFS])
def test_referenced_provision_exists(
    corpus_docs: dict[str, Document], doc_id: str, path: tuple[str, ...]
) -> None:
    assert doc_id in corpus_docs, f"unknown document {doc_id}"
    if _provision(corpus_docs[doc_id], path) is None:
        _xfail_if_notice_unrepaired(doc_id, path)
        pytest.fail(f"{doc_id} has no provision {list(path)}")


SENTENCE_LINKS = [link for link in LINKS if link["level"] == "sentence"]


@pytest.mark.parametrize(
    "link",
    SENTENCE_LINKS,
    ids=[
        f"{ln['local_doc'][:24]}:{'/'.join(ln['local_path'])}:{ln['local_text'][:8]}" for ln in SENTENCE_LINKS
    ],
)
def test_local_text_is_in_provision(corpus_docs: dict[str, Document], link: dict) -> None:
    path = tuple(link["local_path"])
    prov = _provision(corpus_docs[link["local_doc"]], path)
    assert prov is not None, f"{link['local_doc']} has no provision {list(path)}"
    assert link["local_text"] in prov.text, f"{link['local_text']!r} not in {link['local_doc']} {list(path)}"
