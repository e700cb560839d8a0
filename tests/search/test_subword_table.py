"""The e5 tokenizer cuts a short text from the piece table exactly as the whole tokenizer does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import search.subword_table as subword
from ingest.model import Document
from search.embedder import Embedder
from search.subword_table import TABLE, SubwordTokenizer

EDGE_CASES = [
    "query: 山东省智能制造实施方案", "passage: 工信部 <mask> and  two  spaces ", "query: ｆｕｌｌ　ｗｉｄｔｈ①②",
    "query: 😀 emoji ☃ ≥ 15％", "query: 業(yè) 繁體字", "", " ", "query: " + "推进数字化转型" * 200,
]


@pytest.fixture
def tokenizer_file(tmp_path: Path, embedder: Embedder) -> Path:
    """A copy of the exported model's tokenizer.json, so its table is written here."""
    assert embedder._onnx is not None, "the default runtime is ONNX"
    path = tmp_path / "tokenizer.json"
    shutil.copy2(embedder._onnx._folder / "tokenizer.json", path)
    return path


@pytest.mark.slow
def test_short_texts_get_the_ids_of_the_whole_tokenizer(tokenizer_file: Path, corpus_docs: dict[str, Document],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    texts = EDGE_CASES + ["passage: " + line for doc in corpus_docs.values()
                          for line in doc.text.splitlines() if line.strip()]
    whole = SubwordTokenizer(tokenizer_file, max_length=512)
    expected = [e.ids for e in whole.full().encode_batch(texts, add_special_tokens=True)]
    assert (tokenizer_file.parent / TABLE).exists()  # written at the first full load
    monkeypatch.setattr(subword, "TABLE_BUDGET", 10**9)
    short = SubwordTokenizer(tokenizer_file, max_length=512)
    assert short.encode(texts) == expected
    assert short._full is None  # never loaded the whole vocabulary
    assert max(map(len, expected)) == 512  # truncation is the same too


@pytest.mark.slow
def test_past_its_budget_the_whole_tokenizer_is_loaded(tokenizer_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    SubwordTokenizer(tokenizer_file, max_length=512).full()
    monkeypatch.setattr(subword, "TABLE_BUDGET", 30)
    tok = SubwordTokenizer(tokenizer_file, max_length=512)
    first = tok.encode(["query: 山东省智能制造实施方案" * 2])
    assert tok._full is None
    assert tok.encode(["query: 设备更新"]) and tok._full is not None
    assert tok.encode(["query: 山东省智能制造实施方案" * 2]) == first


def test_a_tokenizer_of_another_kind_gets_no_table(tmp_path: Path) -> None:
    from tokenizers import Tokenizer
    from tokenizers.models import WordPiece
    from tokenizers.pre_tokenizers import Whitespace

    tok = Tokenizer(WordPiece({"[UNK]": 0, "设备": 1, "更新": 2}, unk_token="[UNK]"))
    tok.pre_tokenizer = Whitespace()
    tok.save(str(tmp_path / "tokenizer.json"))
    wordpiece = SubwordTokenizer(tmp_path / "tokenizer.json", max_length=8)
    assert wordpiece.encode(["设备 更新"]) == [[1, 2]]
    assert not (tmp_path / TABLE).exists()
