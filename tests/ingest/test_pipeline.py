"""The whole ingest pipeline on the bundled corpus: what the ingest issue says it must get right."""

from __future__ import annotations

import copy
import re
import shutil
from dataclasses import fields
from pathlib import Path

import pytest

from common.errors import PolicyKGError
from ingest.manifest import Entry
from ingest.model import Document
from ingest.pipeline import (
    PIPELINE,
    Pipeline,
    Step,
    find_targets,
    load_corpus,
    new_document,
    parse_file,
    parse_text,
)
from ingest.script import to_simplified
from tests.conftest import GUANGDONG_JIEDU, NATIONAL_NOTICE

NOTICE_HEADINGS = {
    ("二", "（一）"): "聚焦高端化智能化绿色化，加快产业体系升级发展",
    ("二", "（二）"): "促进区域发展差异化均衡化，培育特色优质纺织产品",
    ("二", "（三）"): "强化创意设计与品牌建设，引领时尚消费新趋势",
    ("二", "（四）"): "维护产业链供应链稳定畅通，扩大纺织服装市场需求",
    ("二", "（五）"): "推进高水平对外开放合作，增强国内国际联动效应",
    ("三", "（一）"): "加强组织协调",
    ("三", "（二）"): "抓好宣传报道",
    ("三", "（三）"): "注重工作实效",
}
GLOSS = re.compile(r"[（(][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}[）)]")


def test_every_corpus_text_parses(corpus_docs: dict[str, Document]) -> None:
    assert len(corpus_docs) == 17
    for doc in corpus_docs.values():
        assert doc.metadata.title, doc.id
        assert doc.provisions, doc.id
        assert len(doc.origin) == len(doc.text) + 1
        for prov in doc.provisions:
            assert doc.text[prov.start : prov.end] == prov.text


def test_national_notice_metadata(notice: Document) -> None:
    md = notice.metadata
    assert md.doc_number == "工信厅联消费函〔2023〕87号"
    assert md.date == "2023-04-14"
    assert md.issuers == ["工业和信息化部办公厅", "商务部办公厅"]
    assert "中国纺织工业联合会" in md.addressees
    assert md.doc_type == "通知"
    assert [(a.name, a.role) for a in notice.agencies if a.role == "issuer"] == [
        ("工业和信息化部办公厅", "issuer"),
        ("商务部办公厅", "issuer"),
    ]


def test_national_notice_tasks_and_requirements(notice: Document) -> None:
    by_path = {tuple(p.path): p for p in notice.provisions}
    for path, heading in NOTICE_HEADINGS.items():
        assert path in by_path, f"missing {path}; got {sorted(by_path)}"
        assert by_path[path].heading == heading
    assert [p.path for p in notice.provisions if p.depth == 1] == [["一"], ["二"], ["三"]]


def test_national_notice_is_clean_simplified(notice: Document) -> None:
    assert not GLOSS.search(notice.text)
    assert to_simplified(notice.text) == notice.text
    damaged = notice.text.count("□")
    marked = [r for r in notice.repairs if r.kind == "mojibake-damaged"]
    assert damaged <= len(marked)
    # at least 99% of the characters of the original are recovered (damaged ones count as lost)
    assert damaged / len(notice.text) < 0.01


def test_jiedu_parts_and_targets(jiedu: Document) -> None:
    parts = [p for p in jiedu.provisions if p.kind == "part"]
    assert [p.label for p in parts] == [f"第{n}部分" for n in "一二三四五六"]
    assert parts[0].heading == "新活力新经济促进产业焕新颜专项行动"
    targets = {(t.text, t.subject, t.unit, t.comparator) for p in jiedu.provisions for t in p.targets}
    assert targets >= {
        ("15家以上", "产业链协同的服装产业集聚区", "家", "atLeast"),
        ("8家以上", "国家纺织服装创意设计园区", "家", "atLeast"),
        ("100家以上", "我省优势特色纺织服装品牌", "家", "atLeast"),
        ("500件以上", "设计创新特色服装精品", "件", "atLeast"),
    }


@pytest.mark.parametrize(
    ("doc_id", "relation", "doc_number"),
    [
        ("fangzhi-fuzhuang-chuangyi-sheji-shifan-yuanqu-guanli-banfa-2016", "根据", "国办发〔2016〕40号"),
        ("fangzhi-fuzhuang-chuangyi-sheji-shifan-yuanqu-guanli-banfa-2016", "根据", "国办发〔2015〕9号"),
        ("2022-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi", "按照", "工信部联消费〔2022〕79号"),
        ("guangdong-xiandai-qinggong-fangzhi-chanye-jiqun-xingdong-jihua-2021-2025", "依据", "粤府函〔2020〕82号"),
    ],
)
def test_explicit_citations(corpus_docs: dict[str, Document], doc_id: str, relation: str, doc_number: str) -> None:
    doc = corpus_docs[doc_id]
    found = doc.citations + [c for p in doc.provisions for c in p.citations]
    assert any(c.relation == relation and c.doc_number == doc_number and c.title for c in found)


def test_jiangsu_responsibility_clause(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["jiangsu-fangzhi-fuzhuang-gaozhiliang-fazhan-ruogan-zhengce-cuoshi-2022"]
    first = next(p for p in doc.provisions if p.path == ["一", "（一）"])
    roles = {(a.name, a.role) for a in first.agencies}
    assert ("江苏省工业和信息化厅", "responsible") in roles
    assert ("江苏省市场监督管理局", "responsible") in roles


def test_manifest_disagreements_are_reported(corpus_dir: Path) -> None:
    path = corpus_dir / "national/huaxian-gongye-gaozhiliang-fazhan-zhidao-yijian-2022.txt"
    wrong = Entry(file="x.txt", doc_number="工信部联消费〔2022〕44号", date="2021-04", level="national")
    doc = parse_file(path, meta=wrong)
    assert doc.conflicts == ["doc_number: text says '工信部联消费〔2022〕43号', manifest says '工信部联消费〔2022〕44号'",
                             "date: text says '2022', manifest says '2021-04'"]  # the year in the 文号
    assert doc.metadata.doc_number == "工信部联消费〔2022〕44号"  # the manifest wins where it has a value
    assert doc.metadata.date == "2021-04"


def test_manifest_title_that_contains_the_text_title_agrees(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["tuidong-gongye-lingyu-shebei-gengxin-shishi-fangan-2024"]
    assert doc.conflicts == []
    assert doc.metadata.title == "工业和信息化部等七部门关于印发《推动工业领域设备更新实施方案》的通知"


def test_text_fills_what_the_manifest_leaves_empty(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["guangzhou-shishang-chanye-jiqun-gaozhiliang-fazhan-sannian-xingdong-jihua-2022"]
    assert doc.metadata.addressees == ["各区人民政府", "市政府各部门", "各有关单位"]
    assert doc.metadata.date == "2022-08-02"


JIANGSU = "provincial/jiangsu-fangzhi-fuzhuang-gaozhiliang-fazhan-ruogan-zhengce-cuoshi-2022.txt"
NOTICE_FILE = f"national/{NATIONAL_NOTICE}.txt"
JIEDU_FILE = f"provincial/{GUANGDONG_JIEDU}.txt"
PROVISION_LAYERS = ("citations", "targets", "actions", "agencies")


def _layers(doc: Document) -> dict[str, object]:
    """Every layer a step may add: document fields, and ``provisions.<field>`` for each provision."""
    out: dict[str, object] = {f.name: copy.deepcopy(getattr(doc, f.name)) for f in fields(doc) if f.name != "provisions"}
    out["provisions"] = [(p.path, p.label, p.start, p.end, p.heading, p.numbering_inferred) for p in doc.provisions]
    for layer in PROVISION_LAYERS:
        out[f"provisions.{layer}"] = [copy.deepcopy(x) for p in doc.provisions for x in getattr(p, layer)]
    return out


def test_each_step_adds_only_the_layers_it_declares(corpus_dir: Path) -> None:
    # between them these texts have every layer: citations, targets, actions, responsible units, and
    # (the body-only copy, as most real copies are) an inferred title
    added: set[str] = set()
    texts = {rel: (corpus_dir / rel).read_text(encoding="utf-8") for rel in (JIANGSU, NOTICE_FILE, JIEDU_FILE)}
    texts["body-only.txt"] = texts[JIANGSU].split("\n", 1)[1]
    for rel, text in texts.items():
        doc = new_document(text, path=rel)
        for step in PIPELINE.steps:
            before = _layers(doc)
            doc = step.run(doc)
            after = _layers(doc)
            changed = {k for k in after if after[k] != before[k]}
            assert changed <= set(step.assigns), f"{rel}: step {step.name} changed {changed - set(step.assigns)}"
            if changed:
                added.add(step.name)
        assert doc.to_dict() == parse_text(text, path=rel).to_dict()
    assert added == set(PIPELINE.names)


def test_progress_hears_every_step_in_order() -> None:
    heard: list[tuple[str, int, int]] = []
    doc = parse_text("关于推进废旧纺织品循环利用的通知\n一、到2025年，建成15家以上示范园区。", path="t.txt",
                     progress=lambda *a: heard.append(a))
    n = len(PIPELINE.steps)
    assert heard == [(name, i, n) for i, name in enumerate(PIPELINE.names, 1)]
    assert PIPELINE.names[:4] == ["normalize", "header", "title", "provisions"]
    assert [t.text for p in doc.provisions for t in p.targets] == ["15家以上"]


def test_a_step_order_that_misses_a_layer_is_refused() -> None:
    with pytest.raises(PolicyKGError, match="'targets' needs provisions"):
        Pipeline((Step("targets", find_targets, requires=("provisions",), assigns=("provisions.targets",)),))


def test_load_corpus_reports_each_document(corpus_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "provincial").mkdir()
    shutil.copy(corpus_dir / JIANGSU, tmp_path / JIANGSU)
    (tmp_path / "manifest.toml").write_text(f'[[document]]\nfile = "{JIANGSU}"\nlevel = "provincial"\n',
                                            encoding="utf-8")
    heard: list[tuple[str, int, int]] = []
    docs = load_corpus(tmp_path, progress=lambda *a: heard.append(a))
    assert [d.path for d in docs] == [JIANGSU]
    assert heard == [("parsing", 1, 1)]
