"""Copies and editions found from the text (MinHash), on bundled texts and the real corpus."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import DCTERMS, PROV, RDF

from graph.iris import Iris
from ingest.model import Document
from ontology.namespaces import PKG
from search.duplicates import (
    Signature,
    Text,
    duplicate_triples,
    find_duplicates,
    load_signatures,
    save_signatures,
)

NOTICE = "2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"
NOTICE_2022 = "2022-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"
OPINION = "huaxian-gongye-gaozhiliang-fazhan-zhidao-yijian-2022"
REAL = Path(os.environ.get("POLICYKG_REAL_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "realcorpus"))
GOLD = Path(__file__).resolve().parents[1] / "data" / "gold" / "real" / "duplicates.toml"


def _body(doc: Document) -> str:
    return "\n".join(p.text for p in doc.provisions)


def test_a_copy_without_its_preamble_joins_the_full_copy(corpus_docs: dict[str, Document]) -> None:
    full = _body(corpus_docs[NOTICE])
    cut = full[len(full) // 10 :]  # a repost that starts further down
    dups = find_duplicates([Text("full", "x:full", full), Text("cut", "x:cut", cut),
                            Text("other", "x:other", _body(corpus_docs[OPINION]))])
    assert [g.members for g in dups.copies()] == [["full", "cut"]]  # the longer text is kept
    assert dups.canonical() == {"full": "full", "cut": "full"}


def test_the_2022_and_2023_rounds_of_one_campaign_are_not_copies(corpus_docs: dict[str, Document]) -> None:
    dups = find_duplicates([Text(d, d, _body(corpus_docs[d]), corpus_docs[d].metadata.date)
                            for d in (NOTICE, NOTICE_2022, OPINION)])
    assert not dups.copies()
    assert all(OPINION not in g.members for g in dups.groups)


def test_copies_and_editions_become_standard_triples(corpus_docs: dict[str, Document]) -> None:
    text = _body(corpus_docs[NOTICE])
    other = _body(corpus_docs[OPINION]).split("。")
    # a revised edition: every third sentence rewritten
    edition = "。".join(s if i % 3 else other[i % len(other)] for i, s in enumerate(text.split("。")))
    dups = find_duplicates([Text("a", "x:a", text, "2021-01-01"), Text("b", "x:b", text, "2021-02-01"),
                            Text("c", "x:c", edition, "2023-05-01")])
    assert [g.kind for g in dups.groups] == ["copies", "editions"]
    iris = {k: f"http://x/{k}" for k in "abc"}
    triples = set(duplicate_triples(dups, iris, iris=Iris()))
    group = next(s for s, p, o in triples if p == RDF.type and o == PKG.CopyGroup)
    assert (group, PKG.canonical, URIRef("http://x/a")) in triples
    assert (URIRef("http://x/b"), PROV.alternateOf, URIRef("http://x/a")) in triples
    assert (URIRef("http://x/c"), DCTERMS.replaces, URIRef("http://x/a")) in triples


@pytest.mark.skipif(not REAL.is_dir(), reason=f"real corpus not at {REAL}")
def test_every_copy_group_of_the_real_corpus_is_found_exactly() -> None:
    texts = [Text(p.stem, p.stem, p.read_text(encoding="utf-8")) for p in sorted(REAL.glob("*/*.txt"))]
    found = {frozenset(g.members) for g in find_duplicates(texts).copies()}
    gold = {frozenset(g["members"]) for g in tomllib.loads(GOLD.read_text(encoding="utf-8"))["same"]}
    assert found == gold


def test_signatures_kept_from_a_previous_run_give_the_same_groups(
        corpus_docs: dict[str, Document], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [Text(d.id, d.id, _body(d), d.metadata.date) for d in corpus_docs.values()]
    texts.append(Text("repost", "repost", _body(corpus_docs[NOTICE])[40:]))  # a copy, so there is a group
    kept: dict[str, Signature] = {}
    first = find_duplicates(texts, signatures=kept)
    assert first.copies() and len(kept) == len({t.text for t in texts if t.text.strip()})
    save_signatures(tmp_path / "minhash.npz", kept)
    monkeypatch.setattr("search.duplicates._minhash", lambda _s: pytest.fail("a kept text was hashed again"))
    again = find_duplicates(texts, signatures=load_signatures(tmp_path / "minhash.npz"))
    assert [(g.kind, g.members, g.similarity) for g in again.groups] == [
        (g.kind, g.members, g.similarity) for g in first.groups]
