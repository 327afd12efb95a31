"""Every page renders through Streamlit's AppTest without an exception and shows the database's numbers."""

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from analytics.metrics.overview import overview_kpis
from tests.conftest import REPO
from tests.stores import store_env, use_store

ENTRY = str(REPO / "app" / "streamlit_app.py")


@pytest.fixture
def app(snapshot_store, monkeypatch):
    use_store(monkeypatch, snapshot_store)
    return AppTest.from_file(ENTRY, default_timeout=60)


def plotly_array(value):
    """Plotly >= 6 ships numeric arrays as {"dtype", "bdata"} (base64) in figure JSON."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return value


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_shows_the_headline_of_depin_compare(app, snapshot_store):
    at = app.run()
    assert not at.exception
    kpis = overview_kpis(snapshot_store)
    h = kpis.headline
    shown = metrics(at)
    assert shown["Centralized median"] == f"${h.centralized_median_usd:,.2f}"
    assert shown["Decentralized median"] == f"${h.decentralized_median_usd:,.2f}"
    assert shown["Decentralized discount"] == f"{h.discount_pct:.1f} %"
    for segment in h.segments:  # every segment's figure is the compare table's, or says it is withheld
        expected = f"${segment['median_usd']:,.2f}" if segment["median_usd"] is not None else "withheld"
        assert shown[segment["segment_label"]] == expected
    assert any(h.sentence in m.value for m in at.markdown)
    for token in kpis.tokens:
        label = f"{token.token} close ({token.as_of})"
        assert label in shown
        assert shown[label].startswith("$")
    assert any("bundled data, not live prices" in info.value for info in at.info)
    charts = at.get("plotly_chart")
    assert charts, "the segment chart is missing"
    figure = json.loads(charts[0].proto.spec)
    plotted = sorted(v for trace in figure["data"] for v in plotly_array(trace["x"]))  # horizontal bars
    expected = sorted(v for s in h.segments for v in (s["median_usd"], s["cheapest_usd"]) if v is not None)
    assert plotted == pytest.approx(expected)


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
    use_store(monkeypatch, empty_store)
    at = AppTest.from_file(ENTRY, default_timeout=120).run()
    assert not at.exception
    assert empty_store.query_rows("SELECT count(*) FROM datasets")[0][0] > 0


def test_cost_comparison_page_matches_depin_compare(app, snapshot_store):
    import subprocess
    import sys

    at = app.run()
    at.switch_page("views/cost_comparison.py").run()
    assert not at.exception
    shown = metrics(at)
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics.cli",
            "compare",
            "--gpu",
            "H100-SXM-80GB",
            "--json",
        ],
        env=store_env(snapshot_store),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    report = json.loads(cli.stdout)
    sides = report["centralized_vs_decentralized"]
    assert shown["Centralized median"] == f"${sides['centralized']['median_usd']:,.2f}"
    assert shown["Decentralized median"] == f"${sides['decentralized']['median_usd']:,.2f}"
    assert shown["Discount"] == f"{sides['discount_pct']:.1f} %"
    tables = [t.value for t in at.dataframe]
    segment_table = next(t for t in tables if "segment_label" in t.columns)
    by_segment = {r["segment"]: r for r in report["segments"]}
    for row in segment_table.itertuples():
        expected = next(r for r in by_segment.values() if r["segment_label"] == row.segment_label)
        assert row.offers == expected["offers"] and row.providers == expected["providers"]
    robust = next(t for t in tables if "definition" in t.columns)
    assert len(robust) == len(report["robustness"])

    at.radio[0].set_value("decentralized").run()  # RunPod Secure on the overview's side
    assert not at.exception
    lens = subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics.cli",
            "compare",
            "--gpu",
            "H100-SXM-80GB",
            "--runpod-secure-decentralized",
            "--json",
        ],
        env=store_env(snapshot_store),
        capture_output=True,
        text=True,
        timeout=120,
    )
    other = json.loads(lens.stdout)["centralized_vs_decentralized"]
    assert metrics(at)["Decentralized median"] == f"${other['decentralized']['median_usd']:,.2f}"

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


def section_chart(at, trace_name: str) -> dict:
    """The chart with a trace of that name (show_chart moves titles out of the figure)."""
    figures = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return next(f for f in figures if any(t.get("name") == trace_name for t in f["data"]))


def test_tokenomics_demand_vs_emissions_section_matches_the_network_report(app, snapshot_store):
    from analytics.network.report import network_report, strict_json

    at = app.run()
    at.switch_page("views/tokenomics.py").run()
    assert not at.exception
    assert "Demand vs emissions" in [h.value for h in at.subheader]
    radio = next(r for r in at.radio if r.label == "Network")
    assert radio.value == "render"  # follows the page's network
    assert any("Not shown - demand side" in i.value for i in at.info)
    radio.set_value("aethir").run()
    assert not at.exception
    report = strict_json(network_report(snapshot_store, "aethir"))
    last_full = [p for p in report["series"]["revenue_usd"] if "partial_day" not in p["flags"]][-1]
    shown = {m.label: m.value for m in at.metric}
    assert shown["Demand, last full day"] == f"${last_full['value']:,.0f}"
    assert shown["Annualised revenue"] == f"${report['annualised_revenue']['usd']:,.0f}"
    assert shown["Issuance coverage"] == "not shown"
    assert any("emission side: no emissions source" in i.value for i in at.info)
    figure = section_chart(at, "Revenue (USD per day)")
    assert len(plotly_array(figure["data"][0]["y"])) == 166  # every day of revenue, partial day included
    assert len(plotly_array(section_chart(at, "Compute hours per week")["data"][0]["y"])) == 16
    assert "**Aethir: demand vs token incentives, USD per day**" in [m.value for m in at.markdown]
    next(r for r in at.radio if r.label == "Network").set_value("akash").run()
    assert not at.exception
    figure = section_chart(at, "Spend by users (USD per day)")
    names = [trace["name"] for trace in figure["data"]]
    assert len(plotly_array(section_chart(at, "Active providers")["data"][0]["y"])) == 667
    assert names == ["Spend by users (USD per day)", "Token incentives, 1kx (USD per day, monthly)"]
    assert any("no month has both sides" in i.value for i in at.info)
    text = " ".join(str(m.value) for m in at.metric)
    assert "nan" not in text.lower() and "None" not in text
