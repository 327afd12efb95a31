from datetime import datetime

import pandas as pd
import pytest

from analytics.metrics.overview import decentralized_discount_pct, overview_kpis, token_kpi


def independent_h100(store, market_model):
    """The Overview's H100 numbers, computed in plain SQL without analytics.queries."""
    return store.query_rows(
        """
        WITH latest AS (
            SELECT * FROM gpu_offer_observations
            QUALIFY row_number() OVER (PARTITION BY offer_id ORDER BY observed_at DESC) = 1
        )
        SELECT count(*), min(price_per_gpu_hour_usd), median(price_per_gpu_hour_usd)
        FROM latest
        WHERE gpu_family = 'H100' AND market_model = ? AND pricing_kind <> 'spot'
        """,
        [market_model],
    )[0]


def test_overview_matches_an_independent_query(snapshot_store):
    kpis = overview_kpis(snapshot_store, now=datetime(2026, 11, 25))
    for model in ("centralized", "decentralized"):
        n, cheapest, median = independent_h100(snapshot_store, model)
        stats = kpis.prices[model]
        assert stats.offers == n
        assert stats.cheapest_usd == pytest.approx(cheapest)
        assert stats.median_usd == pytest.approx(median)
    c, d = kpis.prices["centralized"].median_usd, kpis.prices["decentralized"].median_usd
    assert kpis.decentralized_discount_pct == pytest.approx((c - d) / c * 100)
    n_offers = snapshot_store.query_rows("SELECT count(DISTINCT offer_id) FROM gpu_offer_observations")[0][0]
    assert kpis.offers == n_offers


def test_token_kpis_come_from_the_longest_current_series(snapshot_store):
    kpis = overview_kpis(snapshot_store, now=datetime(2026, 11, 25))
    by_token = {t.token: t for t in kpis.tokens}
    assert set(by_token) == {"RENDER", "AKT", "IO"}
    render = by_token["RENDER"]
    assert (render.exchange, render.as_of, render.instrument) == ("bybit_usdt_perpetual", "2025-11-12", "perpetual")
    closes = dict(
        snapshot_store.query_rows(
            "SELECT ts::DATE::VARCHAR, close FROM ohlcv_candles WHERE symbol = 'RENDERUSDT' "
            "AND exchange = 'bybit_usdt_perpetual' AND ts IN ('2025-11-12', '2025-10-13')"
        )
    )
    assert render.close == closes["2025-11-12"]
    assert render.change_30d_pct == pytest.approx((closes["2025-11-12"] / closes["2025-10-13"] - 1) * 100)


def test_freshness_says_it_is_the_bundled_snapshot(snapshot_store):
    fresh = overview_kpis(snapshot_store, now=datetime(2026, 11, 25)).freshness
    assert fresh.bundled_only
    assert "bundled offline snapshot" in fresh.message
    assert fresh.candles_last == "2025-11-12"
    assert fresh.candles_age_days == pytest.approx(378.0)


def test_token_kpi_by_hand():
    ts = pd.date_range("2025-01-01", periods=31, freq="D")
    frame = pd.DataFrame(
        {
            "ts": ts,
            "close": [10.0] + [11.0] * 29 + [12.0],
            "token": "X",
            "exchange": "e",
            "symbol": "XUSDT",
            "instrument": "spot",
        }
    )
    kpi = token_kpi(frame)
    assert kpi.close == 12.0
    assert kpi.change_30d_pct == pytest.approx(20.0)  # 12 vs the close 30 days earlier (10)
    assert token_kpi(frame.tail(5)).change_30d_pct is None  # less than 30 days of history: no change shown


def test_discount_formula():
    assert decentralized_discount_pct(4.0, 1.0) == pytest.approx(75.0)
    assert decentralized_discount_pct(None, 1.0) is None
    assert decentralized_discount_pct(2.0, 3.0) == pytest.approx(-50.0)
