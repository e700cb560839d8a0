"""A title for a document whose text states none, read from its own sentences and marked as inferred.

Most real texts are copies of the body only: 168 of 197 in one real corpus start with the
preamble (为贯彻落实《…》，…，特制定本行动计划。), so search results and pages had no name to
show. A Chinese policy text names itself in its opening all the same, in a few fixed phrases:

- *issuing*: 现将《中小企业数字化转型指南》印发给你们, or (opening a report) 近日印发了《…》 — the
  title of the text it issues;
- *kind + purpose*: 为加快推进智能汽车创新发展，制定本战略 / 现提出以下意见 / 现就有关事项通知如下 —
  the kind from the phrase and the subject from the purpose clause (为…) or the decision (决定…),
  written as 关于{subject}的{kind}, the form of most 意见 and 通知 titles;
- *reply*: 《关于…的函》收悉 — a reply to a named request;
- *news*: 2019年5月26日，…论坛在北京举办。 — the event sentence, as a headline.

Every inferred title keeps the sentence it came from as evidence; a stated title (from the header
or the manifest) always wins, and an inferred one is never used to resolve citations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.metadata import doc_type
from ingest.model import Document

# Kinds of document a text calls itself (本方案, 制定本行动计划); the longest first.
_KIND = (r"(?:政策措施|若干措施|行动计划|实施方案|行动方案|工作方案|指导意见|实施意见|实施细则|管理办法|暂行办法|审评要点|"
         r"方案|计划|意见|办法|规划|纲要|指南|指引|细则|规定|规范|战略|要点|措施|标准|条例|通知|通告|公告)")
_NAMED_KIND = [
    re.compile(rf"(?:特|现)?(?:制定|制订|编制|研究制定|出台)(?:了)?本(?P<kind>{_KIND})"),
    re.compile(rf"提出(?:以下|如下)(?P<kind>{_KIND})"),
    re.compile(r"(?P<kind>通知|公告|通告)如下"),
]
_ISSUING = re.compile(r"(?:^|现将|现印发|印发|发布|制定了)《(?P<title>[^《》]{4,60})》(?:[^。；]{0,24})?(?:印发|发布|予以公布|公布|给你们)")
_ISSUED = re.compile(r"(?:近日|日前)?(?:印发|发布)了《(?P<title>[^《》]{4,60})》")  # a report of the text issued
_OWN_KIND = re.compile(rf"本(?P<kind>{_KIND})")  # 本通知 anywhere in the opening: the kind, when no sentence names it
_REPLY = re.compile(r"[《“\"](?P<title>关于[^《》“”\"]{4,60})[》”“\"][^。]{0,40}收悉")
_NEWS_DATE = re.compile(r"^(?:\d{4}年)?\d{1,2}月\d{1,2}日?(?:[-－—至]\d{1,2}日)?(?:上午|下午|晚上?)?[，,]")
_NEWS_VERB = re.compile(r"(?:召开|举办|举行|开幕|闭幕|发布|启动|揭牌|签约)")
_PURPOSE = re.compile(r"^(?:为了|为)")
_DECIDED = re.compile(r"(?:决定|现组织开展|现启动|拟)(?P<what>.+)$")
# Clauses of a purpose sentence that cite or follow orders rather than name the subject.
_NOT_SUBJECT = re.compile(r"^(?:深入|认真|全面|进一步|切实|更好|加快)?(?:贯彻|落实|根据|按照|依据|遵照|结合|经|依照|"
                          r"学习|践行|对标|围绕|立足|现|特|我部|我局|我委|我厅|本|在|随着)")
_LEAD_NUMBER = re.compile(r"^(?:第[一二三四五六七八九十]+[章条]\s*\S*?\s+)+|^第[一二三四五六七八九十]+条\s*")
_WORD_START = re.compile(r"^[\u4e00-\u9fff“《\dA-Za-z]")
_SENTENCE = re.compile(r"[^。！？\n]+[。！？]?")
SUBJECT_MAX = 40  # characters; a longer clause is a sentence, not the subject of a title
LOOK_CHARS = 1500  # the opening a text names itself in


@dataclass(frozen=True)
class InferredTitle:
    title: str
    start: int  # the evidence sentence, offsets into the text
    end: int
    rule: str  # issuing | kind | reply | news


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Sentences as (start, end, text without a leading 第一条)."""
    return [(start + m.start(), start + m.end(), _LEAD_NUMBER.sub("", m.group().strip()))
            for m in _SENTENCE.finditer(text[start:end]) if m.group().strip()]


def _subject(sentence: str, kind_at: int) -> str | None:
    """The purpose or decision clause before the kind phrase: 为加快推进X，…，制定本方案 -> 加快推进X."""
    clauses = [c.strip() for c in re.split(r"[，,；]", sentence[:kind_at]) if c.strip()]
    for clause in reversed(clauses):
        if (m := _DECIDED.search(clause)) and (decided := _trim(m.group("what"))):
            return decided
    in_purpose = False
    for clause in clauses:
        if _PURPOSE.match(clause):
            in_purpose = True
            clause = _PURPOSE.sub("", clause)
        if in_purpose and not _NOT_SUBJECT.match(clause) and (subject := _trim(clause)):
            return subject
    return None


def _trim(subject: str) -> str | None:
    subject = re.sub(r"（以下(?:简称|统称)[^）]*）", "", subject.strip())
    subject = re.sub(r"(?:的要求|工作|有关事项|等工作)$", "", subject)
    subject = re.sub(r"^(?:在全行业|在全省|在全国|组织|开展了?)(?=[\u4e00-\u9fff]{4})", "", subject)
    subject = subject.rstrip("。！？：；")
    balanced = all(subject.count(a) == subject.count(b) for a, b in ("《》", "“”", "（）"))
    return subject if balanced and 4 <= len(subject) <= SUBJECT_MAX and _WORD_START.match(subject) else None


def infer_title(text: str, start: int, end: int) -> InferredTitle | None:
    """A title for ``text[start:end]`` (the body) from the sentences of its opening, or None."""
    sentences = _sentences(text, start, min(end, start + LOOK_CHARS))
    for n, (s, e, sentence) in enumerate(sentences):
        if (m := _ISSUING.search(sentence)) or (n < 2 and (m := _ISSUED.search(sentence))):
            return InferredTitle(m.group("title"), s, e, "issuing")
    for s, e, sentence in sentences:
        for pattern in _NAMED_KIND:
            if (m := pattern.search(sentence)) and (subject := _subject(sentence, m.start())):
                kind = m.group("kind")
                return InferredTitle(f"关于{subject}的{kind}", s, e, "kind")
    own = _OWN_KIND.search(text, start, min(end, start + LOOK_CHARS))
    for s, e, sentence in sentences[:2]:
        if own and _PURPOSE.match(sentence) and (subject := _subject(sentence, len(sentence))):
            return InferredTitle(f"关于{subject}的{own.group('kind')}", s, e, "kind")
    for s, e, sentence in sentences[:3]:
        if m := _REPLY.search(sentence):
            return InferredTitle(f"对《{m.group('title')}》的答复", s, e, "reply")
    if sentences and _NEWS_DATE.match(sentences[0][2]):
        s, e, sentence = sentences[0]
        for clause in re.split(r"[，,。]", _NEWS_DATE.sub("", sentence)):
            if _NEWS_VERB.search(clause) and 8 <= len(clause) <= 70:
                return InferredTitle(clause.strip(), s, e, "news")
    return None


def add_inferred_title(doc: Document) -> Document:
    """Ingest step: an inferred title, with its evidence, for a document with no stated title."""
    if doc.metadata.title:
        return doc
    start, end = doc.body or (0, len(doc.text))
    found = infer_title(doc.text, start, end)
    if found is not None:
        doc.metadata.inferred_title = found.title
        doc.metadata.evidence["inferred_title"] = (found.start, found.end)
        doc.metadata.doc_type = doc.metadata.doc_type or doc_type(found.title)
    return doc
