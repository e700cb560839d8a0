import re

import opencc
import pytest

from ingest.repair import repair
from ingest.repair.glosses import MANGLED_RE, SYLLABLE
from ingest.repair.mojibake import DAMAGED
from ingest.textmap import MappedText
from tests.conftest import CORPUS, NATIONAL_NOTICE

T2S = opencc.OpenCC("t2s")
REAL = CORPUS / "national" / f"{NATIONAL_NOTICE}.txt"


@pytest.fixture(scope="module")
def repaired() -> tuple[str, MappedText, list]:
    raw = REAL.read_text(encoding="utf-8")
    out, repairs = repair(MappedText.identity(raw))
    return raw, out, repairs


@pytest.mark.parametrize(
    "heading",
    [
        "（一）聚焦高端化智能化绿色化,加快产业体系升级发展",
        "（二）促进区域发展差异化均衡化",
        "（四）维护产业链供应链稳定畅通",
        "（五）推进高水平对外开放合作",
        "（一）加强组织协调",
        "具有当地产业特色",
    ],
)
def test_real_file_headings_come_back(repaired, heading: str) -> None:
    assert heading in T2S.convert(repaired[1].text)


@pytest.mark.parametrize("heading", ["（三）强化创意设计与品牌建设", "推动东部"])
def test_real_file_runs_with_gloss_or_lexicon_evidence_come_back(repaired, heading: str) -> None:
    # 強 kept only its lead byte, but the gloss (qiáng) after it survived; 東 is read from 东部
    assert heading in T2S.convert(repaired[1].text)


@pytest.mark.parametrize(
    "part",
    # 效 kept its lead byte only: 实效 is a dictionary word; 。 follows a numbered opener;
    # 要 (lead byte only) and 整合 (整 lost, 合 trail only) are marked □, not guessed
    ["（三）注重工作实效。", "（二）抓好宣传报道。各单位", "重视舆论宣传工作，", "媒体资源"],
)
def test_real_file_long_runs_come_back_or_are_marked(repaired, part: str) -> None:
    assert part in T2S.convert(repaired[1].text)


@pytest.mark.xfail(reason="要, 整 and 合 are marked damaged: too little byte evidence", strict=True)
@pytest.mark.parametrize("heading", ["（二）抓好宣传报道。各单位要重视舆论宣传工作，整合媒体资源"])
def test_real_file_hard_runs_come_back(repaired, heading: str) -> None:
    assert heading in T2S.convert(repaired[1].text)


def test_real_file_has_no_gloss_left(repaired) -> None:
    text = repaired[1].text
    assert not re.search(rf"\({SYLLABLE}\)", text)
    assert not MANGLED_RE.search(text)


def test_real_file_damage_marks_are_few_and_reported(repaired) -> None:
    _, out, repairs = repaired
    marks = [i for i, c in enumerate(out.text) if c == DAMAGED]
    assert len(marks) <= 5
    assert set(marks) <= {r.start for r in repairs if r.kind == "mojibake-damaged"}


def test_real_file_repairs_are_counted(repaired) -> None:
    kinds = [r.kind for r in repaired[2]]
    assert kinds.count("gloss") > 200
    assert kinds.count("mojibake") >= 8


def test_offset_map_stays_valid(repaired) -> None:
    raw, out, _ = repaired
    assert len(out.origin) == len(out.text) + 1
    assert list(out.origin) == sorted(out.origin)
    assert out.origin[-1] == len(raw)
