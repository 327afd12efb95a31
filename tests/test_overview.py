from datetime import datetime

import pandas as pd
import pytest

from analytics.metrics.overview import decentralized_discount_pct, overview_kpis, token_kpi


def independent_headline(store, side_segments):
    """The Overview's H100 SXM headline recomputed in plain SQL, without analytics: latest observation per
    offer, dated, firm prices, within 180 days of the newest, the AWS us-east-1 catalog row that AWS's own price
    list contradicts left out (with the same listing's other regions), median per provider, then the median
    across providers."""
    return store.query_rows(
        """
        WITH latest AS (
            SELECT * FROM gpu_offer_observations
            WHERE gpu_model = 'H100-SXM-80GB' AND price_date IS NOT NULL
              AND pricing_kind IN ('on_demand', 'bid_derived', 'published_list')
              AND NOT list_contains(flags, 'accelerator_only_price') AND NOT list_contains(flags, 'min_live_offer')
            QUALIFY row_number() OVER (PARTITION BY offer_id ORDER BY observed_at DESC) = 1
        ), windowed AS (
            SELECT * FROM latest WHERE price_date >= (SELECT max(price_date) FROM latest) - INTERVAL 180 DAY
              -- the catalogue's AWS p5 listing AWS's own list contradicts in us-east-1: that row and the
              -- listing's regions the price list does not cover (the same outdated copy)
              AND NOT (source = 'opencomputeprices' AND provider = 'aws' AND instance_type = 'p5.48xlarge'
                       AND pricing_kind = 'on_demand' AND price_date <= DATE '2026-03-21'
                       AND (region = 'us-east-1' OR region NOT IN (SELECT region FROM latest
                                                                   WHERE source = 'aws_price_list')))
        ), per_provider AS (
            SELECT provider, median(price_per_gpu_hour_usd) AS m, count(*) AS n FROM windowed
            WHERE list_contains(?, segment) GROUP BY provider
        )
        SELECT median(m), count(*), sum(n) FROM per_provider
        """,
        [side_segments],
    )[0]


def test_headline_matches_an_independent_two_stage_query(snapshot_store):
    kpis = overview_kpis(snapshot_store, now=datetime(2026, 11, 30))
    h = kpis.headline
    central = independent_headline(snapshot_store, ["hyperscaler", "neocloud", "datacenter_marketplace"])
    decentral = independent_headline(snapshot_store, ["community_marketplace", "depin_network"])
    assert h.centralized_median_usd == pytest.approx(central[0])
    assert (h.centralized_providers, h.centralized_offers) == (central[1], central[2])
    assert h.decentralized_median_usd == pytest.approx(decentral[0])
    assert (h.decentralized_providers, h.decentralized_offers) == (decentral[1], decentral[2])
    assert h.discount_pct == pytest.approx(decentralized_discount_pct(central[0], decentral[0]))
    assert h.robustness_min_pct <= h.discount_pct <= h.robustness_max_pct
    segments = {s["segment"]: s for s in h.segments}
    assert set(segments) == {
        "hyperscaler",
        "neocloud",
        "datacenter_marketplace",
        "community_marketplace",
        "depin_network",
    }
    assert all(s["offers"] > 0 for s in segments.values())
    assert f"{abs(h.discount_pct):.0f} %" in h.sentence
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


def test_freshness_comes_from_observation_dates_never_load_dates(snapshot_store):
    fresh = overview_kpis(snapshot_store, now=datetime(2026, 11, 25)).freshness
    assert fresh.bundled_only
    assert "bundled data, not live prices" in fresh.message
    assert fresh.newest_price_date == "2026-08-22"  # the newest price any bundled source observed
    assert fresh.offers_age_days == pytest.approx(95.0)
    assert fresh.undated_offers > 0  # the 2025 SkyPilot catalog: its copy date is not an observation date
    assert "h ago" not in fresh.message
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
