"""Document-level evidence, the second-stage features and the small model, on fabricated probes
(no index, no model): what each feature says and how the cut is chosen."""

from __future__ import annotations

import numpy as np

from search.doclinks import (
    DOC_FEATURES,
    DocInfo,
    Probe,
    Query,
    doc_infos,
    doc_pairs,
    is_asserted,
    parent_levels,
    province_of,
    score_pairs,
)
from search.hybrid import Hit
from search.model import NOTHING, Model, choose_cut, cross_validated, fit, group_weights
from search.rerank import PROVISION_FEATURES, candidate_rows, is_boilerplate, rerank
from search.units import Unit

DOCS = {
    "sd-bigdata": DocInfo("sd-bigdata", "provincial", "山东省", "山东省推进工业大数据发展的实施方案", "2020-12-10"),
    "jn-plan": DocInfo("jn-plan", "municipal", "山东省济南市", "济南市工业大数据行动计划", "2021-06-01"),
    "miit-bigdata": DocInfo("miit-bigdata", "national", "全国", "工业和信息化部关于工业大数据发展的指导意见", "2020-04-28"),
    "coal": DocInfo("coal", "national", "全国", "关于加快煤矿智能化发展的指导意见", "2020-02-25"),
    "late": DocInfo("late", "national", "全国", "数字经济发展规划", "2023-01-01"),
}


def _hit(doc: str, path: str, rank: int, *, heading: str | None = None, dense: float = 0.9) -> Hit:
    d = DOCS[doc]
    unit = Unit(iri=f"x:{doc}/{path}", text=f"{heading or ''}推动工业数据全面采集", doc_id=doc, doc_title=d.title or "",
                doc_number=None, level=d.level, region=d.region, date=d.date, doc_type=None, path=[path],
                heading=heading)
    return Hit(iri=unit.iri, score=1.0 / rank, rank=rank, unit=unit, dense_rank=rank, dense_score=dense,
               lexical_rank=rank, lexical_score=10.0 / rank, terms=("工业数据",))


def _probe(local: str, n: int, hits: list[Hit]) -> Probe:
    d = DOCS[local]
    return Probe(Query(f"x:{local}/{n}", local, d.level, d.region, "推动工业数据全面采集"), hits)


def test_a_city_implements_its_province_and_the_nation_a_province_only_the_nation() -> None:
    assert parent_levels("municipal") == ("national", "provincial")
    assert parent_levels("provincial") == ("national",)
    assert parent_levels("national") == ()
    assert province_of("山东省济南市") == "山东省"


def test_document_evidence_adds_up_over_provisions_and_citations() -> None:
    probes = [_probe("sd-bigdata", 1, [_hit("miit-bigdata", "1", 1), _hit("coal", "1", 2)]),
              _probe("sd-bigdata", 2, [_hit("miit-bigdata", "2", 1), _hit("late", "1", 2)]),
              _probe("sd-bigdata", 3, [_hit("coal", "2", 1), _hit("miit-bigdata", "3", 2)])]
    cites = {"sd-bigdata": {"miit-bigdata": "落实《关于工业大数据发展的指导意见》"}}
    pairs = {p.parent: p for p in doc_pairs(probes, DOCS, cites)}
    assert set(pairs) == {"miit-bigdata", "coal", "late"}
    best = pairs["miit-bigdata"].features
    assert best["cites"] == 1.0 and pairs["coal"].features["cites"] == 0.0
    assert best["top1_share"] == 2 / 3 and best["lead"] == 1 / 3
    assert best["rank_mass"] == (1 + 1 + 0.5) / 3
    assert best["earlier"] == 1.0 and pairs["late"].features["later"] == 1.0  # the parent comes first
    assert best["title_overlap"] > pairs["coal"].features["title_overlap"]  # 工业大数据 in both titles
    assert pairs["miit-bigdata"].evidence[0].startswith("cites ")


def test_a_citation_of_a_document_at_the_same_level_is_no_candidate() -> None:
    probes = [_probe("sd-bigdata", 1, [_hit("miit-bigdata", "1", 1)])]
    pairs = doc_pairs(probes, DOCS, {"sd-bigdata": {"jn-plan": "按照《济南市工业大数据行动计划》"}})
    assert [p.parent for p in pairs] == ["miit-bigdata"]


def test_second_stage_rows_mark_boilerplate_and_the_likeliest_parent() -> None:
    probes = [_probe("sd-bigdata", 1, [_hit("coal", "1", 1, heading="保障措施"), _hit("miit-bigdata", "1", 2)]),
              _probe("sd-bigdata", 2, [_hit("miit-bigdata", "2", 1)]),
              _probe("sd-bigdata", 3, [_hit("miit-bigdata", "3", 1)])]
    pairs = {(p.local, p.parent): p for p in doc_pairs(probes, DOCS, {})}
    rows = [dict(zip(PROVISION_FEATURES, r, strict=True)) for r in candidate_rows(probes[0], pairs)]
    assert rows[0]["boilerplate"] == 1.0 and rows[1]["boilerplate"] == 0.0
    assert rows[0]["doc_best"] == 0.0 and rows[1]["doc_best"] == 1.0
    assert rows[0]["inv_rank"] == 1.0 and rows[1]["inv_rank"] == 0.5
    assert is_boilerplate(None, "（一）指导思想。以习近平新时代中国特色社会主义思想为指导")
    assert not is_boilerplate("推动工业数据全面采集", "支持企业开展设备联网")


def test_cross_validation_scores_each_group_with_a_model_that_never_saw_it() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    y = (x[:, 0] > 0).astype(int)
    groups = [f"g{i // 6}" for i in range(60)]
    oof = cross_validated(["a", "b"], x, y, groups)
    assert ((oof > 0.5) == y).mean() > 0.85
    x_leak = x.copy()
    x_leak[:6, 0] = -x_leak[:6, 0]  # group g0 contradicts the rest: out of fold it must be scored wrong
    oof = cross_validated(["a", "b"], x_leak, y, groups)
    assert ((oof[:6] > 0.5) == y[:6]).mean() < 0.5
    assert fit(["a", "b"], x, y).prob(x[:1]).shape == (1,)


def test_the_cut_keeps_precision_or_asserts_nothing() -> None:
    prob = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5])
    y = np.array([1, 1, 1, 0, 1, 0])
    assert choose_cut(prob, y, precision=0.9) == 0.8
    assert choose_cut(prob, np.zeros(6, dtype=int), precision=0.9) == NOTHING > 1.0
    # a dip below the target ends the search, even though nine of the ten top cases are right
    prob = np.linspace(0.99, 0.9, 10)
    y = np.array([1, 0, 1, 1, 1, 1, 1, 1, 1, 1])
    assert y.mean() >= 0.9 and choose_cut(prob, y, precision=0.9) == 0.99


def test_a_cited_parent_ranks_first_and_one_issued_later_last_and_is_never_asserted() -> None:
    probes = [_probe("sd-bigdata", 1, [_hit("late", "1", 1), _hit("coal", "1", 2)]),
              _probe("sd-bigdata", 2, [_hit("late", "2", 1), _hit("miit-bigdata", "1", 2)])]
    pairs = doc_pairs(probes, DOCS, {"sd-bigdata": {"miit-bigdata": "落实《关于工业大数据发展的指导意见》"}})
    model = Model(DOC_FEATURES, [0.0] * len(DOC_FEATURES), [1.0] * len(DOC_FEATURES),
                  [1.0 if f in ("top1_share", "lead") else 0.0 for f in DOC_FEATURES], 0.0, cut=0.5)
    ranked = score_pairs(pairs, model)
    assert [p.parent for p in ranked] == ["miit-bigdata", "coal", "late"]  # "late" has the best probability
    assert ranked[-1].prob == max(p.prob for p in ranked)
    assert is_asserted(ranked[0], model) and not is_asserted(ranked[-1], model)


def test_a_local_document_repeating_a_parents_task_headings_overlaps_it() -> None:
    local = DocInfo("sd", "provincial", "山东省", None, None, ("推动工业数据全面采集", "加速工业数据高质量汇聚", "保障措施"))
    miit = DocInfo("miit", "national", "全国", None, None, ("推动工业数据全面采集", "推动工业数据高质量汇聚"))
    coal = DocInfo("coal", "national", "全国", None, None, ("加强顶层设计，科学谋划煤矿智能化建设",))
    probes = [Probe(Query("x:sd/1", "sd", "provincial", "山东省", "工业数据"),
                    [_hit("miit-bigdata", "1", 1), _hit("coal", "1", 2)])]
    docs = {"sd": local, "miit-bigdata": miit, "coal": coal}
    overlap = {p.parent: p.features["heading_overlap"] for p in doc_pairs(probes, docs, {})}
    assert overlap["miit-bigdata"] > 0.6 and overlap["coal"] == 0.0
    units = [Unit("x:a", "推动工业数据全面采集。支持…", "a", "", None, "national", "全国", None, None, ["一"], "推动工业数据全面采集"),
             Unit("x:b", "保障措施", "a", "", None, "national", "全国", None, None, ["二"], "保障措施")]
    info = doc_infos([DocInfo("a", "national", "全国", None, "2020")], units)["a"]
    assert info.headings == ("推动工业数据全面采集",)  # boilerplate headings say nothing about the document


def test_dates_compare_at_the_precision_both_have() -> None:
    year = DocInfo("zj", "provincial", "浙江省", None, "2023")
    probes = [Probe(Query("x:zj/1", "zj", "provincial", "浙江省", "工业数据"), [_hit("late", "1", 1)])]
    notice = DocInfo("late", "national", "全国", None, "2023-04-14")
    (pair,) = doc_pairs(probes, {"zj": year, "late": notice}, {})
    assert pair.features["later"] == 0.0 and pair.features["earlier"] == 0.0


def test_per_document_weights_let_each_local_document_count_once() -> None:
    y = np.array([1, 0, 0, 0, 1, 1, 1, 0])
    w = group_weights(y, ["a", "a", "a", "a", "b", "b", "b", "b"])
    assert np.isclose(w[0], 3 * w[1])  # a's one positive weighs as much as its three negatives
    assert np.isclose(w[:4].sum(), w[4:].sum())


def test_candidates_inside_an_asserted_parent_rank_first() -> None:
    probes = [_probe("sd-bigdata", 1, [_hit("coal", "1", 1, dense=0.95), _hit("miit-bigdata", "1", 2, dense=0.8)])]
    pairs = doc_pairs(probes, DOCS, {})
    model = Model(PROVISION_FEATURES, [0.0] * len(PROVISION_FEATURES), [1.0] * len(PROVISION_FEATURES),
                  [1.0 if f == "inv_rank" else 0.0 for f in PROVISION_FEATURES], 0.0)
    (free,) = rerank(probes, pairs, model)
    assert [s.hit.unit.doc_id for s in free] == ["coal", "miit-bigdata"]  # by probability alone
    (bound,) = rerank(probes, pairs, model, {"sd-bigdata": {"miit-bigdata"}})
    assert [s.hit.unit.doc_id for s in bound] == ["miit-bigdata", "coal"]
    assert bound[0].prob < bound[1].prob
