"""Candles for a chart: at most a few thousand per series, aggregated in DuckDB when the stored series is longer.

A year of one-minute candles is half a million rows; a browser chart cannot show more points than it has
pixels, and shipping them all costs about 100 MB per chart. Longer series are therefore merged into wider
candles (first open, highest high, lowest low, last close, summed volume) before they leave the database.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.store import Store

MAX_CHART_CANDLES = 2_000
# Candle widths a chart may fall back to, narrowest first: (label, seconds).
_WIDTHS: tuple[tuple[str, int], ...] = (
    ("1m", 60), ("5m", 300), ("15m", 900), ("30m", 1800), ("1h", 3600), ("2h", 7200), ("4h", 14400),
    ("6h", 21600), ("12h", 43200), ("1d", 86400), ("2d", 172800), ("1w", 604800), ("2w", 1209600),
    ("4w", 2419200),
)  # fmt: skip
_TIMEFRAME_SECONDS = dict(_WIDTHS)


@dataclass(frozen=True)
class ChartCandles:
    candles: pd.DataFrame  # ts, open, high, low, close, volume
    stored: int  # candles stored for the series
    width: str  # the width of each row in `candles`: the series' own timeframe unless aggregated

    @property
    def aggregated(self) -> bool:
        return len(self.candles) < self.stored


def candle_width(timeframe: str, first, last, max_candles: int = MAX_CHART_CANDLES) -> tuple[str, int]:
    """The narrowest width from the list, at least the series' own, that keeps the span within max_candles."""
    own = _TIMEFRAME_SECONDS.get(timeframe, 60)
    span = max((pd.Timestamp(last) - pd.Timestamp(first)).total_seconds(), 0) + own
    for label, seconds in _WIDTHS:
        if seconds >= own and span / seconds <= max_candles:
            return label, seconds
    return _WIDTHS[-1]


def chart_candles(
    store: Store, exchange: str, symbol: str, timeframe: str, max_candles: int = MAX_CHART_CANDLES
) -> ChartCandles:
    """The series' candles, merged into wider ones in DuckDB when there are more than `max_candles`."""
    where = "WHERE exchange = ? AND symbol = ? AND timeframe = ?"
    params = [exchange, symbol, timeframe]
    with store.reader() as conn:
        stored, first, last = conn.execute(
            f"SELECT count(*), min(ts), max(ts) FROM ohlcv_candles {where}",  # noqa: S608 constant text
            params,
        ).fetchall()[0]
        if stored <= max_candles:
            frame = conn.execute(
                f"SELECT ts, open, high, low, close, volume FROM ohlcv_candles {where} ORDER BY ts",  # noqa: S608
                params,
            ).df()
            return ChartCandles(frame, int(stored), timeframe)
        label, seconds = candle_width(timeframe, first, last, max_candles)
        frame = conn.execute(
            f"""
            SELECT time_bucket(to_seconds(?), ts) AS ts,
                   arg_min(open, ts) AS open, max(high) AS high, min(low) AS low,
                   arg_max(close, ts) AS close, sum(volume) AS volume
            FROM ohlcv_candles {where}
            GROUP BY 1 ORDER BY 1
            """,  # noqa: S608 constant text
            [seconds, *params],
        ).df()
    return ChartCandles(frame, int(stored), label)
