"""Screenshots of the staff pages on a running server, for docs/screenshots/ (the closing notes show
them): home, results, a document (metadata with its evidence, parents, pairs), its full text with
citations marked, a pair sharing an agency or target, coverage and one drill-down. Same browser as the tests (Debian's Chromium).

    python -m api.cli serve --data DIR --port 8731 &
    python scripts/screenshots.py http://127.0.0.1:8731 --document pro-037 --query 山东省如何落实国家智能制造发展规划 --pairs pro-038
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.test_web import chromium_page  # noqa: E402  (the tests' browser setup, not a copy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="The server, e.g. http://127.0.0.1:8731")
    parser.add_argument("--document", required=True, help="A local document's id with a national parent.")
    parser.add_argument("--query", required=True, help="A staff question to search for.")
    parser.add_argument("--pairs", help="A document whose side-by-side pairs share an agency or target.")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    browser = chromium_page()  # kept: the browser closes when the generator goes
    page = next(browser)

    def shot(name: str, *, full: bool = True) -> None:
        page.screenshot(path=str(args.out / f"real-{name}.png"), full_page=full)
        print(args.out / f"real-{name}.png")

    page.goto(f"{args.url}/", wait_until="networkidle")
    shot("1-home")
    page.goto(f"{args.url}/search?q={args.query}", wait_until="networkidle")
    shot("2-search")
    page.goto(f"{args.url}/documents/{args.document}", wait_until="networkidle")
    shot("3-document", full=False)
    page.locator("#preamble, ul.tree").first.scroll_into_view_if_needed()
    page.locator("mark.cite").first.scroll_into_view_if_needed()
    shot("6-citations", full=False)
    if args.pairs:
        page.goto(f"{args.url}/documents/{args.pairs}", wait_until="networkidle")
        row = page.locator("#implements tr:has(.shared-agencies), #implements tr:has(.shared-targets)").first
        row.scroll_into_view_if_needed()
        page.mouse.wheel(0, -250)
        shot("7-shared", full=False)
    page.goto(f"{args.url}/coverage", wait_until="networkidle")
    page.wait_for_selector("#china-map[data-ready='1']")
    page.wait_for_timeout(300)
    shot("4-coverage")
    page.locator("#coverage td.hit a").first.click()
    page.wait_for_selector("section.cellgroup table.sbs")
    shot("5-drilldown", full=False)


if __name__ == "__main__":
    main()
