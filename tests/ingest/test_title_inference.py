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
    # Rules added in session 4, written in other domains than the real corpus (its texts taught the
    # phrases; these openings check the phrases, not the corpus).
    ("为规范纺织行业绿色工厂评价工作，省工业和信息化厅组织编制了《浙江省纺织行业绿色工厂评价指南（2024版）》"
     "（以下简称《评价指南》），用于指导企业开展自评。\n一、总体要求",
     "浙江省纺织行业绿色工厂评价指南（2024版）", "issuing", None),
    ("各地级以上市工业和信息化主管部门：为贯彻落实《推动大规模设备更新和消费品以旧换新行动方案》《广东省推动大规模设备更新"
     "实施方案》等文件精神，加快推进工业领域设备更新，决定组织开展2024年设备更新项目遴选。现将有关事项通知如下：\n一、遴选范围",
     "关于组织开展2024年设备更新项目遴选的通知", "kind", None),
    ("设备更新专项贷款贴息实施细则为落实国家关于推动大规模设备更新的部署，支持企业技术改造，制定本细则。",
     "设备更新专项贷款贴息实施细则", "heading", None),
    ("根据本重点专项实施方案的部署，现将“先进纺织材料”等重点专项2024年度项目申报指南予以公布。\n一、申报要求",
     "“先进纺织材料”等重点专项2024年度项目申报指南", "issuing", None),
    ("受省人民政府委托，现就全省制造业设备更新推进情况报告如下，请审议。",
     "关于全省制造业设备更新推进情况的报告", "kind", None),
    ("为加快推动深圳市工业设备更新和技术改造，促进制造业高端化智能化绿色化发展，制定如下措施。\n一、支持设备更新",
     "关于加快推动深圳市工业设备更新和技术改造的措施", "kind", None),
    ("为贯彻落实《纺织工业提质升级实施方案》，发挥典型案例的示范作用，现组织开展纺织服装数字化转型典型案例征集工作。\n一、征集范围",
     "关于纺织服装数字化转型典型案例征集的通知", "kind", None),
    # Session 5, again written in other domains than the real corpus.
    ("为贯彻落实省委经济工作会议部署，省工业和信息化厅组织编制了2025年纺织行业标准化工作要点。主要内容如下：\n一、完善标准体系",
     "2025年纺织行业标准化工作要点", "issuing", None),  # the text it introduces, without 《》
    ("为落实国务院关于设备更新的部署，加快实施《推动大规模设备更新和消费品以旧换新行动方案》，推动纺织装备数字化改造，"
     "制定本实施方案。", "关于推动纺织装备数字化改造的实施方案", "kind", None),  # carrying out 《…》 is no subject
    # Session 6, other domains again. A report of another text's issue is titled as its headline,
    # not with the reported title (which is the other text's name).
    ("为加快纺织行业设备更新，省工业和信息化厅日前印发了《纺织行业设备更新实施方案》（以下简称《实施方案》）。"
     "《实施方案》明确，到2027年…", "省工业和信息化厅印发《纺织行业设备更新实施方案》", "report",
     "为加快纺织行业设备更新，省工业和信息化厅日前印发了《纺织行业设备更新实施方案》（以下简称《实施方案》）。"),
    ("近日，省发展改革委有关负责人就《关于推动大规模设备更新的实施意见》答记者问。问：出台的背景是什么？",
     "省发展改革委有关负责人就《关于推动大规模设备更新的实施意见》答记者问", "report", None),
    # …but a text that opens by reporting the national plan and then names its own kind is that kind
    ("近日，国务院印发了《纺织工业提质升级实施方案》。为贯彻落实《纺织工业提质升级实施方案》，推动全省纺织产业提质升级，"
     "结合我省实际，提出如下实施意见。", "关于推动全省纺织产业提质升级的实施意见", "kind", None),
    # 产业 in the purpose is the industry the text opens by defining
    ("智能纺织装备产业是纺织工业转型的重要支撑。当前产业规模持续扩大。为进一步促进产业持续健康发展，制定本行动计划。",
     "关于进一步促进智能纺织装备产业持续健康发展的行动计划", "kind", None),
    ("为贯彻落实《纺织工业提质升级实施方案》，省工业和信息化厅、省财政厅联合开展2025年度纺织数字化转型试点工作。"
     "有关事项通知如下：", "关于2025年度纺织数字化转型试点的通知", "kind", None),
    ("根据标准化工作的总体安排，现将申请立项的《纺织机械 通用技术要求》等12项团体标准项目予以公示，截止日期为2025年5月1日。",
     "关于申请立项的《纺织机械 通用技术要求》等12项团体标准项目的公示", "notice", None),
    # the scope sentence of a review guidance names what it covers
    ("本指导原则旨在指导注册申请人准备纺织用抗菌材料注册申报资料。\n本指导原则是对纺织用抗菌材料注册申报资料的一般要求，"
     "申请人应依据产品的具体特性确定其中内容是否适用。", "纺织用抗菌材料指导原则", "scope", None),
    # the parties a purpose names are not its subject
    ("为推动政府、行业协会、企业等各方，就纺织数据安全治理达成共识，制定本框架。",
     "关于纺织数据安全治理达成共识的框架", "kind", None),
]


@pytest.mark.parametrize(("text", "title", "rule", "evidence"), CASES)
def test_title_is_inferred_from_the_sentence_that_names_the_document(text: str, title: str, rule: str,
                                                                     evidence: str | None) -> None:
    found = infer_title(text, 0, len(text))
    assert found is not None
    assert (found.title, found.rule) == (title, rule)
    if evidence is not None:
        assert text[found.start:found.end] == evidence


def test_a_citing_clause_is_not_taken_for_the_subject() -> None:
    # what is left of 贯彻落实《…》《…》等文件精神 once the titles are cut is not what the text is about
    text = ("为深入贯彻落实《纺织工业提质升级实施方案》《浙江省制造业高质量发展规划》等文件精神，加快纺织产业集群数字化改造，"
            "特制定本方案。")
    found = infer_title(text, 0, len(text))
    assert found is not None and found.title == "关于加快纺织产业集群数字化改造的方案"


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


def test_a_national_slogan_gives_way_to_the_topic_that_follows() -> None:
    text = "为深入实施制造强国战略，加快纺织服装产业数字化转型，推动产业高质量发展，制定本行动计划。"
    found = infer_title(text, 0, len(text))
    assert found is not None and found.title == "关于加快纺织服装产业数字化转型的行动计划"


def test_the_subject_a_notice_names_itself_wins_over_its_purpose() -> None:
    text = "为推动纺织行业高质量发展，促进产业转型升级，现就纺织行业数字化转型提出以下意见。"
    found = infer_title(text, 0, len(text))
    assert found is not None and found.title == "关于纺织行业数字化转型的意见"


def test_an_opening_read_as_addressees_still_names_the_text() -> None:
    # the first line ends in a colon, so the parser takes it for the addressees, outside the body
    text = ("为贯彻落实省委经济工作会议精神，经省政府同意，现就开展纺织产业数字化改造试点工作提出以下意见：\n"
            "一、充分认识开展试点工作的重要性\n纺织产业是我省传统优势产业。\n二、试点任务\n选择部分县开展试点。")
    m = parse_text(text, path="x.txt", doc_id="x").metadata
    assert m.title is None and m.inferred_title == "关于纺织产业数字化改造试点的意见"
