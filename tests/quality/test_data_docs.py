"""Data Docs as a person opens them: from disk, with the network off, after many runs.

Sites are built once for the module and only read by the tests: one after a single run,
and one after seven runs (slow: each validation takes about a second).
"""

from __future__ import annotations

import os
import re
import shutil
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pytest

from quality.validation import DATA_DOCS_RUNS_KEPT, validate_records
from tests.quality.test_validation import canonical_records

SUITES = ("shop", "crm")
RUNS = 7
CHROMIUM = os.environ.get("HUB_CHROMIUM") or shutil.which("chromium")


def _data_docs(folder: Path, runs: int) -> Path:
    """Data Docs of ``runs`` runs of each suite, each run with one bad e-mail."""
    records = canonical_records(["kari@example.no", "bad@", "ola@example.no"])
    for run in range(1, runs + 1):
        for suite in SUITES:
            validate_records(records, suite_name=suite, data_docs=folder, run_name=f"run-{run}")
    return folder


@pytest.fixture(scope="module")
def first_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _data_docs(tmp_path_factory.mktemp("data_docs"), runs=1)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _data_docs(tmp_path_factory.mktemp("data_docs"), runs=RUNS)


class _PageReferences(HTMLParser):
    """What a page makes a browser fetch (scripts, styles, images) and where it links."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag in ("script", "img", "iframe") and attributes.get("src"):
            self.loads.append(attributes["src"])
        elif tag == "link" and attributes.get("href"):
            self.loads.append(attributes["href"])
        elif tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])


def _references(page: Path) -> _PageReferences:
    text = page.read_text(encoding="utf-8")
    references = _PageReferences()
    references.feed(text)
    # Style sheets written into the page, and the index's table, which its script fills
    # from data that holds the rows' links and the suite links as text.
    references.loads += re.findall(r"url\(\s*['\"]?([^'\")]+)", text)
    references.links += re.findall(r"'_table_row_link_path': '([^']+)'", text)
    references.links += re.findall(r'href="([^"]+)"', text)
    return references


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def _is_remote(url: str) -> bool:
    return urllib.parse.urlsplit(url).scheme not in ("", "file", "data") or url.startswith("//")


def _local_target(page: Path, url: str) -> Path:
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    return (page.parent / path).resolve()


def _validation_pages(site: Path, suite: str) -> list[Path]:
    return sorted((site / "validations" / suite).rglob("*.html"))


def test_data_docs_load_nothing_from_the_network(first_site: Path) -> None:
    pages = _pages(first_site)
    assert {page.relative_to(first_site).parts[0] for page in pages} == {
        "index.html",
        "expectations",
        "validations",
    }

    for page in pages:
        loads = _references(page).loads
        assert loads, page
        remote = [url for url in loads if _is_remote(url)]
        assert remote == [], f"{page.relative_to(first_site)} loads {remote}"
        missing = [url for url in loads if not _local_target(page, url).is_file()]
        assert missing == [], f"{page.relative_to(first_site)} loads files that are not there"


@pytest.mark.slow
def test_data_docs_keep_only_the_last_runs_of_each_suite(site: Path) -> None:
    kept_runs = [f"run-{run}" for run in range(RUNS - DATA_DOCS_RUNS_KEPT + 1, RUNS + 1)]

    for suite in SUITES:
        for section, kind in (("validations", "*.html"), ("results", "*.json")):
            folder = site / section / suite
            runs = sorted(path.relative_to(folder).parts[0] for path in folder.rglob(kind))
            assert runs == kept_runs, f"{section}/{suite}"
    empty = [folder for folder in site.rglob("*") if folder.is_dir() and not any(folder.iterdir())]
    assert empty == []


@pytest.mark.slow
def test_data_docs_links_lead_to_pages_that_exist(site: Path) -> None:
    index = site / "index.html"
    listed = {
        _local_target(index, link)
        for link in _references(index).links
        if link.startswith("validations/")
    }
    assert listed == {page.resolve() for suite in SUITES for page in _validation_pages(site, suite)}

    for page in _pages(site):
        local = [
            link
            for link in _references(page).links
            if not _is_remote(link) and not link.startswith(("#", "mailto:", "javascript:"))
        ]
        dangling = [link for link in local if not _local_target(page, link).is_file()]
        assert dangling == [], f"{page.relative_to(site)} links to {dangling}"


@pytest.mark.slow
@pytest.mark.browser
def test_data_docs_show_their_results_with_the_network_off(site: Path, tmp_path: Path) -> None:
    if CHROMIUM is None:
        reason = "no chromium on this machine (Debian's package `chromium`)"
        if os.environ.get("HUB_REQUIRE_SERVICES"):
            pytest.fail(f"HUB_REQUIRE_SERVICES is set but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import Route, expect, sync_playwright

    remote: list[str] = []

    def network_off(route: Route) -> None:
        if route.request.url.startswith(("http://", "https://")):
            remote.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.route("**/*", network_off)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        page.goto((site / "index.html").as_uri())
        rows = page.locator("table.ge-index-page-validation-results-table tbody tr")
        expect(rows).to_have_count(len(SUITES) * DATA_DOCS_RUNS_KEPT)
        expect(rows.first).to_contain_text(f"run-{RUNS}")
        # Bootstrap's style sheet is applied: its navbar is a flex box.
        assert page.locator("nav.navbar").evaluate("n => getComputedStyle(n).display") == "flex"
        page.screenshot(path=str(tmp_path / "index.png"), full_page=True)

        rows.first.click()
        expect(page).to_have_url(re.compile(rf"/validations/\w+/run-{RUNS}/"))
        expect(page.get_by_text("values must match this regular expression").first).to_be_visible()
        expect(page.get_by_text("bad@").first).to_be_visible()
        # The failed expectation's cross is drawn in Font Awesome's font, which loaded.
        expect(page.locator(".fa-times").first).to_be_visible()
        fonts = page.evaluate("() => [...document.fonts].map(f => [f.family, f.status])")
        assert ["Font Awesome 6 Free", "loaded"] in fonts, fonts
        page.screenshot(path=str(tmp_path / "validation.png"), full_page=True)
        browser.close()

    assert remote == []
    assert errors == []
