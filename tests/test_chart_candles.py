"""Charts get at most MAX_CHART_CANDLES per series; longer series are merged into wider candles in DuckDB."""

import numpy as np
import pandas as pd

from analytics.markets.chart_candles import candle_width, chart_candles
from analytics.store.writes import upsert
from tests.stores import use_store


def _store_minutes(store, n):
    rng = np.random.default_rng(1)
    close = 10 * np.exp(np.cumsum(rng.normal(0, 0.001, n)))
    frame = pd.DataFrame(
        {
            "exchange": "x", "symbol": "AUSDT", "timeframe": "1m",
            "ts": pd.date_range("2025-01-01", periods=n, freq="min"),
            "open": close * 0.999, "high": close * 1.002, "low": close * 0.997, "close": close,
            "volume": rng.uniform(1, 5, n), "token": "A", "quote": "USDT", "instrument": "spot",
        }
    )  # fmt: skip
    store.migrate()
    with store.writer() as conn:
        upsert(conn, "ohlcv_candles", frame)
    return frame


def test_a_long_series_is_merged_into_wider_candles(empty_store):
    minutes = _store_minutes(empty_store, 5_000)
    chart = chart_candles(empty_store, "x", "AUSDT", "1m", max_candles=2_000, warmup=0)
    assert chart.aggregated and chart.stored == chart.in_window == 5_000 and chart.width == "5m"
    expected = (
        minutes.set_index("ts")
        .resample("5min")
        .agg({"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"})
        .reset_index()
    )
    assert len(chart.candles) == len(expected) <= 2_000
    for column in ("open", "high", "low", "close", "volume"):
        np.testing.assert_allclose(chart.candles[column], expected[column], rtol=1e-12)
    assert (chart.candles["ts"].to_numpy() == expected["ts"].to_numpy()).all()


def test_a_short_series_comes_back_as_stored(empty_store):
    minutes = _store_minutes(empty_store, 300)
    chart = chart_candles(empty_store, "x", "AUSDT", "1m")
    assert not chart.aggregated and chart.width == "1m" and chart.in_window == 300
    np.testing.assert_allclose(chart.candles["close"], minutes["close"])


def test_a_window_comes_with_a_warm_up_for_the_moving_averages(empty_store):
    _store_minutes(empty_store, 5_000)  # 2025-01-01 00:00 .. 03:19 (minutes)
    chart = chart_candles(empty_store, "x", "AUSDT", "1m", window="1M", max_candles=2_000, warmup=200)
    assert chart.in_window == 5_000  # the whole series lies inside one month
    chart = chart_candles(empty_store, "x", "AUSDT", "1m", max_candles=10_000, warmup=200)
    assert not chart.aggregated and len(chart.candles) == 5_000


def test_width_is_the_narrowest_that_fits_and_never_below_the_series_own():
    assert candle_width("1m", "2025-01-01", "2025-01-02", 2_000) == ("1m", 60)  # 1,441 minutes fit
    assert candle_width("1m", "2025-01-01", "2026-01-01", 2_000) == ("6h", 21600)  # 1,461 six-hour candles
    assert candle_width("1d", "2020-01-01", "2020-02-01", 10)[0] == "1w"


def test_token_markets_sends_the_merged_candles_to_the_browser(snapshot_store, monkeypatch):
    import base64
    import json

    from streamlit.testing.v1 import AppTest

    from tests.conftest import REPO

    n = 6_000
    frame = pd.DataFrame(
        {
            "exchange": "bybit_usdt_perpetual", "symbol": "RENDERUSDT", "timeframe": "1m",
            "ts": pd.date_range("2025-11-01", periods=n, freq="min"), "open": 2.0, "high": 2.1, "low": 1.9,
            "close": 2.0, "volume": 1.0, "token": "RENDER", "quote": "USDT", "instrument": "perpetual",
        }
    )  # fmt: skip
    with snapshot_store.writer() as conn:
        upsert(conn, "ohlcv_candles", frame)
    use_store(monkeypatch, snapshot_store)
    at = AppTest.from_file(str(REPO / "app" / "streamlit_app.py"), default_timeout=60).run()
    at.switch_page("views/token_markets.py").run()
    next(r for r in at.radio if r.label == "Timeframe").set_value("1m").run()
    assert not at.exception
    trace = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    x = trace["x"]
    points = len(np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"])) if isinstance(x, dict) else len(x)
    assert points <= 2_000
    assert any("merged into" in c.value and "6,000 stored minute candles" in c.value for c in at.caption)
