"""A title for a document whose text states none, read from its own sentences and marked as inferred.

Most real texts are copies of the body only: 168 of 197 in one real corpus start with the
preamble (为贯彻落实《…》，…，特制定本行动计划。), so search results and pages had no name to
show. A Chinese policy text names itself in its opening all the same, in a few fixed phrases:

- *issuing*: 现将《中小企业数字化转型指南》印发给你们 — the title of the text it issues;
- *report*: 工业和信息化部日前印发了《…行动计划》 / 有关负责人就《…》答记者问 — a news report or an
  interpretation OF that text, not the text: titled as its headline (工业和信息化部印发《…行动计划》),
  so that the text itself keeps its name (session 6: a report titled with the plan's own title
  outranked the plan);
- *kind + purpose*: 为加快推进智能汽车创新发展，制定本战略 / 现提出以下意见 / 制定如下措施 /
  现就有关事项通知如下 — the kind from the phrase and the subject from the purpose clause (为…,
  in the same sentence or the one before) or the decision (决定…, 现组织开展…), written as
  关于{subject}的{kind}, the form of most 意见 and 通知 titles; a decision sentence with no kind
  phrase is a notice's (现组织开展…征集工作。), and 现就X报告如下 names its subject itself;
- *self-named*: 为…，制定《国家人工智能产业综合标准化体系建设指南》 / 组织编制了《…》 — the purpose
  sentence that names the text it introduces; 现将“…”等重点专项项目申报指南予以公布 — an issued
  object without 《》 that ends in a kind of document;
- *scope*: 本审评要点是对病理图像人工智能分析软件的一般要求 — the subject a guidance text says it
  covers, with its kind (病理图像人工智能分析软件审评要点);
- *heading*: 智能航运发展指导意见为认真贯彻… — a title line the copy glued to its preamble;
- *reply*: 《关于…的函》收悉 — a reply to a named request;
- *notice*: 现将…予以公示 — the list a notice makes public (关于…的公示);
- *news*: 2019年5月26日，…论坛在北京举办。 — the event sentence, as a headline.

A purpose that names its subject only as 产业 or 行业 (为进一步促进产业持续健康发展，制定本行动计划) is read
with the industry the text opens by defining (车联网（智能网联汽车）产业是…).

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
         r"方案|计划|意见|办法|规划|纲要|指南|指引|细则|规定|规范|战略|要点|措施|标准|条例|框架|通知|通告|公告)")
_NAMED_KIND = [
    re.compile(rf"(?:特|现)?(?:制定|制订|编制|研究制定|出台)(?:了)?本(?P<kind>{_KIND})"),
    re.compile(rf"(?:提出|制定|制订)(?:以下|如下)(?P<kind>{_KIND})"),
    re.compile(r"(?P<kind>通知|公告|通告)如下"),
]
# 现就数字经济发展情况报告如下 / 现就煤矿智能化发展提出以下意见: the subject is named in the sentence;
# 现就有关事项通知如下 names none.
_ON_SUBJECT = re.compile(r"现就(?P<what>[^，,；。]{4,30}?)(?:(?P<kind>报告|说明)如下|提出(?:以下|如下)(?P<opinion>意见))")
_NO_SUBJECT = re.compile(r"^(?:有关|相关)(?:事项|事宜|工作|问题|情况)$")
# What is left of a citing clause once its 《titles》 are cut: still no subject (等文件精神, 会议精神).
_ORDERS_LEFT = re.compile(r"^(?:等|的)?文件|(?:精神|要求|部署)$")
# The text named by its own purpose sentence: 为…，制定《…指南》 / 组织编制了《…》 / 形成了《…》初稿.
_SELF_NAMED = re.compile(r"(?:制定|制订|编制|起草|形成)(?:了)?《(?P<title>[^《》]{4,60})》(?=(?:（[^）]*）)*(?:系列|初稿|。|$)|（以下简称)")
# …组织全国汽标委编制了2019年智能网联汽车标准化工作要点。: the same, the title without 《》.
_SELF_NAMED_BARE = re.compile(rf"(?:制定|制订|编制|起草|形成)了(?P<title>[^《》“”，,；。：]{{4,40}}?{_KIND})(?=。|，|；|$)")
# An issued object without 《》: 现将“智能机器人”等重点专项2019年度项目申报指南予以公布.
_ISSUED_BARE = re.compile(rf"(?:现将|现发布|现印发)(?P<title>[^《》，,；。]{{4,60}}?{_KIND})(?:予以公布|予以发布|印发给你们|$|[，。])")
# A title line glued to its preamble: 智能航运发展指导意见为认真贯彻…
_GLUED = re.compile(rf"^(?P<title>[\u4e00-\u9fff“”（）]{{4,40}}?{_KIND})(?=为|根据|按照)")
_ISSUING = re.compile(r"(?:^|现将|现印发|印发|发布|制定了)《(?P<title>[^《》]{4,60})》(?:[^。；]{0,24})?(?:印发|发布|予以公布|公布|给你们)")
# A report of another text's issue (…日前印发了《X》) or an interpretation of it (就《X》答记者问): the clause
# is the report's headline; an issuing notice says 现将《X》印发 (no 了), and that is _ISSUING.
_REPORTED = re.compile(r"(?P<who>[^，,；。：]{0,40}?)(?:近日|日前|近期)?[，,]?(?P<verb>印发|发布|出台|公布|颁布)了"
                       r"(?P<title>《[^《》]{4,60}》)")
_INTERPRETED = re.compile(r"(?P<who>[^，,；。：]{0,40}?)就(?P<title>《[^《》]{4,60}》)(?P<verb>答记者问|回答记者提问|进行(?:了)?解读)")
_WHEN = re.compile(r"^(?:近日|日前|近期|今年|\d{4}年)?(?:\d{1,2}月\d{1,2}日)?[，,]?")
# 本审评要点是对X（注册申报资料）的一般要求: the scope sentence of a review guidance (审评要点, 指导原则).
_SCOPE = re.compile(rf"^本(?P<kind>{_KIND}|指导原则)是对(?P<what>[^，,；。]{{4,40}}?)(?:注册)?(?:申报资料)?的一般(?:性)?要求")
_OWN_KIND = re.compile(rf"本(?P<kind>{_KIND})")  # 本通知 anywhere in the opening: the kind, when no sentence names it
_PUBLICISED = re.compile(r"现将(?P<what>[^，,；。]{4,60}?)予以公示")
_REPLY = re.compile(r"[《“\"](?P<title>关于[^《》“”\"]{4,60})[》”“\"][^。]{0,40}收悉")
_NEWS_DATE = re.compile(r"^(?:\d{4}年)?\d{1,2}月\d{1,2}日?(?:[-－—至]\d{1,2}日)?(?:上午|下午|晚上?)?[，,]")
_NEWS_VERB = re.compile(r"(?:召开|举办|举行|开幕|闭幕|发布|启动|揭牌|签约)")
_PURPOSE = re.compile(r"^(?:为了|为)")
_SLOGAN = re.compile(r"强国|科技革命|产业变革|创新驱动发展战略")  # national slogans of every domain
# 为推动政府、企业…等各方，就X达成共识: the parties a purpose names are not its subject, X is.
_ACTORS = re.compile(r"(?:等)?各(?:方|界|方面)$")
_NOTICE_DECISION = re.compile(r"(?:现|决定)(?:组织)?(?:开展|启动)")
_DECIDED = re.compile(r"(?:决定|现组织开展|联合开展|共同开展|现启动|启动实施|拟)(?P<what>.+)$")
_FOLLOWING = re.compile(r"^(?:深入|认真|全面|进一步)?(?:贯彻落实|贯彻|落实|根据|按照|依据)(?=[^，]{0,12}《)")
_CITED_FIRST = re.compile(r"^(?:[^《》，]{0,12}《[^《》]+》(?:（[^（）]*）)?[、和及与]?)+(?:等|的)?(?:精神|要求|部署)?")
# Clauses of a purpose sentence that cite or follow orders rather than name the subject.
_NOT_SUBJECT = re.compile(r"^(?:深入|认真|全面|进一步|切实|更好|加快)?(?:贯彻|落实|根据|按照|依据|遵照|结合|经|依照|"
                          r"学习|践行|对标|围绕|立足|现|特|我部|我局|我委|我厅|本|在|随着|实施(?=《))")
# A notice's addressees before its first sentence (各省、自治区、直辖市…医疗保障局：为贯彻…).
_ADDRESSEES = re.compile(r"^(?:各[^：。]{1,80}|[^：。]{2,40}(?:人民政府|厅|局|委|办|单位|部门))：(?=为)")
_LEAD_NUMBER = re.compile(r"^(?:第[一二三四五六七八九十]+[章条]\s*\S*?\s+)+|^第[一二三四五六七八九十]+条\s*")
_WORD_START = re.compile(r"^[\u4e00-\u9fff“《\dA-Za-z]")
_SENTENCE = re.compile(r"[^。！？\n]+[。！？]?")
# A purpose naming its industry only by the bare word (促进产业持续健康发展), and the industry the
# text's first sentence defines (车联网（智能网联汽车）产业是…).
_BARE_INDUSTRY = re.compile(r"(?:^|进一步|促进|推动|推进|加快|引导|支持|规范|保障|实现)(?P<noun>产业|行业)")
_DEFINED = re.compile(r"^(?P<topic>[\u4e00-\u9fff“”（）]{2,30}?(?P<noun>产业|行业))(?:是|作为)")
SUBJECT_MAX = 40  # characters; a longer clause is a sentence, not the subject of a title
LOOK_CHARS = 1500  # the opening a text names itself in


@dataclass(frozen=True)
class InferredTitle:
    title: str
    start: int  # the evidence sentence, offsets into the text
    end: int
    rule: str  # heading | issuing | report | scope | kind | reply | notice | news


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Sentences as (start, end, text without a leading 第一条 or addressees)."""
    return [(start + m.start(), start + m.end(), _ADDRESSEES.sub("", _LEAD_NUMBER.sub("", m.group().strip())))
            for m in _SENTENCE.finditer(text[start:end]) if m.group().strip()]


def _subject(sentence: str, kind_at: int) -> str | None:
    """The purpose or decision clause before the kind phrase: 为加快推进X，…，制定本方案 -> 加快推进X."""
    clauses = [c.strip() for c in re.split(r"[，,；]", sentence[:kind_at]) if c.strip()]
    for clause in reversed(clauses):
        if (m := _DECIDED.search(clause)) and (decided := _trim(m.group("what"))):
            return decided
    in_purpose = False
    found: list[str] = []
    for clause in clauses:
        if _PURPOSE.match(clause):
            in_purpose = True
            clause = _PURPOSE.sub("", clause)
            # 为落实《…》《…》进一步做好X工作: what follows the cited texts is the subject
            if _FOLLOWING.match(clause):
                clause = _CITED_FIRST.sub("", _FOLLOWING.sub("", clause))
                clause = "" if _ORDERS_LEFT.search(clause) else clause
        if in_purpose and not _NOT_SUBJECT.match(clause) and not _ACTORS.search(clause) and (subject := _trim(clause)):
            found.append(subject)
    # 为深入实施制造强国战略，促进建材工业与信息技术融合发展: the slogan opens, the next clause is the topic
    return next((f for f in found if not _SLOGAN.search(f)), found[0] if found else None)


def _headline(m: re.Match[str]) -> str:
    """The headline of a report: who did it to which text (工业和信息化部印发《…》), without the when."""
    who = _WHEN.sub("", m.group("who").strip())
    verb = m.group("verb").removeprefix("进行").removesuffix("了")
    return f"{who}{verb}{m.group('title')}" if m.group("verb") in ("印发", "发布", "出台", "公布", "颁布") \
        else f"{who}就{m.group('title')}{verb}"


def _named_industry(subject: str, sentences: list[tuple[int, int, str]]) -> str:
    """促进产业持续健康发展 -> 促进车联网（智能网联汽车）产业持续健康发展, when the text opens by defining
    that industry (车联网（智能网联汽车）产业是…); the subject as it is otherwise."""
    bare = _BARE_INDUSTRY.search(subject)
    defined = _DEFINED.match(sentences[0][2]) if sentences else None
    if bare is None or defined is None or defined.group("noun") != bare.group("noun"):
        return subject
    return subject[: bare.start("noun")] + defined.group("topic") + subject[bare.end("noun"):]


def _trim(subject: str) -> str | None:
    subject = re.sub(r"（(?:以下(?:简称|统称)|又称|简称)[^）]*）", "", subject.strip()).rstrip("。！？：；")
    subject = re.sub(r"(?:的要求|工作|有关事项|等工作)$", "", subject)
    subject = re.sub(r"^(?:在全行业|在全省|在全国|组织|开展了?|就)(?=[\u4e00-\u9fff]{4})", "", subject)
    subject = subject.rstrip("。！？：；")
    balanced = all(subject.count(a) == subject.count(b) for a, b in ("《》", "“”", "（）"))
    return subject if balanced and 4 <= len(subject) <= SUBJECT_MAX and _WORD_START.match(subject) else None


def infer_title(text: str, start: int, end: int) -> InferredTitle | None:
    """A title for ``text[start:end]`` (the body) from the sentences of its opening, or None."""
    sentences = _sentences(text, start, min(end, start + LOOK_CHARS))
    if sentences and (m := _GLUED.match(sentences[0][2])):
        return InferredTitle(m.group("title"), sentences[0][0], sentences[0][1], "heading")
    # 近日，国务院印发了《X》。为贯彻落实…，提出如下实施意见: the report sentence opens a text that names
    # its own kind, so the kind rules below are heard first.
    report = None
    for n, (s, e, sentence) in enumerate(sentences):
        if m := _ISSUING.search(sentence):
            return InferredTitle(m.group("title"), s, e, "issuing")
        if n < 2 and not report and ((m := _REPORTED.search(sentence)) or (m := _INTERPRETED.search(sentence))):
            report = InferredTitle(_headline(m), s, e, "report")
            continue
        if n < 3 and (m := _SCOPE.match(sentence)):
            return InferredTitle(f"{m.group('what')}{m.group('kind')}", s, e, "scope")
        if n < 3 and ((_PURPOSE.match(sentence) and not _NAMED_KIND[2].search(sentence)
                       and ((m := _SELF_NAMED.search(sentence)) or (m := _SELF_NAMED_BARE.search(sentence))))
                      or (m := _ISSUED_BARE.search(sentence))):
            return InferredTitle(m.group("title"), s, e, "issuing")
    for n, (s, e, sentence) in enumerate(sentences):
        if ((m := _ON_SUBJECT.search(sentence)) and not _NO_SUBJECT.match(m.group("what"))
                and (subject := _trim(m.group("what")))):
            return InferredTitle(f"关于{subject}的{m.group('kind') or m.group('opinion')}", s, e, "kind")
        for pattern in _NAMED_KIND:
            if not (m := pattern.search(sentence)):
                continue
            if subject := _subject(sentence, m.start()):
                return InferredTitle(f"关于{_named_industry(subject, sentences)}的{m.group('kind')}", s, e, "kind")
            # 为…，决定开展X。现将有关事项通知如下：the purpose is the sentence before
            before = sentences[n - 1] if n else None
            if before and m.start() < 8 and (subject := _subject(before[2], len(before[2]))):
                return InferredTitle(f"关于{subject}的{m.group('kind')}", before[0], e, "kind")
    if report:
        return report
    own = _OWN_KIND.search(text, start, min(end, start + LOOK_CHARS))
    for s, e, sentence in sentences[:2]:
        if own and _PURPOSE.match(sentence) and (subject := _subject(sentence, len(sentence))):
            return InferredTitle(f"关于{subject}的{own.group('kind')}", s, e, "kind")
        # 为…，现组织开展X征集工作。: a notice that names no kind
        if _PURPOSE.match(sentence) and _NOTICE_DECISION.search(sentence) and (
                subject := _subject(sentence, len(sentence))):
            return InferredTitle(f"关于{subject}的通知", s, e, "kind")
    for s, e, sentence in sentences[:3]:
        if m := _REPLY.search(sentence):
            return InferredTitle(f"对《{m.group('title')}》的答复", s, e, "reply")
        if m := _PUBLICISED.search(sentence):
            return InferredTitle(f"关于{m.group('what')}的公示", s, e, "notice")
    if sentences and _NEWS_DATE.match(sentences[0][2]):
        s, e, sentence = sentences[0]
        for clause in re.split(r"[，,。]", _NEWS_DATE.sub("", sentence)):
            if _NEWS_VERB.search(clause) and 8 <= len(clause) <= 70:
                return InferredTitle(clause.strip(), s, e, "news")
    return None


def document_title(doc: Document) -> InferredTitle | None:
    """The inferred title of a parsed document, read from its body's opening, then from its first
    character: an opening that ends in a colon (…，现就开展X工作提出以下意见：) is read as the
    addressees, so the sentence that names the text is in neither the preamble nor the body. Second,
    not first: where the header holds addressees and a 文号, the body's sentences are the ones the
    rules count from."""
    start, end = doc.body or (0, len(doc.text))
    return infer_title(doc.text, start, end) or (infer_title(doc.text, 0, end) if start else None)


def add_inferred_title(doc: Document) -> Document:
    """Ingest step: an inferred title, with its evidence, for a document with no stated title."""
    if doc.metadata.title:
        return doc
    found = document_title(doc)
    if found is not None:
        doc.metadata.inferred_title = found.title
        doc.metadata.evidence["inferred_title"] = (found.start, found.end)
        doc.metadata.doc_type = doc.metadata.doc_type or doc_type(found.title)
    return doc
