"""Segmentation keeps 文号, 《titles》, dates and quantities whole; real corpus sentences."""

from __future__ import annotations

import pytest

from ingest.model import Document
from search.tokenize import cut, search_tokens, tokenize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "工业和信息化部办公厅 商务部办公厅关于开展2023纺织服装优供给促升级活动的通知",
            ["工业和信息化部办公厅", "商务部办公厅", "关于", "开展", "2023", "纺织服装", "优供给促升级",
             "活动", "的", "通知"],
        ),
        ("工信厅联消费函〔2023〕87号", ["工信厅联消费函〔2023〕87号"]),
        (
            "依据《广东省人民政府关于培育发展战略性支柱产业集群和战略性新兴产业集群的意见》（粤府函〔2020〕82号）"
            "等文件精神，制定本行动计划。",
            ["依据", "《广东省人民政府关于培育发展战略性支柱产业集群和战略性新兴产业集群的意见》",
             "粤府函〔2020〕82号", "等", "文件精神", "制定", "本", "行动计划"],
        ),
        (
            "2019年，全省轻工纺织产业规模以上企业实现工业增加值6383.5亿元，完成主营业务收入26775.2亿元，"
            "约占全省制造业主营业务收入的20%。",
            ["2019年", "全省", "轻工", "纺织", "产业", "规模以上企业", "实现", "工业增加值", "6383.5亿元", "完成",
             "主营业务收入", "26775.2亿元", "约", "占", "全省", "制造业", "主营业务收入", "的", "20%"],
        ),
        (
            "到2025年底，全省纺织服装产业营收达到7000亿元，建成15家以上产业集聚区。",
            ["到", "2025年", "底", "全省", "纺织服装", "产业", "营收", "达到", "7000亿元", "建成", "15家以上",
             "产业", "集聚区"],
        ),
        ("2023年4月14日", ["2023年4月14日"]),
        (
            "（省工业和信息化厅、省发展改革委牵头，省商务厅按职责分工负责）",
            ["省工业和信息化厅", "省发展改革委", "牵头", "省商务厅", "按", "职责", "分工负责"],
        ),
    ],
)
def test_tokenize_keeps_domain_words_and_protected_spans(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_tokenize_keeps_document_number_in_square_brackets_and_drops_lead_verb() -> None:
    assert tokenize("根据国办发[2016]40号文件要求，加快培育新质生产力，推动设备更新和技术改造。") == [
        "根据", "国办发[2016]40号", "文件", "要求", "加快", "培育", "新质生产力", "推动", "设备更新", "和", "技术改造",
    ]


def test_cut_gives_kinds_and_spans_into_the_text() -> None:
    text = "为贯彻落实《国务院办公厅关于加快发展流通促进商业消费的意见》（国办发〔2019〕42号），推进废旧纺织品循环利用。"
    tokens = cut(text)
    assert [(t.text, t.kind) for t in tokens] == [
        ("为", "word"), ("贯彻落实", "word"), ("《国务院办公厅关于加快发展流通促进商业消费的意见》", "title"),
        ("国办发〔2019〕42号", "doc_number"), ("推进", "word"), ("废旧纺织品", "word"), ("循环利用", "word"),
    ]
    assert all(text[t.start : t.end] == t.text for t in tokens)


def test_tokenize_drops_punctuation_and_whitespace() -> None:
    assert tokenize("  ，。、《》 \n ") == []
    assert tokenize("") == []


def test_search_tokens_add_sub_tokens_for_partial_queries() -> None:
    tokens = search_tokens("建成15家以上产业集聚区，营收达到7000亿元")
    assert {"15家以上", "15家", "15", "7000亿元", "7000", "集聚", "集聚区"} <= set(tokens)


def test_search_tokens_write_document_numbers_with_one_bracket_style() -> None:
    assert search_tokens("国办发[2016]40号") == ["国办发〔2016〕40号", "国办发"]
    assert search_tokens("国办发〔2016〕40号") == ["国办发〔2016〕40号", "国办发"]


def test_search_tokens_open_titles_and_dates() -> None:
    tokens = search_tokens("《关于推进废旧纺织品循环利用的实施意见》2022年3月17日")
    assert tokens[0] == "《关于推进废旧纺织品循环利用的实施意见》"
    assert {"废旧纺织品", "循环利用", "实施意见", "2022年3月17日", "2022年"} <= set(tokens)


def test_segmentation_is_deterministic() -> None:
    text = "加快推进纺织服装产业数字化转型，培育15家以上国家级创意设计园区。"
    assert tokenize(text) == tokenize(text) == tokenize(str(text))


def test_short_texts_cut_from_the_dictionary_table_as_with_the_whole_dictionary(
        corpus_docs: dict[str, Document], monkeypatch: pytest.MonkeyPatch) -> None:
    import search.tokenize as segmenter

    segmenter._jieba()  # builds the table once, if this machine has none yet
    segmenter._dictionary_table.cache_clear()
    lines = [line for doc in corpus_docs.values() for line in doc.text.splitlines() if line.strip()]
    whole = [(tokenize(line), search_tokens(line)) for line in lines]
    monkeypatch.setattr(segmenter, "_tokenizer", None)  # as in a new process: the dictionary is not loaded
    monkeypatch.setattr(segmenter, "_table_chars", 0)
    monkeypatch.setattr(segmenter, "TABLE_BUDGET", 10**9)
    assert len(segmenter._jieba_for("设备更新").FREQ) < 20  # the entries inside the text, not 500k
    assert [(tokenize(line), search_tokens(line)) for line in lines] == whole
    assert segmenter._tokenizer is None  # never loaded the whole dictionary
