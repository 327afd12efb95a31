"""Candles for a chart: at most a few thousand per series, aggregated in DuckDB when the stored series is longer.

A year of one-minute candles is half a million rows; a browser chart cannot show more points than it has
pixels, and shipping them all costs about 100 MB per chart. Longer series are therefore merged into wider
candles (first open, highest high, lowest low, last close, summed volume) before they leave the database.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.markets.candle_view import MOVING_AVERAGES, RANGES
from analytics.store import Store

MAX_CHART_CANDLES = 2_000
# Candle widths a chart may fall back to, narrowest first: (label, seconds).
_WIDTHS: tuple[tuple[str, int], ...] = (
    ("1m", 60), ("5m", 300), ("15m", 900), ("30m", 1800), ("1h", 3600), ("2h", 7200), ("4h", 14400),
    ("6h", 21600), ("12h", 43200), ("1d", 86400), ("2d", 172800), ("1w", 604800), ("2w", 1209600),
    ("4w", 2419200),
)  # fmt: skip
_TIMEFRAME_SECONDS = dict(_WIDTHS)
# How a width reads in a sentence ("one candle per 6 hours").
WIDTH_WORDS = {
    "1m": "minute", "5m": "5 minutes", "15m": "15 minutes", "30m": "30 minutes", "1h": "hour", "2h": "2 hours",
    "4h": "4 hours", "6h": "6 hours", "12h": "12 hours", "1d": "day", "2d": "2 days", "1w": "week",
    "2w": "2 weeks", "4w": "4 weeks",
}  # fmt: skip
_COLUMNS = ("ts", "open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class ChartCandles:
    candles: pd.DataFrame  # ts, open, high, low, close, volume: the window plus a warm-up for moving averages
    stored: int  # candles stored for the series
    in_window: int  # stored candles inside the window
    width: str  # the width of each row in `candles`: the series' own timeframe unless merged

    @property
    def aggregated(self) -> bool:
        return self.in_window > 0 and len(self.candles) < self.in_window


def candle_width(timeframe: str, first, last, max_candles: int = MAX_CHART_CANDLES) -> tuple[str, int]:
    """The narrowest width from the list, at least the series' own, that keeps the span within max_candles."""
    own = _TIMEFRAME_SECONDS.get(timeframe, 60)
    span = max((pd.Timestamp(last) - pd.Timestamp(first)).total_seconds(), 0) + own
    for label, seconds in _WIDTHS:
        if seconds >= own and span / seconds <= max_candles:
            return label, seconds
    return _WIDTHS[-1]


def chart_candles(
    store: Store,
    exchange: str,
    symbol: str,
    timeframe: str,
    window: str = "All",
    max_candles: int = MAX_CHART_CANDLES,
    warmup: int = max(MOVING_AVERAGES),
) -> ChartCandles:
    """The series' candles in `window` (a RANGES label, counted back from the latest candle), merged into wider
    ones in DuckDB when the window holds more than `max_candles`, plus `warmup` candles of the same width
    before it so moving averages start at the window's first candle."""
    where = "WHERE exchange = ? AND symbol = ? AND timeframe = ?"
    params = [exchange, symbol, timeframe]
    with store.reader() as conn:
        stored, first, last = conn.execute(
            f"SELECT count(*), min(ts), max(ts) FROM ohlcv_candles {where}",  # noqa: S608 constant text
            params,
        ).fetchall()[0]
        if not stored:
            return ChartCandles(pd.DataFrame(columns=_COLUMNS), 0, 0, timeframe)
        offset = RANGES[window]
        start = pd.Timestamp(first) if offset is None else max(pd.Timestamp(first), pd.Timestamp(last) - offset)
        in_window = conn.execute(
            f"SELECT count(*) FROM ohlcv_candles {where} AND ts >= ?",  # noqa: S608 constant text
            [*params, start.to_pydatetime()],
        ).fetchall()[0][0]
        if in_window <= max_candles:
            since = start - pd.Timedelta(seconds=warmup * _TIMEFRAME_SECONDS.get(timeframe, 60))
            frame = conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM ohlcv_candles {where} AND ts >= ? ORDER BY ts",  # noqa: S608
                [*params, since.to_pydatetime()],
            ).df()
            return ChartCandles(frame, int(stored), int(in_window), timeframe)
        label, seconds = candle_width(timeframe, start, last, max_candles)
        since = start - pd.Timedelta(seconds=warmup * seconds)
        frame = conn.execute(
            f"""
            SELECT time_bucket(to_seconds(?), ts) AS ts,
                   arg_min(open, ts) AS open, max(high) AS high, min(low) AS low,
                   arg_max(close, ts) AS close, sum(volume) AS volume
            FROM ohlcv_candles {where} AND ts >= ?
            GROUP BY 1 ORDER BY 1
            """,  # noqa: S608 constant text
            [seconds, *params, since.to_pydatetime()],
        ).df()
    return ChartCandles(frame, int(stored), int(in_window), label)
