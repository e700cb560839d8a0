"""The jitter the fitting script measures figures under: a gold set as a slightly different
embedding would probe it (dense scores nudged, candidates fused again), on the bundled notice's
sibling tasks, whose dense scores lie within 0.01 of each other."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from ingest.model import Document
from search.doclinks import DocInfo, Probe, Query
from search.hybrid import RRF_K, Hit
from search.link_eval import Dataset, LinkCase, LinkGold, jittered, provision_cases, provision_metrics
from search.tokenize import search_tokens
from search.units import Unit

NOTICE = "2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"
GD_2024 = "guangdong-chuanyue-shishang-chaofuhui-xingdong-fangan-jiedu-2024"
QUERY = "共培育发展100家以上我省优势特色纺织服装品牌"
# (path, dense rank, dense score, lexical rank): two siblings tied by fusion (1+2 and 2+1)
CANDIDATES = [(["二", "（二）"], 1, 0.912, 2), (["二", "（三）"], 2, 0.910, 1), (["一"], 3, 0.901, 4), (["三", "（二）"], 4, 0.880, None)]


def _dataset(notice: Document) -> Dataset:
    terms = tuple(search_tokens(QUERY))
    hits = []
    for path, d_rank, d_score, l_rank in CANDIDATES:
        p = next(p for p in notice.provisions if list(p.path) == path)
        unit = Unit(f"x:{NOTICE}/{'/'.join(path)}", p.text, NOTICE, "", None, "national", "全国", None, None, path, p.heading)
        fused = 1.0 / (RRF_K + d_rank) + (1.0 / (RRF_K + l_rank) if l_rank else 0.0)
        hits.append(Hit(unit.iri, fused, len(hits) + 1, unit, d_rank, d_score, l_rank, 5.0 if l_rank else None, terms))
    probe = Probe(Query("link8", GD_2024, "provincial", "广东省", QUERY), hits)
    gold = LinkGold("gold", [LinkCase("link8", GD_2024, QUERY, {(NOTICE, ("二", "（三）"))})], {GD_2024: {NOTICE}})
    docs = {NOTICE: DocInfo(NOTICE, "national", "全国", None, "2023-04-14"),
            GD_2024: DocInfo(GD_2024, "provincial", "广东省", None, "2024-01-01")}
    return Dataset(gold, [probe], [probe], docs, {}).refresh()


def test_no_jitter_leaves_the_probes_as_they_were(notice: Document) -> None:
    data = _dataset(notice)
    same = jittered(data, 0.0, np.random.default_rng(0))
    assert [h.iri for h in same.probes[0].hits] == [h.iri for h in data.probes[0].hits]
    assert same.rows == data.rows and same.labels == data.labels


def test_jitter_flips_near_ties_and_keeps_every_probe_consistent(notice: Document) -> None:
    data = _dataset(notice)
    tops = set()
    for seed in range(20):
        moved = jittered(data, 0.002, np.random.default_rng(seed)).probes[0].hits
        assert sorted(h.dense_rank for h in moved) == [1, 2, 3, 4]  # dealt out again, in score order
        assert [h.dense_rank for h in sorted(moved, key=lambda h: -(h.dense_score or 0))] == [1, 2, 3, 4]
        assert [h.rank for h in moved] == [1, 2, 3, 4]
        assert all(a.score >= b.score for a, b in pairwise(moved))  # fused again
        assert {h.iri: h.lexical_rank for h in moved} == {h.iri: h.lexical_rank for h in data.probes[0].hits}
        tops.add(tuple(moved[0].unit.path))
    # the two siblings 0.002 apart trade places; 三/（二）, 0.03 behind and unseen by BM25, never leads
    assert tops == {("二", "（二）"), ("二", "（三）")}
    # the original data is not touched
    assert [h.dense_rank for h in data.probes[0].hits] == [1, 2, 3, 4]


def test_provision_cases_name_the_miss_the_metrics_count(notice: Document) -> None:
    # the hybrid order puts 二/（二） first; a second stage preferring 二/（三） turns the miss into a hit
    data = _dataset(notice)
    [hybrid] = provision_cases(data, None)
    assert hybrid.rank == 2 and tuple(hybrid.probe.hits[hybrid.order[0]].unit.path) == ("二", "（二）")
    assert not hybrid.asserted and provision_metrics(data, None)["r1"] == 0.0
    prob = np.asarray([0.3, 0.95, 0.1, 0.05])
    [reranked] = provision_cases(data, prob, cut=0.9)
    assert reranked.rank == 1 and reranked.asserted
    m = provision_metrics(data, prob, cut=0.9)
    assert (m["r1"], m["asserted"], m["precision"]) == (1.0, 1, 1.0)
    # not inside an asserted parent: ranked first all the same, but not stated
    [outside] = provision_cases(data, prob, cut=0.9, parents={})
    assert outside.rank == 1 and not outside.asserted
