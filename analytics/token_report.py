"""Everything `depin tokens`, the Token markets page and notebooks/02_token_risk show, in one place."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics import queries
from analytics.markets.tokenomics import network_for_token, schedule_dilution
from analytics.markets.tokens import token_list
from analytics.metrics.overview import primary_series
from analytics.metrics.tokens import BENCHMARKS, closes_by_day, risk_row
from analytics.store import Store


def token_closes(store: Store, timeframe: str = "1d") -> tuple[dict[str, pd.Series], dict[str, dict]]:
    """Daily closes of each token's primary series, and which series that was."""
    series = queries.candle_series(store)
    closes, chosen = {}, {}
    for token in sorted(series["token"].unique()):
        row = primary_series(series, token, timeframe)
        if row is None:
            continue
        candles = queries.candles(store, row["exchange"], row["symbol"], timeframe)
        closes[token] = closes_by_day(candles)
        chosen[token] = _series_info(row)
    return closes, chosen


def token_close_series(store: Store, token: str, timeframe: str = "1d") -> tuple[pd.Series, dict] | None:
    """Daily closes of one token's primary series and which series that was (None: no candles)."""
    row = primary_series(queries.candle_series(store), token, timeframe)
    if row is None:
        return None
    candles = queries.candles(store, row["exchange"], row["symbol"], timeframe)
    return closes_by_day(candles), _series_info(row)


def _series_info(row: pd.Series) -> dict:
    return {
        "exchange": row["exchange"],
        "symbol": row["symbol"],
        "instrument": row["instrument"],
        "dataset_id": row["dataset_id"],
        "first": row["first_ts"].strftime("%Y-%m-%d"),
        "last": row["last_ts"].strftime("%Y-%m-%d"),
    }


def latest_market_snapshots(store: Store) -> pd.DataFrame:
    return store.query_df(
        "SELECT * FROM token_market_snapshots QUALIFY row_number() OVER (PARTITION BY token "
        "ORDER BY snapshot_date DESC) = 1 ORDER BY token"
    )


def supply_history_dilution(store: Store, token: str) -> float | None:
    """Annualised growth of circulating supply between the first and last snapshot (>= 30 days apart)."""
    history = store.query_df(
        "SELECT snapshot_date, circulating_supply FROM token_market_snapshots WHERE token = ? "
        "AND circulating_supply > 0 ORDER BY snapshot_date",
        [token],
    )
    if len(history) < 2:
        return None
    days = (pd.Timestamp(history["snapshot_date"].iloc[-1]) - pd.Timestamp(history["snapshot_date"].iloc[0])).days
    if days < 30:
        return None
    growth = history["circulating_supply"].iloc[-1] / history["circulating_supply"].iloc[0]
    return float(growth ** (365 / days) - 1)


def token_report(store: Store, today: date | None = None) -> list[dict]:
    """Per token: close, returns, volatility, drawdowns, beta to BTC/ETH, supply figures and their sources."""
    today = today or date.today()
    closes, chosen = token_closes(store)
    benchmarks = {b: closes[b] for b in BENCHMARKS if b in closes}
    snapshots = latest_market_snapshots(store).set_index("token") if store.exists() else pd.DataFrame()
    configured = token_list().tokens
    report = []
    for token, series in closes.items():
        row = risk_row(token, series, {k: v for k, v in benchmarks.items() if k != token})
        row["series"] = chosen[token]
        row["benchmark"] = bool(configured.get(token) and configured[token].benchmark)
        supply: dict = {"source": None}
        if token in snapshots.index:
            snap = snapshots.loc[token]
            supply = {
                "price_usd": _num(snap["price_usd"]),
                "market_cap_usd": _num(snap["market_cap_usd"]),
                "fdv_usd": _num(snap["fdv_usd"]),
                "fdv_to_market_cap": _ratio(snap["fdv_usd"], snap["market_cap_usd"]),
                "circulating_supply": _num(snap["circulating_supply"]),
                "total_supply": _num(snap["total_supply"]),
                "max_supply": _num(snap["max_supply"]),
                "source": f"CoinGecko snapshot {snap['snapshot_date']}",
            }
        network = network_for_token(token)
        if network is not None:
            max_fact = network.fact("max_supply")
            if supply.get("max_supply") is None and max_fact is not None:
                supply["max_supply"] = float(max_fact.value)
                supply["max_supply_source"] = f"{max_fact.source_url} ({max_fact.as_of}, {max_fact.confidence})"
            dilution_history = supply_history_dilution(store, token)
            base = supply.get("circulating_supply")
            if dilution_history is not None:
                supply["annual_dilution"] = dilution_history
                supply["annual_dilution_source"] = "circulating supply history (CoinGecko snapshots)"
            elif base:
                estimate = schedule_dilution(network, base, today)
                supply["annual_dilution_low"], supply["annual_dilution_high"] = estimate.low, estimate.high
                supply["annual_dilution_source"] = f"emission schedule: {estimate.basis}"
        row["supply"] = supply
        report.append(row)
    return report


def _num(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _ratio(a, b) -> float | None:
    a, b = _num(a), _num(b)
    return a / b if a is not None and b else None
