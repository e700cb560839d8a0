"""The real-corpus gold set (tests/data/gold/real) is well formed and points at real texts.

Fast: no model runs. Shape and counts are checked always; keys, provision paths and
``local_text`` are checked against ``../shared/realcorpus`` (or ``POLICYKG_REAL_CORPUS``) and
skipped with a message when that corpus is absent. Only the files the provision gold names are
parsed, once per session.
"""

from __future__ import annotations

import os
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from ingest.model import Document
from ingest.script import to_simplified

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "tests" / "data" / "gold" / "real"
REAL = Path(os.environ.get("POLICYKG_REAL_CORPUS") or REPO.parent / "shared" / "realcorpus")

MIN_QUERIES, MIN_TRADITIONAL = 36, 6
MIN_DOC_LINKS, MIN_DOC_NEGATIVES = 24, 5
MIN_PROVISION_LINKS, MIN_PROVISION_NEGATIVES = 45, 8

needs_corpus = pytest.mark.skipif(
    not (REAL / "manifest.toml").is_file(),
    reason=f"real corpus not found at {REAL}; set POLICYKG_REAL_CORPUS to check the gold against it",
)


def _load(name: str, table: str) -> list[dict]:
    with open(GOLD / name, "rb") as fh:
        return tomllib.load(fh).get(table, [])


QUERIES = _load("doc_queries.toml", "query")
DOC_LINKS = _load("doc_links.toml", "doc_link")
PROV_LINKS = _load("provision_links.toml", "link")
SAME = _load("duplicates.toml", "same")
EDITIONS = _load("duplicates.toml", "edition")


def _ref(r: dict) -> tuple[str, tuple[str, ...]]:
    return r["doc"], tuple(r["path"])


# --- shape and counts (no corpus needed) -----------------------------------------------------


def test_doc_queries_shape_and_counts() -> None:
    assert len(QUERIES) >= MIN_QUERIES
    ids = [q["id"] for q in QUERIES]
    assert len(ids) == len(set(ids)), "duplicate query id"
    for q in QUERIES:
        assert q["query"].strip() and q["why"].strip(), q["id"]
        assert q["relevant"] and len(q["relevant"]) == len(set(q["relevant"])), q["id"]
        assert q["split"] in {"dev", "test", "test2", "test3", "test4", "test5"}, q["id"]
        typed_traditional = to_simplified(q["query"]) != q["query"]
        assert q["script"] == ("traditional" if typed_traditional else "simplified"), (
            f"{q['id']} is labelled {q['script']} but OpenCC says otherwise: {q['query']}"
        )
    scripts = Counter(q["script"] for q in QUERIES)
    assert scripts["traditional"] >= MIN_TRADITIONAL, scripts
    # The first split held out about a third; the later sets (test2 … test5) are held out whole.
    first = [q for q in QUERIES if q["split"] in {"dev", "test"}]
    held_out = sum(q["split"] == "test" for q in first) / len(first)
    assert 0.25 <= held_out <= 0.45, f"about a third of dev+test must be test, got {held_out:.2f}"


def test_doc_links_shape_and_counts() -> None:
    locals_ = [d["local"] for d in DOC_LINKS]
    assert len(locals_) >= MIN_DOC_LINKS and len(locals_) == len(set(locals_))
    for d in DOC_LINKS:
        assert d["local"].startswith("pro-"), d["local"]
        assert d["kind"] in {"explicit", "implicit", "none"}, d["local"]
        assert (d["kind"] == "none") == (not d["national"]), f"{d['local']}: kind none iff no national parent"
        assert len(d["national"]) == len(set(d["national"])), d["local"]
        assert d["confidence"] in {"high", "medium"} and d["why"].strip(), d["local"]
    kinds = Counter(d["kind"] for d in DOC_LINKS)
    assert kinds["none"] >= MIN_DOC_NEGATIVES and kinds["explicit"] >= 1 and kinds["implicit"] >= 1, kinds


def test_provision_links_shape_and_counts() -> None:
    keys = set()
    for i, link in enumerate(PROV_LINKS):
        where = f"link #{i + 1} ({link['local_doc']} {link['local_path']})"
        assert link["local_path"] and all(link["local_path"]), where
        assert link["level"] in {"part", "sentence"}, where
        assert ("local_text" in link) == (link["level"] == "sentence"), where
        assert link["kind"] == ("negative" if not link["national"] else link["kind"]), where
        assert link["kind"] in {"explicit", "implicit", "negative"}, where
        refs = [_ref(r) for r in link["national"]]
        assert len(refs) == len(set(refs)), f"{where}: duplicate national provision"
        for _, path in refs:
            assert path and not any("(" in s or ")" in s for s in path), f"{where}: {path}"
        key = (link["local_doc"], tuple(link["local_path"]), link.get("local_text"))
        assert key not in keys, f"{where}: duplicate link"
        keys.add(key)
        assert link["why"].strip(), where
    negatives = sum(not link["national"] for link in PROV_LINKS)
    assert len(PROV_LINKS) - negatives >= MIN_PROVISION_LINKS and negatives >= MIN_PROVISION_NEGATIVES


def test_duplicate_groups_are_disjoint() -> None:
    seen: set[str] = set()
    for group in SAME:
        members = group["members"]
        assert len(members) >= 2 and group["best"] in members and group["why"].strip(), members
        assert not seen & set(members), f"{members} overlaps another [[same]] group"
        seen |= set(members)
    for ed in EDITIONS:
        assert len(ed["members"]) >= 2 and ed["why"].strip(), ed["series"]


def test_copies_are_listed_together() -> None:
    """A reader accepts every copy of a document, so gold that names one copy names them all."""
    groups = [set(g["members"]) for g in SAME]

    def check(where: str, docs: set[str]) -> None:
        for group in groups:
            if docs & group:
                assert group <= docs, f"{where}: lists {sorted(docs & group)} but not {sorted(group - docs)}"

    for q in QUERIES:
        check(q["id"], set(q["relevant"]))
    for d in DOC_LINKS:
        check(d["local"], set(d["national"]))
    for link in PROV_LINKS:
        for path in {tuple(r["path"]) for r in link["national"]}:
            check(
                f"{link['local_doc']} {link['local_path']}",
                {r["doc"] for r in link["national"] if tuple(r["path"]) == path},
            )


def test_provision_parents_are_document_parents() -> None:
    """Provision links stay inside the document-level answer: a linker may restrict to it."""
    parents = {d["local"]: set(d["national"]) for d in DOC_LINKS}
    for link in PROV_LINKS:
        assert link["local_doc"] in parents, f"{link['local_doc']} has no doc_links.toml entry"
        extra = {r["doc"] for r in link["national"]} - parents[link["local_doc"]]
        assert not extra, (
            f"{link['local_doc']} {link['local_path']}: {sorted(extra)} not among its document parents"
        )


# --- against the real corpus -----------------------------------------------------------------


@pytest.fixture(scope="session")
def manifest_levels() -> dict[str, str]:
    from ingest.manifest import read_manifest

    return {Path(e.file).stem: e.level for e in read_manifest(REAL)}


@pytest.fixture(scope="session")
def parsed() -> dict[str, Document]:
    """The parser's view of every file the provision gold names (parsed once)."""
    from ingest.manifest import read_manifest
    from ingest.pipeline import parse_file

    wanted = {link["local_doc"] for link in PROV_LINKS} | {
        r["doc"] for link in PROV_LINKS for r in link["national"]
    }
    entries = {Path(e.file).stem: e for e in read_manifest(REAL) if Path(e.file).stem in wanted}
    return {k: parse_file(REAL / e.file, meta=e, corpus_dir=REAL) for k, e in entries.items()}


@needs_corpus
def test_every_key_exists(manifest_levels: dict[str, str]) -> None:
    keys = {k for q in QUERIES for k in q["relevant"]}
    keys |= {d["local"] for d in DOC_LINKS} | {k for d in DOC_LINKS for k in d["national"]}
    keys |= {link["local_doc"] for link in PROV_LINKS} | {
        r["doc"] for link in PROV_LINKS for r in link["national"]
    }
    keys |= {k for g in SAME for k in g["members"]} | {m["key"] for e in EDITIONS for m in e["members"]}
    assert not keys - manifest_levels.keys(), (
        f"not in the real corpus: {sorted(keys - manifest_levels.keys())}"
    )


@needs_corpus
def test_links_go_provincial_to_national(manifest_levels: dict[str, str]) -> None:
    for d in DOC_LINKS:
        assert manifest_levels[d["local"]] == "provincial", d["local"]
        assert all(manifest_levels[k] == "national" for k in d["national"]), d["local"]
    covered = {d["local"] for d in DOC_LINKS}
    provincial = {k for k, level in manifest_levels.items() if level == "provincial"}
    assert provincial <= covered, (
        f"provincial documents without a doc_links entry: {sorted(provincial - covered)}"
    )


PROV_REFS = sorted(
    {(link["local_doc"], tuple(link["local_path"])) for link in PROV_LINKS}
    | {_ref(r) for link in PROV_LINKS for r in link["national"]}
)


@needs_corpus
@pytest.mark.parametrize(("doc_id", "path"), PROV_REFS, ids=[f"{d}:{'/'.join(p)}" for d, p in PROV_REFS])
def test_provision_path_names_one_provision(
    parsed: dict[str, Document], doc_id: str, path: tuple[str, ...]
) -> None:
    hits = [p for p in parsed[doc_id].provisions if tuple(p.path) == path]
    assert len(hits) == 1, (
        f"{doc_id} has {len(hits)} provisions at {list(path)} in the parser's tree (want exactly 1)"
    )


SENTENCES = [link for link in PROV_LINKS if link["level"] == "sentence"]


@needs_corpus
@pytest.mark.parametrize(
    "link", SENTENCES, ids=[f"{ln['local_doc']}:{'/'.join(ln['local_path'])}" for ln in SENTENCES]
)
def test_local_text_is_in_provision(parsed: dict[str, Document], link: dict) -> None:
    path = tuple(link["local_path"])
    prov = next((p for p in parsed[link["local_doc"]].provisions if tuple(p.path) == path), None)
    assert prov is not None, f"{link['local_doc']} has no provision {list(path)}"
    assert link["local_text"] in prov.text, f"{link['local_text']!r} not in {link['local_doc']} {list(path)}"
