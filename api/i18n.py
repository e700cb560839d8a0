"""The web page's words in Chinese (the default) and English: one small catalogue, ``?lang=en``."""

from __future__ import annotations

from fastapi import Request

LANGS = ("zh", "en")

CATALOGUE: dict[str, tuple[str, str]] = {
    "search": ("搜索", "Search"), "documents": ("文件", "Documents"), "coverage": ("覆盖", "Coverage"),
    "overview": ("库中内容", "What is in the store"), "doc_count": ("份文件", "documents"),
    "by_level": ("按级别", "By level"), "by_region": ("按地区", "By region"), "by_year": ("按年份", "By year"),
    "latest": ("最新文件", "Latest documents"), "issuers": ("主要发文机关", "Top issuing agencies"),
    "links": ("链接", "Links"), "alignments": ("条款对齐", "provision alignments"),
    "asserted": ("确认的条款落实关系", "asserted provision links"),
    "doc_links": ("确认的文件落实关系", "asserted document links"), "corresponds": ("地区间相似条款", "cross-region matches"),
    "national": ("国家级", "National"), "provincial": ("省级", "Provincial"), "municipal": ("市级", "Municipal"),
    "all": ("全部", "All"), "level": ("级别", "Level"), "region": ("地区", "Region"), "type": ("类型", "Type"),
    "year": ("年份", "Year"), "query": ("检索词", "Search words"),
    "placeholder": ("输入问题或关键词，如：智能制造、数字化转型", "Words or a question, e.g. 智能制造"),
    "results": ("份文件命中", "documents matched"), "no_results": ("没有找到结果。", "Nothing found."),
    "relevance": ("相关度", "Relevance"), "why": ("命中原因", "Why this hit"),
    "matched": ("匹配词", "matched words"), "dense_rank": ("语义排名", "semantic rank"),
    "lexical_rank": ("关键词排名", "keyword rank"), "prev": ("上一页", "Previous"), "next": ("下一页", "Next"),
    "page": ("第 {n} 页", "page {n}"), "number": ("文号", "Number"), "date": ("日期", "Date"),
    "issuer": ("发文机关", "Issuer"), "evidence": ("依据", "Evidence"), "provisions": ("条款", "Provisions"),
    "implements": ("落实的国家文件", "Implements (national)"),
    "implemented_by": ("落实本文件的地方文件", "Implemented by (local)"),
    "confidence": ("置信度", "Confidence"), "cited": ("明确引用", "cited"), "pairs": ("对应条款", "matching provisions"),
    "side_by_side": ("逐条对照", "Side by side"), "none": ("无", "none"),
    "inferred_title": ("推断标题", "inferred title"),
    "inferred_title_hint": ("原文没有标题；此标题由正文推断", "The text states no title; this one is inferred from it"),
    "none_confirmed": ("未发现确认的对应文件（库中可能没有其上级或下级文件）",
                       "None confirmed (the store may not hold its parent or local documents)"),
    "low_candidates": ("其他 %d 个低置信度候选（仅内容相近，未确认落实关系）",
                       "%d more low-confidence candidates (similar content only, not confirmed)"),
    "heatmap": ("国家文件 × 地区", "National documents × regions"),
    "heatmap_hint": ("每格：该地区已落实的国家任务数（对齐概率 ≥ 50% 或已确认），斜线后为有候选对齐的任务数。点击查看地方条款。",
                     "Each cell: national tasks the region has taken up (an alignment of probability ≥ 50%, or "
                     "asserted); after the slash, tasks with any candidate alignment. Click for the provisions."),
    "candidates": ("有候选对齐", "with candidate alignments"),
    "map": ("各省落实的国家任务数", "National tasks taken up per province"),
    "csv": ("导出 CSV", "Export CSV"), "show_all": ("显示全部行列", "Show all rows and columns"),
    "tasks": ("任务", "tasks"), "covered": ("已落实", "taken up"), "sparql": ("SPARQL 查询", "SPARQL editor"),
    "high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low"),
    "hybrid": ("语义+关键词", "semantic+keyword"), "citation": ("引用", "citation"),
    "units": ("条条款命中", "provisions matched"), "query_names": ("检索词中提到", "the query names this"),
    "ranked_down": ("标题与检索词所问不符，排名已下调", "the title contradicts what the query asks: ranked lower"),
    "conflict_kind": ("文件类型与所问不符", "not the kind of document asked for"),
    "conflict_year": ("年份或版本与所问不符", "not the year or edition asked for"),
    "copies": ("另有副本", "copies folded in"), "group": ("结果", "Results"),
    "by_document": ("按文件", "by document"), "by_provision": ("按条款", "by provision"),
    "start_here": ("从这里开始", "Start here"),
    "coverage_entry": ("哪些地区落实了哪些国家任务？", "Which regions took up which national tasks?"),
    "sparql_entry": ("高级查询（SPARQL）", "Advanced queries (SPARQL)"),
    # the document page
    "task": ("任务", "task"), "title": ("标题", "Title"), "metadata": ("文件信息及其依据", "Metadata and where it came from"),
    "field": ("字段", "Field"), "value": ("内容", "Value"), "where_from": ("依据", "Where it came from"),
    "not_stated": ("原文未写明", "not stated"), "from_text": ("原文", "the text"),
    "from_text_inferred": ("由原文推断", "inferred from the text"),
    "from_manifest": ("文件清单（manifest）或上传表单提供", "given by the manifest or the upload form"),
    "from_default": ("原文未见地方发文机关或地方用语，按国家级处理", "no local issuer or local wording in the text: taken as national"),
    "origin_unknown": ("来源未记录（重新导入后显示）", "origin not recorded (shown after a re-ingest)"),
    "source": ("出处", "Source"), "full_text": ("全文", "Full text"), "preamble": ("序言", "Preamble"),
    "cite_resolved": ("库中有此文件，点击查看", "In the store: open the cited document"),
    "cite_missing": ("库中没有此文件", "not in the store"),
    "shared_agencies": ("共同机构", "Shared agencies"), "shared_targets": ("共同目标", "Shared targets"),
    "note_national_issuer": ("国家级发文机关", "national issuer"), "note_issuer": ("发文机关名称", "issuer's name"),
    "note_prefix": ("文号前缀", "文号 prefix"), "note_voice": ("行文用语", "the text's own voice"),
    # the provision and entity pages
    "agencies_named": ("单位", "Agencies"), "actions": ("措施", "Actions"), "sub_provisions": ("下级条款", "Sub-provisions"),
    "implements_provisions": ("落实的国家条款", "Implements (national provisions)"),
    "implemented_by_provisions": ("落实本条的地方条款", "Implemented by (local provisions)"),
    "corresponds_to": ("其他地区的相似条款", "Similar provisions in other regions"),
    "by": ("到", "by"), "evidence_label": ("证据", "Evidence"), "body_text": ("（正文）", "(body)"),
    "action": ("措施", "action"), "mentions": ("出现", "Mentions"), "role": ("角色", "Role"),
    "written": ("写法", "As written"), "found_in": ("出处", "Found in"), "properties": ("属性", "Properties"),
    "back_to_search": ("← 搜索", "← Search"), "relation": ("关系", "Relation"), "score": ("得分", "Score"),
    "local_provision": ("地方条款", "Local provision"), "target_provision": ("国家条款 / 对应条款", "National / matching provision"),
    "next_page": ("下一页 →", "Next page →"), "cookbook": ("查询示例", "Cookbook"), "run": ("运行", "Run"),
}


def lang_of(request: Request) -> str:
    """``?lang=en`` switches to English; anything else is Chinese."""
    return "en" if request.query_params.get("lang") == "en" else "zh"


def translator(lang: str):
    """``t("key", n=3)``: the catalogue's words for ``key`` in ``lang`` (the key itself when missing)."""
    index = LANGS.index(lang)

    def t(key: str, **kw: object) -> str:
        words = CATALOGUE.get(key)
        text = words[index] if words else key
        return text.format(**kw) if kw else text

    return t
