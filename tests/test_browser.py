"""One real browser against the real server: `depin dashboard` + headless Chromium."""

import pytest

from analytics.metrics.overview import overview_kpis
from tests.browser import browser_page, require_chromium, running_dashboard, wait_for_app

# Like every store test, on both backends: a dashboard process serving a lake to a real browser (the lake
# variants add ~10 s per test).
pytestmark = [pytest.mark.browser]


def test_overview_in_a_real_browser(snapshot_store, tmp_path, artifacts_dir):
    require_chromium()
    kpis = overview_kpis(snapshot_store)
    with running_dashboard(snapshot_store) as url, browser_page(tmp_path) as page:
        page.goto(url)
        wait_for_app(page)
        page.get_by_text("Decentralized discount").first.wait_for(timeout=30_000)
        page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for(timeout=30_000)
        text = page.inner_text("[data-testid='stApp']")
        page.screenshot(path=str(artifacts_dir / "overview.png"), full_page=True)
        assert "Traceback" not in text
        h = kpis.headline
        assert h.sentence.split(":")[0] in text
        assert f"${h.centralized_median_usd:,.2f}" in text
        assert f"${h.decentralized_median_usd:,.2f}" in text
        assert f"{h.discount_pct:.1f} %" in text
        assert "bundled data, not live prices" in text

        page.get_by_role("link", name="Data & sources").click()
        page.get_by_text("Preview or download a dataset").wait_for(timeout=30_000)
        wait_for_app(page)
        page.screenshot(path=str(artifacts_dir / "data_sources.png"), full_page=True)
        assert (
            "skypilot_catalog:runpod" in page.inner_text("[data-testid='stApp']")
            or page.locator("[data-testid='stDataFrame']").count() >= 1
        )


def test_cost_comparison_in_a_real_browser(snapshot_store, tmp_path, artifacts_dir):
    require_chromium()
    with running_dashboard(snapshot_store) as url, browser_page(tmp_path) as page:
        page.goto(f"{url}/cost_comparison")
        wait_for_app(page)
        page.get_by_text("How much does the answer depend on the definition?").first.wait_for(timeout=30_000)
        page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for(timeout=30_000)
        text = page.inner_text("[data-testid='stApp']")
        page.screenshot(path=str(artifacts_dir / "cost_comparison.png"), full_page=True)
        assert "Traceback" not in text
        assert "100-hour run" in text and "Sources that disagree" in text


@pytest.mark.parametrize("page_path", ["token_markets", "tokenomics"])
def test_token_pages_in_a_real_browser(snapshot_store, tmp_path, artifacts_dir, page_path):
    require_chromium()
    with running_dashboard(snapshot_store) as url, browser_page(tmp_path) as page:
        page.goto(f"{url}/{page_path}")
        wait_for_app(page)
        page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for(timeout=30_000)
        text = page.inner_text("[data-testid='stApp']")
        page.screenshot(path=str(artifacts_dir / f"{page_path}.png"), full_page=True)
        assert "Traceback" not in text
        if page_path == "token_markets":
            assert "perpetual futures, not spot" in text or "Volatility and drawdowns" in text
        else:
            assert "Every fact, with its source" in text


@pytest.mark.parametrize(
    ("page_path", "marker"), [("node_earnings", "Net per day"), ("due_diligence", "Overall score")]
)
def test_investor_pages_in_a_real_browser(snapshot_store, tmp_path, artifacts_dir, page_path, marker):
    require_chromium()
    with running_dashboard(snapshot_store) as url, browser_page(tmp_path) as page:
        page.goto(f"{url}/{page_path}")
        wait_for_app(page)
        page.get_by_text(marker).first.wait_for(timeout=30_000)
        page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for(timeout=30_000)
        text = page.inner_text("[data-testid='stApp']")
        page.screenshot(path=str(artifacts_dir / f"{page_path}.png"), full_page=True)
        assert "Traceback" not in text
        assert "DeltaGenerator" not in text and "Creator of Delta" not in text


def test_benchmark_panel_in_a_real_browser(snapshot_store, tmp_path, artifacts_dir):
    require_chromium()
    with running_dashboard(snapshot_store) as url, browser_page(tmp_path) as page:
        page.goto(f"{url}/gpu_benchmark")
        wait_for_app(page)
        page.get_by_role("button", name="Run benchmark").click()
        page.get_by_text("Benchmark finished and stored as").first.wait_for(timeout=120_000)
        wait_for_app(page)
        text = page.inner_text("[data-testid='stApp']")
        page.screenshot(path=str(artifacts_dir / "gpu_benchmark.png"), full_page=True)
        assert "Traceback" not in text
        assert "What a unit of work costs on each market" in text
