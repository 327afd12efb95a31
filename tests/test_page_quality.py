"""Every page, at desktop and phone width, reads like a finished tool: no 'None'/'nan'/'NaT', no snake_case
column headers or axis titles, no Streamlit internals or tracebacks, settled within 10 s on the bundled data.
Full-page screenshots land in test-artifacts/quality/. One dashboard server and one browser for the module."""

from __future__ import annotations

import ast
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, LAUNCH_ARGS, require_chromium, running_dashboard, wait_for_app
from tests.conftest import ARTIFACTS, REPO

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": (1440, 900), "phone": (390, 844)}
SETTLE_MS = 10_000
MISSING_WORDS = re.compile(r"\b(None|nan|NaN|NaT|undefined|null)\b")
INTERNALS = ("DeltaGenerator", "Creator of Delta", "Traceback", "streamlit.errors", "StreamlitAPIException")
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _pages() -> list[tuple[str, str]]:
    """(title, url path) for every st.Page in the entry script's PAGES, in order (the default page is '/')."""
    tree = ast.parse((REPO / "app" / "streamlit_app.py").read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            script = node.args[0].value
            keywords = {k.arg: k.value for k in node.keywords}
            title = keywords["title"].value if "title" in keywords else Path(script).stem
            url_path = keywords["url_path"].value if "url_path" in keywords else Path(script).stem
            is_default = "default" in keywords and keywords["default"].value is True
            found.append((title, "" if is_default else url_path))
    assert found, "no st.Page found in app/streamlit_app.py"
    return found


PAGES = _pages()


@pytest.fixture(scope="module")
def dashboard_url(_snapshot_db, tmp_path_factory):
    require_chromium()
    db = tmp_path_factory.mktemp("quality") / "depin.duckdb"
    shutil.copy(_snapshot_db, db)
    with running_dashboard(db) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def warm_server(dashboard_url, browser):
    """The first page view imports the app's libraries; load every page once so timings measure rendering."""
    page = browser.new_page()
    try:
        for _title, path in PAGES:
            page.goto(f"{dashboard_url}/{path}")
            wait_for_app(page, timeout_ms=90_000)
    finally:
        page.close()
    return dashboard_url


def _settle(page, started: float) -> None:
    """Connected, script finished, no spinner or skeleton, every plotly chart and visible data grid drawn,
    all within SETTLE_MS of starting to load the page."""

    def left_ms() -> float:
        remaining = SETTLE_MS - (time.monotonic() - started) * 1000
        if remaining <= 0:
            raise AssertionError(f"the page did not settle within {SETTLE_MS / 1000:.0f} s")
        return remaining

    wait_for_app(page, timeout_ms=left_ms())
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=left_ms())
    page.wait_for_function(
        """() => !document.querySelector("[data-testid='stSpinner'], [data-testid='stSkeleton']")
              && [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
                   .every(c => c.querySelector('.main-svg'))""",
        timeout=left_ms(),
    )
    wait_for_app(page, timeout_ms=left_ms())
    grids = page.locator("[data-testid='stDataFrame']")
    for i in range(grids.count()):
        grid = grids.nth(i)
        if grid.is_visible():  # a grid draws its cells (and their accessible table) only once on screen
            grid.scroll_into_view_if_needed(timeout=left_ms())
            grid.locator("th, [role=columnheader]").first.wait_for(state="attached", timeout=left_ms())


def _problems(page) -> list[str]:
    problems = []
    visible = page.inner_text("[data-testid='stApp']")
    grid_cells = page.locator("[data-testid='stDataFrame'] td, [data-testid='stTable'] td").all_text_contents()
    headers = page.locator(
        "[data-testid='stDataFrame'] th, [data-testid='stTable'] th, [data-testid='stDataFrame'] [role=columnheader]"
    ).all_text_contents()
    chart_titles = page.locator(
        "[data-testid='stPlotlyChart'] :is(.g-xtitle, .g-ytitle, .g-x2title, .g-y2title, .legendtitletext, "
        ".gtitle, .cbtitle, .xtick, .ytick)"
    ).all_text_contents()

    for match in sorted({m.group(0) for m in MISSING_WORDS.finditer(visible)}):
        line = next(li for li in visible.splitlines() if re.search(rf"\b{match}\b", li))
        problems.append(f"visible text shows {match!r}: {line.strip()[:120]!r}")
    # A grid's accessible cells hold the raw value: a missing one is empty there and drawn as a grey 'None'.
    for cell in {c.strip() for c in grid_cells}:
        if MISSING_WORDS.fullmatch(cell) or cell == "":
            problems.append(f"a table cell shows {cell or 'None'!r} (format it with app.format: an em dash)")
    for marker in INTERNALS:
        if marker in visible:
            problems.append(f"Streamlit internals on the page: {marker!r}")
    for header in {h.strip() for h in headers + chart_titles}:
        if SNAKE_CASE.search(header) and not header.startswith(("http", "/")):
            problems.append(f"snake_case header or axis label: {header!r}")
    if page.locator("[data-testid='stException']").count():
        problems.append("an exception box is shown")
    return problems


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize(("title", "path"), PAGES, ids=[title for title, _ in PAGES])
def test_page_reads_like_a_finished_tool(warm_server, browser, title, path, viewport):
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        started = time.monotonic()
        page.goto(f"{warm_server}/{path}")
        _settle(page, started)
        out = ARTIFACTS / "quality"
        out.mkdir(parents=True, exist_ok=True)
        name = (path or "overview").replace("/", "_")
        problems = _problems(page)
        # The app scrolls inside its main element, so a "full page" screenshot needs a viewport that tall.
        full = page.evaluate("document.querySelector(\"[data-testid='stMain']\").scrollHeight")
        page.set_viewport_size({"width": width, "height": min(max(full, height), 12_000)})
        page.wait_for_timeout(300)
        page.screenshot(path=str(out / f"{name}-{width}x{height}.png"), full_page=True)
        assert not problems, f"{title} at {width}x{height}:\n  " + "\n  ".join(problems)
    finally:
        context.close()
