"""Every page renders through Streamlit's AppTest without an exception and shows the database's numbers."""

import base64
import json

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.metrics.overview import overview_kpis
from analytics.queries import FIRM_PRICING_KINDS, latest_offers
from tests.conftest import REPO

ENTRY = str(REPO / "app" / "streamlit_app.py")


@pytest.fixture
def app(snapshot_store, monkeypatch):
    monkeypatch.setenv("DEPIN_DB", str(snapshot_store.path))
    return AppTest.from_file(ENTRY, default_timeout=60)


def plotly_array(value):
    """Plotly >= 6 ships numeric arrays as {"dtype", "bdata"} (base64) in figure JSON."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return value


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_shows_the_kpis_of_the_database(app, snapshot_store):
    at = app.run()
    assert not at.exception
    kpis = overview_kpis(snapshot_store)
    shown = metrics(at)
    assert shown["GPU offers (latest price per offer)"] == f"{kpis.offers:,}"
    assert shown["Providers"] == str(kpis.providers)
    assert shown["Centralized: cheapest"] == f"${kpis.prices['centralized'].cheapest_usd:,.2f}"
    assert shown["Centralized: median"] == f"${kpis.prices['centralized'].median_usd:,.2f}"
    assert shown["Decentralized: cheapest"] == f"${kpis.prices['decentralized'].cheapest_usd:,.2f}"
    assert shown["Decentralized: median"] == f"${kpis.prices['decentralized'].median_usd:,.2f}"
    assert shown["Decentralized discount"] == f"{kpis.decentralized_discount_pct:.1f} %"
    for token in kpis.tokens:
        label = f"{token.token} close ({token.as_of})"
        assert label in shown
        assert shown[label].startswith("$")
    assert any("bundled offline snapshot" in info.value for info in at.info)
    charts = at.get("plotly_chart")
    assert charts, "the H100 price distribution chart is missing"
    figure = json.loads(charts[0].proto.spec)
    plotted = sum(len(plotly_array(trace["y"])) for trace in figure["data"])
    firm = latest_offers(snapshot_store, family="H100", pricing_kinds=FIRM_PRICING_KINDS)
    assert plotted == len(firm)


def test_data_sources_lists_every_dataset_with_download(app, snapshot_store):
    at = app.run()
    at.switch_page("views/data_sources.py").run()
    assert not at.exception
    assert at.title[0].value == "Data & sources"
    frames = at.dataframe
    datasets = frames[0].value
    n = snapshot_store.query_rows("SELECT count(*) FROM datasets")[0][0]
    assert len(datasets) == n
    assert (datasets["stored_rows"] > 0).all()
    assert at.selectbox[0].options[0] == datasets["dataset_id"].iloc[0]


def test_dashboard_loads_the_snapshot_into_an_empty_database(empty_store, monkeypatch):
    monkeypatch.setenv("DEPIN_DB", str(empty_store.path))
    at = AppTest.from_file(ENTRY, default_timeout=120).run()
    assert not at.exception
    assert empty_store.query_rows("SELECT count(*) FROM datasets")[0][0] > 0


def test_cost_comparison_page_matches_the_cli(app, snapshot_store):
    import subprocess
    import sys

    from analytics.metrics.prices import discount_table

    at = app.run()
    at.switch_page("views/cost_comparison.py").run()
    assert not at.exception
    shown = metrics(at)
    firm = latest_offers(snapshot_store, pricing_kinds=FIRM_PRICING_KINDS)
    h100 = discount_table(firm[firm["gpu_family"] == "H100"]).set_index("gpu_family").loc["H100"]
    assert shown["Centralized median"] == f"${h100['centralized_median_usd']:,.2f}"
    assert shown["Decentralized median"] == f"${h100['decentralized_median_usd']:,.2f}"
    assert shown["Decentralized discount (median)"] == f"{h100['discount_median_pct']:.1f} %"

    cli = subprocess.run(
        [sys.executable, "-m", "analytics.cli", "--db", str(snapshot_store.path), "prices", "--gpu", "H100", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    offers = pd.DataFrame([json.loads(line) for line in cli.stdout.splitlines()])
    cli_firm = offers[offers["pricing_kind"] != "spot"]
    central = cli_firm[cli_firm["model"] == "centralized"]["price_per_gpu_hour_usd"].median()
    assert f"${central:,.2f}" == shown["Centralized median"]

    at.number_input[0].set_value(8).run()  # 8 GPUs
    assert not at.exception
    assert len(at.dataframe) >= 3


def test_cost_comparison_never_prices_a_negative_gpu_count(app):
    at = app.run()
    at.switch_page("views/cost_comparison.py").run()
    at.number_input[0].set_value(-1).run()
    assert not at.exception
    assert at.number_input[0].value >= 1  # the form refuses it; JobSpec would refuse it too (test_prices_and_jobs)


def test_token_markets_names_the_instrument_and_shows_the_migration(app):
    at = app.run()
    at.switch_page("views/token_markets.py").run()
    assert not at.exception
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert any("perpetual futures, not spot" in m.value for m in at.markdown)  # the chart's title, above it
    assert figure["data"][0]["type"] == "candlestick"
    at.segmented_control[0].set_value("All").run()  # the RNDR series ended before the default 1-year range
    at.checkbox[0].check().run()
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert any("RNDR" in (trace.get("name") or "") for trace in figure["data"])
    assert any("migration" in a["text"] for a in figure["layout"]["annotations"])
    x_range = figure["layout"]["xaxis"]["range"]
    assert x_range[0][:4] == "2020" and x_range[1][:10] == "2025-11-12"  # the data's span, not 2027
    low, high = figure["layout"]["yaxis"]["range"]
    assert 0 < high < 100  # RENDER and RNDR closes in USD(T), padded

    at.segmented_control[0].set_value("1M").run()
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    lows, highs = plotly_array(figure["data"][0]["low"]), plotly_array(figure["data"][0]["high"])
    low, high = figure["layout"]["yaxis"]["range"]
    assert len(figure["data"][0]["x"]) <= 32
    assert low <= min(lows) and high >= max(highs)
    assert high - low < 1.2 * (max(highs) - min(lows))  # fits the month, not the whole history


def test_tokenomics_pages_for_every_network(app):
    at = app.run()
    at.switch_page("views/tokenomics.py").run()
    assert not at.exception
    for network in at.selectbox[0].options:
        at.selectbox[0].set_value(network).run()
        assert not at.exception, network
        facts = at.dataframe[-1].value
        assert facts["source"].str.startswith("https://").all()
    shown = {m.label: m.value for m in at.metric}
    assert "Maximum supply" in shown
