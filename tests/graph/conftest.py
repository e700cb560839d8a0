"""Fixtures for the graph tests: small documents with real text from corpus/.

``sample_docs`` are built by hand from the corpus texts, with exactly known facts (so the
builder's tests do not depend on the extractor); ``corpus_store`` holds the real corpus parsed
by ``ingest.pipeline``: the session's one ingested corpus (``corpus_service`` in ``tests/conftest.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from graph.store import GraphStore
from ingest.model import Action, Agency, Citation, Document, Metadata, Provision, Target

if TYPE_CHECKING:
    from api.service import Service

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class P:
    """A provision to lay out: facts are given by the substring that is their evidence."""

    path: list[str]
    label: str
    kind: str
    text: str
    heading: str | None = None
    actions: list[tuple[str, str, str | None]] = field(default_factory=list)  # verb, object, instrument
    targets: list[tuple[str, float, str, str, str, str | None]] = field(default_factory=list)
    agencies: list[tuple[str, str, str]] = field(default_factory=list)  # name, role, mention
    citations: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)


def make_doc(doc_id: str, meta: Metadata, head: str, provisions: list[P],
             doc_agencies: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
             doc_citations: list[tuple[str, str, str | None, str | None]] = ()) -> Document:  # type: ignore[assignment]
    text = head + "\n"
    provs: list[Provision] = []
    for p in provisions:
        start = len(text)
        text += p.text + "\n"
        prov = Provision(path=p.path, label=p.label, kind=p.kind, heading=p.heading, text=p.text,
                         start=start, end=start + len(p.text))

        def at(s: str, base: int = start, body: str = p.text) -> tuple[int, int]:
            i = body.index(s)
            return base + i, base + i + len(s)

        for verb, obj, instrument in p.actions:
            s, e = at(verb + obj)
            prov.actions.append(Action(verb=verb, object=obj, start=s, end=e, instrument=instrument))
        for written, qty, unit, comp, subject, deadline in p.targets:
            s, e = at(written)
            prov.targets.append(Target(quantity=qty, unit=unit, comparator=comp, subject=subject,  # type: ignore[arg-type]
                                       text=written, start=s, end=e, deadline=deadline))
        for name, role, mention in p.agencies:
            s, e = at(mention)
            prov.agencies.append(Agency(name=name, role=role, mention=mention, start=s, end=e))  # type: ignore[arg-type]
        for evidence, relation, title, number in p.citations:
            s, e = at(evidence)
            prov.citations.append(Citation(relation=relation, title=title, doc_number=number, start=s, end=e))
        provs.append(prov)
    doc = Document(id=doc_id, path=f"{doc_id}.txt", raw_text=text, text=text,
                   origin=list(range(len(text) + 1)), encoding="utf-8", metadata=meta, provisions=provs)
    for name, role, mention in doc_agencies:
        i = head.index(mention)
        doc.agencies.append(Agency(name=name, role=role, mention=mention, start=i, end=i + len(mention)))  # type: ignore[arg-type]
    for evidence, relation, title, number in doc_citations:
        i = head.index(evidence)
        doc.citations.append(Citation(relation=relation, title=title, doc_number=number, start=i, end=i + len(evidence)))
    return doc


def national_87() -> Document:
    """工信厅联消费函〔2023〕87号 (simplified; from the repost in corpus/national)."""
    head = ("工业和信息化部办公厅 商务部办公厅关于开展2023纺织服装优供给促升级活动的通知\n"
            "工信厅联消费函〔2023〕87号\n"
            "各省、自治区、直辖市及计划单列市、新疆生产建设兵团工业和信息化、商务主管部门,中国纺织工业联合会:")
    return make_doc(
        "2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi",
        Metadata(title="工业和信息化部办公厅 商务部办公厅关于开展2023纺织服装优供给促升级活动的通知",
                 doc_number="工信厅联消费函〔2023〕87号", issuers=["工业和信息化部办公厅", "商务部办公厅"],
                 date="2023-04-14", doc_type="通知", level="national", region="全国", source="seed document"),
        head,
        [
            P(["一"], "一、", "part", "一、总体要求", heading="总体要求"),
            P(["二"], "二、", "part", "二、工作任务", heading="工作任务"),
            P(["二", "（一）"], "（一）", "item",
              "（一）聚焦高端化智能化绿色化,加快产业体系升级发展。支持企业加大设备更新和技术改造力度,"
              "推动企业数字化智能化转型,推进废旧纺织品循环利用。",
              heading="聚焦高端化智能化绿色化,加快产业体系升级发展",
              actions=[("推动", "企业数字化智能化转型", "supply"), ("推进", "废旧纺织品循环利用", "environment")]),
            P(["二", "（二）"], "（二）", "item",
              "（二）促进区域发展差异化均衡化,培育特色优质纺织产品。支持中西部地区积极承接产业转移,打造世界级先进制造业集群。",
              heading="促进区域发展差异化均衡化,培育特色优质纺织产品",
              actions=[("打造", "世界级先进制造业集群", None)]),
            P(["二", "（三）"], "（三）", "item",
              "（三）强化创意设计与品牌建设,引领时尚消费新趋势。提升纺织服装创意设计园区发展水平,培育纺织服装消费品牌。",
              heading="强化创意设计与品牌建设,引领时尚消费新趋势",
              actions=[("提升", "纺织服装创意设计园区发展水平", "supply"), ("培育", "纺织服装消费品牌", "demand")]),
            P(["三"], "三、", "part", "三、工作要求", heading="工作要求"),
            P(["三", "（一）"], "（一）", "item",
              "（一）加强组织实施。各地工业和信息化、商务主管部门要加强协同配合。",
              heading="加强组织实施",
              agencies=[("工业和信息化部办公厅", "lead", "工业和信息化")]),
        ],
        doc_agencies=[("工业和信息化部办公厅", "issuer", "工业和信息化部办公厅"),
                      ("商务部办公厅", "issuer", "商务部办公厅")],
    )


def guangdong_jiedu() -> Document:
    """Guangdong 解读 of the 2024 穿粤时尚潮服荟 programme (corpus/provincial)."""
    head = ("关于《2024年开展“穿粤时尚潮服荟”打造纺织服装新质生产力行动方案》的政策解读\n"
            "为深入落实国家和省关于推动传统产业转型升级要求,贯彻落实《关于进一步推动纺织服装产业高质量发展的实施意见》,出台本行动方案。")
    return make_doc(
        "guangdong-chuanyue-shishang-chaofuhui-xingdong-fangan-jiedu-2024",
        Metadata(title="关于《2024年开展“穿粤时尚潮服荟”打造纺织服装新质生产力行动方案》的政策解读",
                 doc_number="", issuers=["广东省工业和信息化厅"], date="2024", doc_type="解读",
                 level="provincial", region="广东省", source="seed document"),
        head,
        [
            P(["二"], "二、", "part",
              "二、《行动方案》主要内容。建成15家以上产业链协同的服装产业集聚区,共培育8家以上国家纺织服装创意设计园区;"
              "共培育发展100家以上我省优势特色纺织服装品牌,展示推广500件以上设计创新特色服装精品。",
              heading="《行动方案》主要内容",
              targets=[("15家以上", 15, "家", "atLeast", "产业链协同的服装产业集聚区", "2024"),
                       ("8家以上", 8, "家", "atLeast", "国家纺织服装创意设计园区", "2024"),
                       ("100家以上", 100, "家", "atLeast", "我省优势特色纺织服装品牌", None),
                       ("500件以上", 500, "件", "atLeast", "设计创新特色服装精品", None)]),
            P(["第一部分"], "第一部分", "part",
              "第一部分“新活力新经济促进产业焕新颜专项行动”。鼓励各地建设完善纺织服装特色产业园区,培育国家纺织服装创意设计（试点）示范园区。",
              actions=[("培育", "国家纺织服装创意设计（试点）示范园区", "supply")]),
            P(["第二部分"], "第二部分", "part",
              "第二部分“新制造新工艺驱动产业提质增效专项行动”。加快智能化改造,推进我省纺织服装行业大规模开展设备更新;"
              "开展我省印染企业规范公告申报工作。（省工业和信息化厅牵头,省商务厅配合）",
              actions=[("推进", "我省纺织服装行业大规模开展设备更新", "supply")],
              agencies=[("广东省工业和信息化厅", "lead", "省工业和信息化厅"),
                        ("广东省商务厅", "cooperating", "省商务厅")]),
        ],
        doc_citations=[("贯彻落实《关于进一步推动纺织服装产业高质量发展的实施意见》", "贯彻落实",
                        "关于进一步推动纺织服装产业高质量发展的实施意见", None)],
    )


def banfa_2016() -> Document:
    head = "纺织服装创意设计试点示范园区(平台)管理办法(试行)"
    return make_doc(
        "fangzhi-fuzhuang-chuangyi-sheji-shifan-yuanqu-guanli-banfa-2016",
        Metadata(title="纺织服装创意设计试点示范园区(平台)管理办法(试行)", doc_number="工信部消费〔2016〕396号",
                 issuers=["工业和信息化部"], date="2016-12", doc_type="办法", level="national", region="全国"),
        head,
        [P(["第一章"], "第一章", "chapter", "第一章 总则", heading="总则"),
         P(["第一章", "第一条"], "第一条", "article",
           "第一条 为贯彻落实《国务院办公厅关于促进服装家纺产业发展的指导意见》（国办发[2016]40号）,制定本办法。",
           citations=[("为贯彻落实《国务院办公厅关于促进服装家纺产业发展的指导意见》（国办发[2016]40号）", "贯彻落实",
                       "国务院办公厅关于促进服装家纺产业发展的指导意见", "国办发[2016]40号")])],
    )


def notice_206() -> Document:
    head = ("关于开展2023年纺织服装创意设计园区试点示范工作的通知\n工信厅消费函〔2023〕206号\n"
            "根据《纺织服装创意设计试点示范园区（平台）管理办法（试行）》（工信部消费〔2016〕396号）有关要求,决定开展试点示范工作。")
    return make_doc(
        "2023-fangzhi-fuzhuang-chuangyi-sheji-yuanqu-shidian-shifan-tongzhi",
        Metadata(title="工业和信息化部办公厅关于开展2023年纺织服装创意设计园区试点示范工作的通知",
                 doc_number="工信厅消费函〔2023〕206号", issuers=["工业和信息化部办公厅"], date="2023-07",
                 doc_type="通知", level="national", region="全国", partial=True),
        head,
        [P(["一"], "一、", "part", "一、纺织服装创意设计示范园区(平台)创建", heading="纺织服装创意设计示范园区(平台)创建"),
         P(["一", "1."], "1.", "subitem", "1.我部公告的第1—5批纺织服装创意设计试点园区(平台),可申请创建示范园区。",
           actions=[("申请", "创建示范园区", None)])],
        doc_citations=[("根据《纺织服装创意设计试点示范园区（平台）管理办法（试行）》（工信部消费〔2016〕396号）", "根据",
                        "纺织服装创意设计试点示范园区（平台）管理办法（试行）", "工信部消费〔2016〕396号")],
    )


def sample_documents() -> list[Document]:
    return [national_87(), guangdong_jiedu(), banfa_2016(), notice_206()]


@pytest.fixture
def sample_docs() -> list[Document]:
    return sample_documents()


@pytest.fixture
def store(tmp_path: Path) -> GraphStore:
    s = GraphStore(tmp_path / "data")
    yield s
    s.close()


@pytest.fixture
def loaded_store(store: GraphStore, sample_docs: list[Document]) -> GraphStore:
    store.ingest(sample_docs)
    return store


@pytest.fixture(scope="session")
def corpus_store(corpus_service: Service) -> GraphStore:
    """The whole corpus (parsed by ingest.pipeline): the session's one ingested corpus (tests/conftest.py)."""
    return corpus_service.store
