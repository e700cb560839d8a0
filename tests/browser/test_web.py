"""The web page end to end in headless Chromium (Debian's, driven by Playwright's Python package):
type a query, see results, open a provision, follow a link to the national provision.
Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                       "(apt-get install chromium fonts-noto-cjk); Playwright's own download is not used"),
]


def chromium_page():
    """One page of Debian's Chromium, as a person's browser (1280x900, zh-CN); closed after use."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        pg = context.new_page()
        pg.set_default_timeout(20_000)
        yield pg
        context.close()
        browser.close()


@pytest.fixture(scope="module")
def page(server: str):
    yield from chromium_page()


def test_search_open_provision_and_follow_link_to_national(page, server: str) -> None:
    page.goto(f"{server}/search")
    page.fill("#q", "纺织服装品牌 創意設計")
    page.press("#q", "Enter")
    page.wait_for_selector("#hits .hit")
    assert page.locator("#hits .hit").count() >= 5
    assert page.locator("#hits mark").count() > 0
    page.screenshot(path=str(ARTIFACTS / "1-search.png"), full_page=True)

    page.select_option("select[name=level]", "provincial")
    page.click("form.search button")
    page.wait_for_selector("#hits .hit")
    page.locator("#hits .provision-link").first.click()
    page.wait_for_selector("#provision")
    assert page.locator("#national-side .align").count() > 0
    local_url = page.url
    page.screenshot(path=str(ARTIFACTS / "2-provision.png"), full_page=True)

    page.locator("#national-side a.other").first.click()
    page.wait_for_selector("#provision")
    assert "/eli/cn/100000/" in page.url
    assert page.locator("#local-side .align").count() > 0
    page.screenshot(path=str(ARTIFACTS / "3-national.png"), full_page=True)
    backlinks = [page.locator("#local-side a.other").nth(i).get_attribute("href")
                 for i in range(page.locator("#local-side a.other").count())]
    assert any(local_url.endswith(h) for h in backlinks if h)


def test_coverage_and_sparql_pages(page, server: str) -> None:
    page.goto(f"{server}/coverage")
    page.wait_for_selector("#coverage td.hit")
    page.screenshot(path=str(ARTIFACTS / "4-coverage.png"), full_page=True)
    page.goto(f"{server}/sparql")
    page.wait_for_selector(".CodeMirror")
    page.locator("#cookbook a[data-name=timeline]").click()
    page.wait_for_selector("#results table.results tr td")
    assert page.locator("#results table.results tr").count() > 1
    page.screenshot(path=str(ARTIFACTS / "5-sparql.png"), full_page=True)
