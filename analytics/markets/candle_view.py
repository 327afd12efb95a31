"""What the candlestick chart shows: moving averages over the whole history, then one time window, so the
price axis fits the candles in view (plotly's own range buttons keep the y-axis of the whole history)."""

from __future__ import annotations

import pandas as pd

RANGES: dict[str, pd.DateOffset | None] = {
    "1M": pd.DateOffset(months=1),
    "3M": pd.DateOffset(months=3),
    "6M": pd.DateOffset(months=6),
    "1Y": pd.DateOffset(years=1),
    "All": None,
}
MOVING_AVERAGES = (20, 50, 200)
TIMEFRAME_WORDS = {
    "1m": "minute",
    "5m": "5 minutes",
    "15m": "15 minutes",
    "1h": "hour",
    "4h": "4 hours",
    "1d": "day",
    "1w": "week",
}


def with_moving_averages(candles: pd.DataFrame, windows: tuple[int, ...] = MOVING_AVERAGES) -> pd.DataFrame:
    """Adds `ma_<n>` columns (simple moving average of the close); a window longer than the history is left out."""
    out = candles.sort_values("ts").reset_index(drop=True)
    for window in windows:
        if len(out) >= window:
            out[f"ma_{window}"] = out["close"].rolling(window).mean()
    return out


def in_range(candles: pd.DataFrame, label: str) -> pd.DataFrame:
    """The candles of the last `label` (1M, 3M, 6M, 1Y, All) counted back from the latest candle."""
    offset = RANGES[label]
    if offset is None or candles.empty:
        return candles
    start = candles["ts"].max() - offset
    return candles[candles["ts"] >= start]


def price_bounds(candles: pd.DataFrame, pad: float = 0.04) -> tuple[float, float] | None:
    """Low and high of the candles in view with a little padding (None when there are none)."""
    if candles.empty:
        return None
    low, high = float(candles["low"].min()), float(candles["high"].max())
    span = (high - low) or abs(high) or 1.0
    return low - pad * span, high + pad * span


def informative_correlations(corr: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Drops tokens that have no correlation with any other token in the window (no overlapping days):
    an all-empty row and column in a heatmap says nothing. Returns the matrix and the dropped tokens."""
    if corr.empty:
        return corr, []
    off_diagonal = corr.where(
        ~pd.DataFrame([[a == b for b in corr.columns] for a in corr.index], index=corr.index, columns=corr.columns)
    )
    empty = [t for t in corr.index if off_diagonal.loc[t].isna().all()]
    kept = [t for t in corr.index if t not in empty]
    return corr.loc[kept, kept], empty
