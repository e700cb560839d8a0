"""The second stage's ordering rules on the bundled texts: a chain step issued after the city
document is no step; a general section takes its parent's general section; a local text naming
its national document by subject. Dates, levels and titles are the manifest's."""

from __future__ import annotations

from ingest.model import Document
from search.doclinks import DocInfo, DocPair, Probe, Query, doc_pairs, general_kinds, title_share
from search.hybrid import Hit
from search.rerank import PROVISION_FEATURES, candidate_rows, leading, rank_key
from search.tokenize import search_tokens
from search.units import Unit

NOTICE = "2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"
FIBRE = "huaxian-gongye-gaozhiliang-fazhan-zhidao-yijian-2022"
DYEING = "yinran-hangye-guifan-tiaojian-2023"
TRADITIONAL = "jiakuai-chuantong-zhizaoye-zhuanxing-shengji-zhidao-yijian-2023"
GD_2024 = "guangdong-chuanyue-shishang-chaofuhui-xingdong-fangan-jiedu-2024"
SHENZHEN = "shenzhen-shishang-chanye-gaozhiliang-fazhan-xingdong-jihua-2020-2024"
ZHEJIANG = "zhejiang-cujin-fangzhi-chanye-gaozhiliang-fazhan-shishi-yijian-2023"


def _info(doc: Document) -> DocInfo:
    m = doc.metadata
    return DocInfo(doc.id, m.level or "", m.region or "", m.title, m.date)


def _unit(doc: Document, path: list[str]) -> Unit:
    p = next(p for p in doc.provisions if list(p.path) == path)
    m = doc.metadata
    return Unit(f"x:{doc.id}/{'/'.join(path)}", p.text, doc.id, m.title or "", None, m.level or "", m.region or "",
                m.date, None, path, p.heading)


def _ranked(docs: dict[str, Document], local: DocInfo, query: str, units: list[Unit], probs: list[float],
            mine: set[str] = frozenset(), lead: str | None = None) -> list[str]:
    """The candidates' paths in the second stage's order, given their probabilities."""
    terms = tuple(search_tokens(query))
    hits = [Hit(u.iri, 1.0 / r, r, u, r, 0.8, r, 5.0, terms) for r, u in enumerate(units, start=1)]
    probe = Probe(Query("x:q", local.id, local.level, local.region, query), hits)
    info = {d.id: _info(d) for d in docs.values()} | {local.id: local}
    pairs = {(p.local, p.parent): p for p in doc_pairs([probe], info, {})}
    rows = candidate_rows(probe, pairs)
    order = sorted(range(len(hits)), key=lambda i: rank_key(hits[i], rows[i], probs[i], set(mine), lead))
    return [f"{units[i].doc_id}:{'/'.join(units[i].path)}" for i in order]


def test_a_provincial_plan_issued_after_the_city_plan_is_no_step_of_its_chain(
        corpus_docs: dict[str, Document]) -> None:
    # 深圳 2020-03 "建成若干高端时尚消费街区…产业聚集时尚特色小镇" reads like 广东 2024 第一部分 (建设千亿名区名城),
    # but a 2020 plan cannot carry out a 2024 one; the 2023 national notice keeps its place by
    # probability (a later national text may restate a continuing policy line)
    shenzhen = _info(corpus_docs[SHENZHEN])
    province, national = _unit(corpus_docs[GD_2024], ["二", "第一部分"]), _unit(corpus_docs[NOTICE], ["二", "（二）"])
    query = "建成若干高端时尚消费街区和集多元化功能的产业聚集时尚特色小镇"
    assert _ranked(corpus_docs, shenzhen, query, [province, national], [0.9, 0.4]) == [
        f"{NOTICE}:二/（二）", f"{GD_2024}:二/第一部分"]
    # the same provincial text for a city plan issued after it ranks by probability
    later_city = DocInfo("city-2025", "municipal", "广东省某市", "某市时尚产业行动计划", "2025-01-01")
    assert _ranked(corpus_docs, later_city, query, [province, national], [0.9, 0.4])[0] == f"{GD_2024}:二/第一部分"


def test_a_general_section_takes_the_general_section_of_its_parent(corpus_docs: dict[str, Document]) -> None:
    zhejiang = _info(corpus_docs[ZHEJIANG])
    heading = next(p.heading for p in corpus_docs[ZHEJIANG].provisions if list(p.path) == ["一"])
    assert heading == "总体要求"
    units = [_unit(corpus_docs[DYEING], ["附件1", "一", "（一）"]), _unit(corpus_docs[FIBRE], ["一"]),
             _unit(corpus_docs[NOTICE], ["一"])]
    probs = [0.8, 0.6, 0.3]
    # the notice is the first parent at document level: its 总体要求 answers Zhejiang's
    assert _ranked(corpus_docs, zhejiang, heading, units, probs, lead=NOTICE)[0] == f"{NOTICE}:一"
    # an asserted parent wins over the first at document level
    assert _ranked(corpus_docs, zhejiang, heading, units, probs, mine={FIBRE}, lead=NOTICE)[0] == f"{FIBRE}:一"
    # no parent known: the model's order
    assert _ranked(corpus_docs, zhejiang, heading, units, probs)[0] == f"{DYEING}:附件1/一/（一）"
    # a task is no general section: the rule leaves it alone
    task = "共培育发展100家以上我省优势特色纺织服装品牌"
    assert _ranked(corpus_docs, _info(corpus_docs[GD_2024]), task, units, probs, lead=NOTICE)[0] == f"{DYEING}:附件1/一/（一）"


def test_a_local_text_naming_its_national_document_by_subject(corpus_docs: dict[str, Document]) -> None:
    # 广东 2024: "为深入落实国家和省关于推动传统产业转型升级要求" = 《关于加快传统制造业转型升级的指导意见》
    text = "为深入落实国家和省关于推动传统产业转型升级要求"
    named = title_share(corpus_docs[TRADITIONAL].metadata.title, text)
    # 传统 业转 转型 型升 升级 of the title's 18 (工业和信息化部等八部门 关于加快 传统制造业转型升级 的指导意见)
    assert named == 5 / 18
    assert title_share(corpus_docs[NOTICE].metadata.title, text) < named / 2
    assert title_share(None, text) == 0.0
    units = [_unit(corpus_docs[NOTICE], ["一"]), _unit(corpus_docs[TRADITIONAL], ["一"])]
    hits = [Hit(u.iri, 1.0, r, u, r, 0.8, r, 5.0, ()) for r, u in enumerate(units, start=1)]
    rows = candidate_rows(Probe(Query("x:q", GD_2024, "provincial", "广东省", text), hits), {})
    named_at = PROVISION_FEATURES.index("title_named")
    assert rows[1][named_at] == named and rows[0][named_at] < named


def test_the_first_parent_at_document_level_is_a_cited_one_then_not_a_later_one_then_the_likeliest() -> None:
    def pair(parent: str, prob: float, *, cites: float = 0.0, later: float = 0.0) -> DocPair:
        return DocPair("local", parent, {"cites": cites, "later": later}, prob=prob)

    assert leading([pair("a", 0.9), pair("b", 0.2)]) == {"local": "a"}
    assert leading([pair("a", 0.9), pair("b", 0.2, cites=1.0)]) == {"local": "b"}
    assert leading([pair("a", 0.9, later=1.0), pair("b", 0.2)]) == {"local": "b"}


def test_a_heading_the_local_task_restates_sets_its_provision_apart_from_its_siblings() -> None:
    # real corpus: pro-009 (山东) 2. restates nat-089's task heading （三）推动工业数据高质量汇聚; its
    # sibling （四） speaks of 汇聚工业数据 in its body and wins on the whole text
    query = ("加速工业数据高质量汇聚。启动工业大数据主题库建设，建立资源目录体系，完善数据管理及服务机制。"
             "到2022年，全省高质量工业数据集实现泽（Z）级突破。")
    tasks = [("四", "统筹建设国家工业大数据平台", "建设国家工业互联网大数据中心，汇聚工业数据，支撑产业监测分析。"),
             ("三", "推动工业数据高质量汇聚", "组织开展工业数据资源调查，引导企业加强数据资源管理。"),
             ("一", "推动工业数据全面采集", "支持工业企业实施设备数字化改造，升级各类信息系统。")]
    units = [Unit(f"x:nat-089/{n}", f"{h}。{t}", "nat-089", "促进大数据发展", None, "national", "全国", "2020-04-28",
                  None, ["二", f"（{n}）"], h) for n, h, t in tasks]
    units.append(Unit("x:nat-147/1", "数据汇聚。", "nat-147", "", None, "national", "全国", None, None, ["一"], "数据汇聚"))
    hits = [Hit(u.iri, 1.0, r, u, r, 0.8, r, 5.0, ()) for r, u in enumerate(units, start=1)]
    rows = candidate_rows(Probe(Query("x:q", "pro-009", "provincial", "山东省", query), hits), {})
    margin = [round(r[PROVISION_FEATURES.index("head_sibling_margin")], 3) for r in rows]
    # 加速工业数据高质量汇聚: 8 of its 10 bigrams in （三）'s heading, 2 in （四）'s, 3 in （一）'s;
    # nat-147's unit has no sibling to be told from
    assert margin == [-0.6, 0.5, -0.5, 0.0]


def test_general_sections_correspond_by_kind() -> None:
    # headings of the real corpus: pro-001 二, nat-157 一, pro-002 一/（三）, 一/（四）, nat-147 二/（二）
    assert general_kinds("总体要求和基本目标", "") == {"aims", "principles", "targets"}
    assert general_kinds("指导思想、基本原则和主要目标", "") == {"aims", "principles", "targets"}
    assert general_kinds("指导思想", "") == {"aims"} and general_kinds(None, "指导思想。以习近平…") == {"aims"}
    assert general_kinds("发展目标", "") == {"targets"} and general_kinds("基本原则", "") == {"principles"}
    assert not general_kinds("推动工业数据全面采集", "推动工业数据全面采集。支持工业企业…")
