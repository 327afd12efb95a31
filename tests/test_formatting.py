"""The formatting layer: how numbers read in the CLI and every dashboard table, and what the chart windows hold."""

import math

import pandas as pd
import pytest

from analytics import formatting as f
from analytics.markets.candle_view import in_range, informative_correlations, price_bounds, with_moving_averages
from tests.stores import store_env


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1234.561, "$1,234.56"), (-1.66, "-$1.66"), (0, "$0.00"), (-0.001, "$0.00"), (None, "—"), (math.nan, "—")],
)
def test_money(value, expected):
    assert f.money(value) == expected


def test_percent_count_dates_and_missing_values():
    assert f.percent(0.123, fraction=True) == "12.3 %"
    assert f.percent(12.34, signed=True) == "+12.3 %"
    assert f.percent(-5, 0) == "-5 %"
    assert f.count(555751745) == "555,751,745"
    assert f.number(13.456, 1, unit="GFLOP/s") == "13.5 GFLOP/s"
    assert f.day(pd.Timestamp("2026-03-21 10:00")) == "2026-03-21"
    assert f.moment(pd.Timestamp("2026-03-21 10:05:33")) == "2026-03-21 10:05"
    for missing in (None, math.nan, pd.NA, pd.NaT):
        assert f.percent(missing) == f.count(missing) == f.day(missing) == f.text(missing) == "—"


def test_prices_keep_four_significant_digits_below_a_dollar():
    assert [f.price(v) for v in (0.0247, 0.6123, 2.322, 101595.6)] == ["$0.02470", "$0.6123", "$2.32", "$101,595.60"]


@pytest.mark.parametrize(
    ("column", "label"),
    [("median_list_usd", "Median list (USD)"), ("age_hours", "Age (h)"), ("provider", "Provider")],
)
def test_humanize(column, label):
    assert f.humanize(column) == label


def test_the_table_layer_keeps_numbers_and_writes_missing_values_as_a_dash():
    from app.format import count, money, percent, prepare, table_config, text

    frame = pd.DataFrame(
        {"provider": ["a", None], "usd": [1234.5, -1.66], "share": [0.5, None], "n": [1234.4, 2.0], "extra": [1, 2]}
    )
    columns = {
        "provider": text("Provider"),
        "usd": money("Price", help="per GPU-hour"),
        "share": percent("Share", fraction=True, why_missing="no offers"),
        "n": count("Offers"),
    }
    shown, formats = prepare(frame, columns)
    assert list(shown.columns) == ["provider", "usd", "share", "n"]  # only the listed columns, in order
    # complete numeric columns still sort as numbers and the browser writes them ($1,234.50, -$1.66, 1,234)
    assert shown["usd"].dtype.kind == "f" and formats["usd"] == "dollar"
    assert list(shown["n"]) == [1234, 2] and formats["n"] == "localized"
    # a column with a missing value is written on the server, the gap as an em dash
    assert list(shown["share"]) == ["50.0 %", "—"] and list(shown["provider"]) == ["a", "—"]
    config = table_config(columns, formats)
    assert config["usd"]["label"] == "Price" and config["usd"]["type_config"]["format"] == "dollar"
    assert "— = no offers" in config["share"]["help"]
    with pytest.raises(KeyError, match="no column"):
        prepare(frame, {"missing_column": text("X")})


def test_numbers_the_browser_cannot_write_exactly_are_written_on_the_server():
    from app.format import number, percent, prepare, price

    frame = pd.DataFrame({"p": [0.0247, 2.5], "big": [12345.678, 1.0], "pct": [12.34, -5.0], "tiny": [-0.001, 3.0]})
    from app.format import money

    columns = {
        "p": price("Price"),  # four significant digits below a dollar
        "big": number("Size", digits=1, unit="GB"),  # printf has no thousands separator
        "pct": percent("Change", signed=True),
        "tiny": money("Cost"),  # the browser would write -$0.00
    }
    shown, formats = prepare(frame, columns)
    assert formats == {"pct": "%+.1f %%"}
    html = shown.to_html()
    assert "$0.02470" in html and "12,345.7 GB" in html and "$0.00" in html and "-$0.00" not in html
    assert shown.data["p"].dtype.kind == "f"  # still numbers underneath


def test_candle_windows_moving_averages_and_bounds():
    ts = pd.date_range("2025-01-01", periods=400, freq="D")
    candles = pd.DataFrame({"ts": ts, "open": 1.0, "high": range(2, 402), "low": range(0, 400), "close": 1.0})
    full = with_moving_averages(candles)
    assert {"ma_20", "ma_50", "ma_200"} <= set(full.columns)
    month = in_range(full, "1M")
    assert month["ts"].min() >= ts[-1] - pd.DateOffset(months=1) and len(month) == 32
    assert len(in_range(full, "All")) == 400
    low, high = price_bounds(month)
    assert low < month["low"].min() and high > month["high"].max() and high - low < 60  # the window, not history
    assert "ma_200" not in with_moving_averages(candles.head(100)).columns


def test_tokens_without_overlap_leave_the_heatmap():
    corr = pd.DataFrame([[1.0, 0.5, None], [0.5, 1.0, None], [None, None, 1.0]], index=list("ABR"), columns=list("ABR"))
    kept, dropped = informative_correlations(corr)
    assert dropped == ["R"] and list(kept.columns) == ["A", "B"]


def test_the_cli_writes_a_loss_as_minus_dollars(snapshot_store):
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics.cli",
            "earnings",
            "--gpu",
            "RTX4090",
            "--utilization",
            "0.05",
        ],
        env=store_env(snapshot_store),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "after depreciation -$" in result.stdout
    assert "$-" not in result.stdout
