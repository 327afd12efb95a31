"""The ccxt candle collector, offline: a real ccxt Bybit object whose markets are pre-loaded and whose HTTP
entry point (`exchange.fetch`) answers with Bybit-shaped kline pages built from a synthetic series. This
exercises ccxt's own URL building and parsing; the candle values are made up for the test."""

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

import ccxt
import pytest

from analytics.markets.candles import CandleCollector, clean_page, find_gaps
from analytics.markets.tokens import Token, TokenList

DAY_MS = 86_400_000
START = datetime(2026, 1, 1)
NOW = datetime(2026, 4, 10, 12, 0)  # the 2026-04-10 candle is still forming


def market(symbol):
    base, quote = symbol.split("/")
    return {
        "id": f"{base}{quote}",
        "symbol": symbol,
        "base": base,
        "quote": quote,
        "baseId": base,
        "quoteId": quote,
        "type": "spot",
        "spot": True,
        "margin": False,
        "swap": False,
        "future": False,
        "option": False,
        "contract": False,
        "linear": None,
        "inverse": None,
        "active": True,
        "precision": {"amount": 0.01, "price": 0.001},
        "limits": {},
        "info": {},
    }


class FakeBybit:
    """Builds a real ccxt.bybit whose network calls are answered from `series` (ts_ms -> close)."""

    def __init__(self, series, *, script=()):
        self.series = series
        self.script = list(script)  # per call: None (answer), an exception to raise, or "duplicate"
        self.calls = []
        self.exchange = ccxt.bybit({"enableRateLimit": False})
        self.exchange.set_markets([market("RENDER/USDT")])
        self.exchange.fetch = self.fetch
        self.last_page = None

    def fetch(self, url, method="GET", headers=None, body=None):
        query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
        self.calls.append(query)
        action = self.script.pop(0) if self.script else None
        if isinstance(action, Exception):
            raise action
        if action == "duplicate" and self.last_page is not None:
            page = self.last_page
        else:
            start, limit = int(query["start"]), int(query["limit"])
            keys = sorted(ts for ts in self.series if ts >= start)[:limit]
            page = [self.kline(ts, self.series[ts]) for ts in keys]
            page.reverse()  # Bybit answers newest first
        self.last_page = page
        return {
            "retCode": 0,
            "retMsg": "OK",
            "result": {"category": "spot", "symbol": "RENDERUSDT", "list": page},
            "retExtInfo": {},
            "time": 0,
        }


def _kline(ts, close):
    """A consistent Bybit kline row: open 1.0, close from the series, high/low around both."""
    return [str(ts), "1.0", str(max(1.2, close * 1.1)), str(min(0.9, close * 0.9)), str(close), "1000", "1000"]


FakeBybit.kline = staticmethod(_kline)


def daily_series(days, missing=()):
    start_ms = int((START - datetime(1970, 1, 1)).total_seconds() * 1000)
    return {start_ms + i * DAY_MS: 1.0 + i / 100 for i in range(days) if i not in missing}


def tokens(venues=(("bybit", "RENDER/USDT"),)):
    token = Token("RENDER", "Render", "render-token", tuple(venues))
    return TokenList({"RENDER": token}, ("1d",), {"1d": 120})


@pytest.fixture
def store(empty_store):
    empty_store.migrate()
    return empty_store


def collector(store, fakes, token_list=None):
    return CandleCollector(
        store,
        token_list or tokens(),
        exchange_factory=lambda ex_id: fakes[ex_id].exchange,
        now=lambda: NOW,
        sleep=lambda s: None,
    )


def stored(store):
    return store.query_rows("SELECT ts::DATE::VARCHAR, close FROM ohlcv_candles ORDER BY ts")


def test_backfill_paginates_drops_the_forming_candle_and_records_gaps(store, monkeypatch):
    monkeypatch.setattr("analytics.markets.candles.MAX_CANDLES_PER_CALL", {"bybit": 30})
    fake = FakeBybit(daily_series(101, missing={50, 51}))  # 2026-01-01 .. 2026-04-11, two days missing
    results = collector(store, {"bybit": fake}).collect()
    rows = stored(store)
    assert rows[0][0] == "2026-01-01"
    assert rows[-1][0] == "2026-04-09"  # 04-10 is still forming at NOW; 04-11 lies in the future
    assert len(rows) == 99 - 2
    assert len(fake.calls) >= 4 and all(int(c["limit"]) == 30 for c in fake.calls)
    assert results[0].candles_added == 97 and results[0].exchange == "bybit"
    gaps = store.query_rows("SELECT gap_start::DATE::VARCHAR, gap_end::DATE::VARCHAR, missing FROM candle_gaps")
    assert gaps == [("2026-02-20", "2026-02-21", 2)]


def test_rate_limit_is_retried_and_a_duplicate_page_adds_nothing(store, monkeypatch):
    monkeypatch.setattr("analytics.markets.candles.MAX_CANDLES_PER_CALL", {"bybit": 50})
    fake = FakeBybit(daily_series(99), script=[ccxt.RateLimitExceeded("429"), None, "duplicate", None])
    result = collector(store, {"bybit": fake}).collect()[0]
    assert result.error is None
    rows = stored(store)
    assert len(rows) == len({r[0] for r in rows}) == 99
    assert result.candles_added == 99


def test_interrupted_backfill_resumes_after_the_last_stored_candle(store, monkeypatch):
    monkeypatch.setattr("analytics.markets.candles.MAX_CANDLES_PER_CALL", {"bybit": 20})
    outage = [None, None] + [ccxt.NetworkError("connection reset")] * 10
    broken = FakeBybit(daily_series(99), script=outage)
    first = collector(store, {"bybit": broken}).collect()[0]
    assert first.candles_added == 40 and "network error after retries" in first.tried[0]
    healthy = FakeBybit(daily_series(99))
    second = collector(store, {"bybit": healthy}).collect()[0]
    assert second.candles_added == 59
    first_start = datetime(1970, 1, 1) + timedelta(milliseconds=int(healthy.calls[0]["start"]))
    assert first_start.date().isoformat() == "2026-02-10"  # the day after the last stored candle
    assert len(stored(store)) == 99


def test_a_venue_without_the_market_falls_through_to_the_next(store):
    class NoMarket(FakeBybit):
        def __init__(self):
            super().__init__({})
            self.exchange.set_markets([market("BTC/USDT")])

    fakes = {"binance": NoMarket(), "bybit": FakeBybit(daily_series(99))}
    result = collector(store, fakes, tokens((("binance", "RENDER/USDT"), ("bybit", "RENDER/USDT")))).collect()[0]
    assert result.exchange == "bybit"
    assert result.tried == ["binance RENDER/USDT: market not listed"]


def test_bad_symbol_is_recorded_not_retried(store):
    fake = FakeBybit(daily_series(10), script=[ccxt.BadSymbol("bybit does not have market symbol RENDER/USDT")])
    result = collector(store, {"bybit": fake}).collect()[0]
    assert len(fake.calls) == 1
    assert result.error.startswith("no venue served candles: bybit RENDER/USDT: BadSymbol")


def test_clean_page_and_find_gaps_by_hand():
    page = [
        [3 * DAY_MS, 1, 1, 1, 1, 1],
        [DAY_MS, 1, 1, 1, 1, 1],
        [DAY_MS, 1, 2, 1, 2, 1],
        [0, 1, 1, 1, 1, 1],
        [2 * DAY_MS, None, 1, 1, 1, 1],
    ]
    cleaned = clean_page(page, since_ms=DAY_MS, tf_ms=DAY_MS, now_ms=4 * DAY_MS - 1)
    assert cleaned == [[DAY_MS, 1, 2, 1, 2, 1]]  # before since, malformed, duplicate and forming all dropped
    import pandas as pd

    ts = pd.Series(pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-05"]))
    gaps = find_gaps(ts, pd.Timedelta(days=1))
    assert gaps.to_dict("records") == [
        {"gap_start": pd.Timestamp("2026-01-03"), "gap_end": pd.Timestamp("2026-01-04"), "missing": 2}
    ]
