"""The staff pages in headless Chromium on a real-corpus slice (two Shandong documents and the
national documents they implement, from ../shared/realcorpus): what a person sees on the home
page, the results, a document and coverage, with screenshots in test-artifacts/, basic
accessibility (labels, keyboard focus, contrast) and every page under 1 s."""

from __future__ import annotations

import json
import shutil
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import ServerThread, free_port
from tests.browser.test_web import ARTIFACTS, CHROMIUM, chromium_page
from tests.conftest import BASE_IRI, _cached_index

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "realcorpus"
# Two Shandong documents and their national parents (tests/data/gold/real/doc_links.toml):
# pro-037 cites nat-061 by title; pro-009 takes up nat-089 task by task.
SLICE = {"pro-037": "nat-061", "pro-009": "nat-089"}
BUDGET_S = 1.0

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
    pytest.mark.skipif(not REAL.is_dir(), reason="needs the real corpus at ../shared/realcorpus"),
]


def _slice_dir(root: Path) -> Path:
    """The slice's files with their manifest entries (the texts byte for byte)."""
    stems = set(SLICE) | set(SLICE.values())
    manifest = tomllib.loads((REAL / "manifest.toml").read_text(encoding="utf-8"))
    lines = []
    for entry in manifest["document"]:
        if Path(entry["file"]).stem in stems:
            (root / entry["file"]).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REAL / entry["file"], root / entry["file"])
            lines += ["[[document]]", *(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in entry.items()), ""]
    (root / "manifest.toml").write_text("\n".join(lines), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def real_server(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[str]:
    """The slice ingested, indexed (the index is kept in the model cache) and linked, served over HTTP."""
    from api.app import create_app
    from api.service import Service
    from common.settings import Settings

    root = tmp_path_factory.mktemp("realslice")
    data = root / "data"
    data.mkdir()
    (data / "models").symlink_to(model_path.parent.parent / "models", target_is_directory=True)
    cache = _cached_index()
    cached = cache.parent / "realslice-index" if cache is not None else None
    if cached is not None and cached.is_dir():
        shutil.copytree(cached, data / "index")
    service = Service(Settings(data=data, base_iri=BASE_IRI, query_timeout_s=10.0))
    service.ingest(service.parse_corpus(_slice_dir(root / "corpus")))
    service.index()
    if cached is not None:
        shutil.rmtree(cached, ignore_errors=True)
        shutil.copytree(service.indexes.directory, cached)
    service.link()
    with ServerThread(create_app(service=service), free_port()) as srv:
        yield srv.url
    service.close()


@pytest.fixture(scope="module")
def page(real_server: str):
    yield from chromium_page()


def timed_goto(page, url: str) -> float:
    start = time.monotonic()
    response = page.goto(url, wait_until="domcontentloaded")
    assert response is not None and response.ok, url
    return time.monotonic() - start


def check_accessibility(page) -> None:
    """Every form control has a label; Tab reaches a link or control with a visible focus ring;
    body text contrasts at least 4.5:1 with its background (WCAG AA)."""
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.name || el.id)""")
    assert unlabelled == []
    page.keyboard.press("Tab")
    focus = page.evaluate("""() => { const el = document.activeElement; const s = getComputedStyle(el);
        return {tag: el.tagName, outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")
    assert focus["tag"] in ("A", "INPUT", "SELECT", "BUTTON") and focus["outline"] != "none" and focus["width"] >= 2
    worst = page.evaluate("""() => {
        const lum = c => { const scale = c.startsWith('color(') ? 1 : 255;  // color-mix() gives color(srgb 0..1)
            const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(v => { v /= scale;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
        const bg = el => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor;
            if (!c.startsWith('rgba(0, 0, 0, 0)')) return c; } return 'rgb(255, 255, 255)'; };
        let worst = 21, what = '';
        for (const el of document.querySelectorAll('main p, main li, main td, main th, main a, main small, main dd, main dt, main mark, main q')) {
            if (!el.textContent.trim() || !el.offsetParent) continue;
            const a = lum(getComputedStyle(el).color), b = lum(bg(el));
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            if (ratio < worst) { worst = ratio; what = el.tagName + ' ' + el.textContent.trim().slice(0, 20); }
        }
        return [worst, what]; }""")
    assert worst[0] >= 4.5, f"contrast {worst[0]:.2f}:1 at {worst[1]}"


def test_home_shows_what_is_in_the_store(page, real_server: str) -> None:
    timed_goto(page, f"{real_server}/")  # the first request opens the store
    elapsed = timed_goto(page, f"{real_server}/")
    assert page.locator("#doc-total").inner_text() == str(len(SLICE) * 2)
    assert "山东省" in page.locator("#regions").inner_text()
    assert int(page.locator("#link-counts b").first.inner_text()) > 0
    assert page.locator("select[name=region] option", has_text="山东省").count() == 1
    page.screenshot(path=str(ARTIFACTS / "real-1-home.png"), full_page=True)
    check_accessibility(page)
    assert elapsed < BUDGET_S


def test_results_grouped_by_document(page, real_server: str) -> None:
    timed_goto(page, f"{real_server}/search?q=智能制造")  # warms the model and the index
    elapsed = timed_goto(page, f"{real_server}/search?q=智能工厂&region=山东省")
    groups = page.locator("#hits .docgroup")
    assert groups.count() >= 1 and page.locator("#hits mark").count() > 0
    first = groups.first.inner_text()
    assert "山东省" in first and "相关度" in first
    titles = [groups.nth(i).locator(".doc-title").inner_text() for i in range(groups.count())]
    assert len(titles) == len(set(titles))  # one entry per document
    page.screenshot(path=str(ARTIFACTS / "real-2-results.png"), full_page=True)
    check_accessibility(page)
    assert elapsed < BUDGET_S


def test_shandong_document_shows_its_national_parent(page, real_server: str) -> None:
    local, national = next(iter(SLICE.items()))
    elapsed = timed_goto(page, f"{real_server}/documents/{local}")
    assert page.locator("#region").inner_text() == "山东省"
    parent = page.locator("#implements details.doclink").first
    assert parent.locator("summary a").get_attribute("href") == f"/documents/{national}"
    assert parent.locator("table.sbs tr").count() > 1
    assert "明确引用" in parent.locator("summary").inner_text()  # pro-037 cites nat-061 by its title
    # only topical neighbours are folded away, under one closed "more" summary
    folded = page.locator("#implements details.more-candidates details.doclink")
    assert all("置信度: 低" in folded.nth(i).locator("summary").text_content() for i in range(folded.count()))
    assert not page.locator("#implements > details.doclink .conf-low").count()
    page.screenshot(path=str(ARTIFACTS / "real-3-document.png"), full_page=True)
    check_accessibility(page)
    assert elapsed < BUDGET_S
    parent.locator("summary a").click()
    page.wait_for_selector("#implemented-by details.doclink")
    assert page.locator("#implemented-by summary a", has_text="").first.get_attribute("href") in {
        f"/documents/{k}" for k in SLICE}


def test_document_page_shows_the_evidence_of_each_field(page, real_server: str) -> None:
    local = next(iter(SLICE))
    timed_goto(page, f"{real_server}/documents/{local}")
    meta = page.locator("#metadata")
    # the text states no title: the inferred one is marked and its sentence shown
    title = meta.locator("#field-title").inner_text()
    assert "推断标题" in title and "由原文推断" in title and "特制定本办法" in title
    assert "原文未写明" in meta.locator("#field-number").inner_text()  # no 文号 in this text: said so
    assert "文件清单" in meta.locator("#field-region").inner_text()  # the slice's manifest names the province
    elapsed = timed_goto(page, f"{real_server}/documents/nat-089")
    issuer, date = meta.locator("#field-issuer").inner_text(), meta.locator("#field-date").inner_text()
    assert "工业和信息化部" in issuer and "原文" in issuer  # read from the 落款
    assert "2020-04-28" in date and "2020年4月28日" in date
    check_accessibility(page)
    assert elapsed < BUDGET_S


def test_citations_are_marked_in_the_full_text(page, real_server: str) -> None:
    local, national = next(iter(SLICE.items()))
    timed_goto(page, f"{real_server}/documents/{local}")
    resolved = page.locator("a.cite.resolved").first
    assert "智能制造发展规划" in resolved.inner_text()
    # a cited provincial plan that is not in the slice is marked, not linked
    missing = page.locator("mark.cite.missing").first
    assert "制造强省建设规划" in missing.inner_text()
    assert missing.locator("xpath=following-sibling::small[1]").inner_text() == "（库中没有此文件）"
    resolved.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "real-6-citations.png"))
    resolved.click()
    page.wait_for_selector("#metadata")
    assert f"/{national}" in page.url


def test_pairs_mark_agencies_and_targets_from_the_graph(page, real_server: str) -> None:
    doc = list(SLICE)[1]  # pro-009 names its departments in nearly every task
    timed_goto(page, f"{real_server}/documents/{doc}")
    links = json.loads(page.request.get(f"{real_server}/documents/{doc}/links").text())
    shown = [pr for g in links["implements"] if g["confidence"] != "low" for pr in g["pairs"][:12]]
    agencies = {a["mention"] for pr in shown for a in pr["local"]["agencies"]}
    marked = set(page.locator("#implements > details.doclink table.sbs mark.agency").all_inner_texts())
    assert marked and marked <= agencies
    assert page.locator("#implements > details.doclink .shared-agencies").count() == sum(
        bool(pr["shared"]["agencies"]) for pr in shown)


@pytest.mark.parametrize("path", ["/", "/documents/pro-037", "/documents/nat-089", "/search?q=智能制造", "/coverage",
                                  "/eli/cn/370000/na/pro-037/art1"])
def test_english_view_is_complete(page, real_server: str, path: str) -> None:
    """Every interface word of the page in English: headings, column and row labels, captions and
    the confidence and origin words (data such as titles and region names stay as written)."""
    timed_goto(page, f"{real_server}{path}{'&' if '?' in path else '?'}lang=en")
    words = page.evaluate("""() => [...document.querySelectorAll(
        'main h2, main h3, main caption, main th[scope=col], table.meta th, .conf, td.origin, .not-stated, '
        + 'header nav a:not(#lang-switch), .filters label, .cite-missing')]
        .map(el => [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim())
        .filter(Boolean)""")
    assert words
    chinese = [w for w in words if any("\u4e00" <= ch <= "\u9fff" for ch in w)]
    assert chinese == []
    raw_keys = page.evaluate("() => document.querySelector('main').innerText.match(/\\b[a-z]+_[a-z_]+\\b/g) || []")
    assert raw_keys == []  # a word missing from the catalogue would show as its key


def test_coverage_heat_map_and_map(page, real_server: str) -> None:
    elapsed = timed_goto(page, f"{real_server}/coverage")
    heads = page.locator("#coverage thead th").all_inner_texts()
    assert "山东省" in heads and len(heads) == 3  # only the regions with data
    page.wait_for_selector("#china-map[data-ready='1']")
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "real-4-coverage.png"), full_page=True)
    check_accessibility(page)
    assert elapsed < BUDGET_S
    page.locator("#coverage td.hit a").first.click()
    page.wait_for_selector("section.cellgroup table.sbs")
    assert page.locator("section.cellgroup h2 a").first.get_attribute("href") in {f"/documents/{k}" for k in SLICE}
    page.screenshot(path=str(ARTIFACTS / "real-5-drilldown.png"), full_page=False)


def test_english_interface(page, real_server: str) -> None:
    timed_goto(page, f"{real_server}/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "What is in the store" in page.locator("h1").inner_text()
    page.locator("#lang-switch").click()
    page.wait_for_load_state()
    assert "库中内容" in page.locator("h1").inner_text()
