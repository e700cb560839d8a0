"""Titles inferred for texts that state none: read from the sentence that names the document."""

from __future__ import annotations

import pytest

from ingest.pipeline import parse_text
from ingest.title_inference import infer_title

# Openings of real texts that start with their preamble (no title line), as the copies hold them.
CASES = [
    ("当今世界正经历百年未有之大变局，新一轮科技革命和产业变革方兴未艾。为加快推进智能汽车创新发展，制定本战略。\n一、发展态势",
     "关于加快推进智能汽车创新发展的战略", "kind", "为加快推进智能汽车创新发展，制定本战略。"),
    ("为贯彻落实党中央、国务院关于推动人工智能发展的决策部署，统筹推进人工智能场景创新，着力解决人工智能重大应用和产业化问题，"
     "制定本指导意见。", "关于统筹推进人工智能场景创新的指导意见", "kind", None),
    ("为贯彻落实党中央、国务院决策部署，大力发展智能建造，推动建筑业转型升级，根据全国住房和城乡建设工作会议部署安排，"
     "我部决定征集遴选部分城市开展智能建造试点，现就有关事项通知如下：\n一、试点目标",
     "关于征集遴选部分城市开展智能建造试点的通知", "kind", None),
    ("第一条 为加强煤矿智能化专家库的规范管理，明确专家的权利与义务，制定本办法。\n第二条 本办法适用于煤矿智能化领域专家的遴选。",
     "关于加强煤矿智能化专家库的规范管理的办法", "kind", None),
    ("为落实《中国制造2025》，加快发展高端再制造、智能再制造（以下统称高端智能再制造），进一步提升机电产品再制造技术管理水平，"
     "制定本计划。", "关于加快发展高端再制造、智能再制造的计划", "kind", None),
    ("现将《中小企业数字化转型指南》印发给你们，请结合实际认真贯彻执行。\n工业和信息化部办公厅",
     "中小企业数字化转型指南", "issuing", None),
    ("《关于申请建设上海国家新一代人工智能创新发展试验区的函》（沪府函〔2019〕44号）收悉。经研究，现函复如下。",
     "对《关于申请建设上海国家新一代人工智能创新发展试验区的函》的答复", "reply", None),
    ("8月30日，2019世界人工智能大会全球工业智能峰会在上海举办，工业和信息化部信息化和软件服务业司巡视员李颖参加会议并致辞。",
     "2019世界人工智能大会全球工业智能峰会在上海举办", "news", None),
]


@pytest.mark.parametrize(("text", "title", "rule", "evidence"), CASES)
def test_title_is_inferred_from_the_sentence_that_names_the_document(text: str, title: str, rule: str,
                                                                     evidence: str | None) -> None:
    found = infer_title(text, 0, len(text))
    assert found is not None
    assert (found.title, found.rule) == (title, rule)
    if evidence is not None:
        assert text[found.start:found.end] == evidence


def test_no_title_is_made_up_for_a_text_that_names_nothing() -> None:
    text = "智能化小型水电站应达到无人值班并实现远程监控的要求。应具有获取水（雨）情信息的有效途径。"
    assert infer_title(text, 0, len(text)) is None


def test_a_stated_title_wins_and_an_inferred_one_is_marked(corpus_dir) -> None:
    path = "provincial/jiangsu-fangzhi-fuzhuang-gaozhiliang-fazhan-ruogan-zhengce-cuoshi-2022.txt"
    text = (corpus_dir / path).read_text(encoding="utf-8")
    stated = parse_text(text, path=path).metadata
    assert stated.title == "关于进一步推动全省纺织服装产业高质量发展的若干政策措施"
    assert stated.inferred_title is None
    body_only = parse_text(text.split("\n", 1)[1], path=path).metadata  # the copy without its title line
    assert body_only.title is None
    assert body_only.inferred_title == "关于进一步推动全省纺织服装产业高质量发展的政策措施"
    assert "inferred_title" in body_only.evidence and body_only.doc_type == "政策措施"
