"""Token risk metrics from daily closes: returns, realised volatility, drawdowns, beta and correlation.

Crypto trades every day, so daily volatility is annualised with sqrt(365). Returns are simple returns over
calendar windows; volatility, beta and correlation use daily log returns on the days both series have.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

RETURN_WINDOWS_DAYS = (7, 30, 90, 365)
VOL_WINDOWS_DAYS = (30, 90, 365)
BENCHMARKS = ("BTC", "ETH")


def closes_by_day(candles: pd.DataFrame) -> pd.Series:
    """Daily close indexed by day (one candle series)."""
    frame = candles.sort_values("ts")
    return pd.Series(frame["close"].to_numpy(), index=pd.DatetimeIndex(frame["ts"]).normalize(), name="close")


def window_return(closes: pd.Series, days: int) -> float | None:
    """close(last) / close(last - days) - 1, using the last close on or before that date."""
    if closes.empty:
        return None
    last_day = closes.index[-1]
    earlier = closes[closes.index <= last_day - pd.Timedelta(days=days)]
    if earlier.empty:
        return None
    return float(closes.iloc[-1] / earlier.iloc[-1] - 1.0)


def log_returns(closes: pd.Series) -> pd.Series:
    return np.log(closes / closes.shift(1)).dropna()


def realised_volatility(closes: pd.Series, days: int) -> float | None:
    """Annualised standard deviation of daily log returns over the last `days` days (needs 80 % coverage)."""
    returns = log_returns(closes)
    recent = returns[returns.index > closes.index[-1] - pd.Timedelta(days=days)] if len(returns) else returns
    if len(recent) < max(2, int(days * 0.8)):
        return None
    return float(recent.std(ddof=1) * math.sqrt(365))


def drawdowns(closes: pd.Series) -> tuple[float | None, float | None]:
    """(maximum drawdown, current drawdown) as negative fractions of the running peak."""
    if closes.empty:
        return None, None
    peak = closes.cummax()
    dd = closes / peak - 1.0
    return float(dd.min()), float(dd.iloc[-1])


def beta_and_correlation(
    asset: pd.Series, benchmark: pd.Series, days: int = 365
) -> tuple[float | None, float | None, int]:
    """(beta, correlation, overlapping days) of daily log returns over the last `days` days of overlap."""
    joined = pd.concat([log_returns(asset), log_returns(benchmark)], axis=1, join="inner").dropna()
    if joined.empty:
        return None, None, 0
    joined = joined[joined.index > joined.index[-1] - pd.Timedelta(days=days)]
    if len(joined) < 30:
        return None, None, len(joined)
    a, b = joined.iloc[:, 0], joined.iloc[:, 1]
    variance = b.var(ddof=1)
    beta = float(a.cov(b) / variance) if variance > 0 else None
    return beta, float(a.corr(b)), len(joined)


def risk_row(token: str, closes: pd.Series, benchmarks: dict[str, pd.Series]) -> dict:
    max_dd, current_dd = drawdowns(closes)
    row: dict = {
        "token": token,
        "last_close": float(closes.iloc[-1]) if len(closes) else None,
        "as_of": closes.index[-1].strftime("%Y-%m-%d") if len(closes) else None,
        "days": len(closes),
        "max_drawdown": max_dd,
        "current_drawdown": current_dd,
    }
    for days in RETURN_WINDOWS_DAYS:
        row[f"return_{days}d"] = window_return(closes, days)
    for days in VOL_WINDOWS_DAYS:
        row[f"volatility_{days}d"] = realised_volatility(closes, days)
    for name, bench in benchmarks.items():
        beta, corr, overlap = beta_and_correlation(closes, bench)
        row[f"beta_{name.lower()}"] = beta
        row[f"corr_{name.lower()}"] = corr
        row[f"overlap_days_{name.lower()}"] = overlap
    return row


def correlation_matrix(series: dict[str, pd.Series], days: int = 365) -> pd.DataFrame:
    """Pairwise correlation of daily log returns over the last `days` days (pairwise overlap)."""
    returns = pd.DataFrame({name: log_returns(s) for name, s in series.items()})
    if returns.empty:
        return returns
    returns = returns[returns.index > returns.index.max() - pd.Timedelta(days=days)]
    return returns.corr(min_periods=30)


def normalised_performance(series: dict[str, pd.Series], start: pd.Timestamp | None = None) -> pd.DataFrame:
    """Each series divided by its close on the first common day (or `start`): 1.0 = unchanged."""
    frame = pd.DataFrame(series).dropna()
    if start is not None:
        frame = frame[frame.index >= start]
    if frame.empty:
        return frame
    return frame / frame.iloc[0]
