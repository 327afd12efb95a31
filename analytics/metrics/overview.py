"""The Overview page's numbers: offer counts, the H100 centralized-vs-decentralized spread, token closes,
and how fresh all of it is. Shared by the dashboard, `depin status` and notebooks/00_getting_started."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import pandas as pd

from analytics import queries
from analytics.snapshot import PUBLISHED_SOURCE, SNAPSHOT_SOURCE
from analytics.store import Store

BUNDLED_SOURCES = (SNAPSHOT_SOURCE, PUBLISHED_SOURCE)
OVERVIEW_TOKENS = ("RENDER", "AKT", "IO")


@dataclass(frozen=True)
class PriceStats:
    market_model: str
    offers: int
    cheapest_usd: float | None
    cheapest_provider: str | None
    median_usd: float | None


@dataclass(frozen=True)
class TokenKpi:
    token: str
    close: float
    change_30d_pct: float | None
    as_of: str
    exchange: str
    symbol: str
    instrument: str


@dataclass(frozen=True)
class Freshness:
    bundled_only: bool
    offers_last_observed: str | None
    offers_age_days: float | None
    candles_last: str | None
    candles_age_days: float | None
    message: str


@dataclass(frozen=True)
class OverviewKpis:
    offers: int
    providers: int
    sources: int
    family: str
    pricing_kinds: tuple[str, ...]
    prices: dict[str, PriceStats]
    decentralized_discount_pct: float | None
    tokens: list[TokenKpi]
    freshness: Freshness

    def as_dict(self) -> dict:
        return asdict(self)


def price_stats(offers: pd.DataFrame, market_model: str) -> PriceStats:
    subset = offers[offers["market_model"] == market_model]
    if subset.empty:
        return PriceStats(market_model, 0, None, None, None)
    cheapest = subset.loc[subset["price_per_gpu_hour_usd"].idxmin()]
    return PriceStats(
        market_model,
        len(subset),
        float(cheapest["price_per_gpu_hour_usd"]),
        str(cheapest["provider"]),
        float(subset["price_per_gpu_hour_usd"].median()),
    )


def decentralized_discount_pct(centralized_median: float | None, decentralized_median: float | None) -> float | None:
    """How much cheaper the decentralized median is than the centralized one, in % of the centralized."""
    if not centralized_median or decentralized_median is None:
        return None
    return (centralized_median - decentralized_median) / centralized_median * 100.0


def token_kpi(candles: pd.DataFrame) -> TokenKpi | None:
    """Latest close and 30-day change of one candle series (sorted or not)."""
    if candles.empty:
        return None
    frame = candles.sort_values("ts")
    last = frame.iloc[-1]
    month_ago = frame[frame["ts"] <= last["ts"] - pd.Timedelta(days=30)]
    change = None
    if not month_ago.empty:
        change = (float(last["close"]) / float(month_ago.iloc[-1]["close"]) - 1.0) * 100.0
    return TokenKpi(
        token=str(last["token"]),
        close=float(last["close"]),
        change_30d_pct=change,
        as_of=pd.Timestamp(last["ts"]).strftime("%Y-%m-%d"),
        exchange=str(last["exchange"]),
        symbol=str(last["symbol"]),
        instrument=str(last["instrument"]),
    )


def primary_series(series: pd.DataFrame, token: str, timeframe: str = "1d") -> pd.Series | None:
    """The series shown for a token: the one reaching furthest, then the longest."""
    subset = series[(series["token"] == token) & (series["timeframe"] == timeframe)]
    if subset.empty:
        return None
    return subset.sort_values(["last_ts", "rows"], ascending=False).iloc[0]


def freshness(offer_sources: pd.DataFrame, series: pd.DataFrame, now: datetime, datasets: pd.DataFrame) -> Freshness:
    live = offer_sources[~offer_sources["source"].isin(BUNDLED_SOURCES)]
    bundled_only = live.empty
    relevant = offer_sources if bundled_only else live
    offers_last = relevant["last_observed_at"].max() if not relevant.empty else None
    candles_last = series["last_ts"].max() if not series.empty else None
    offers_age = _age_days(offers_last, now)
    candles_age = _age_days(candles_last, now)
    if bundled_only:
        as_of = datasets.loc[datasets["kind"] == "published_prices", "as_of"]
        published = f"; published list prices as of {as_of.iloc[0]}" if not as_of.empty else ""
        message = (
            "You are looking at the bundled offline snapshot, not live data: GPU offers from the SkyPilot "
            f"catalog (the catalog's own date is unknown; copied into DePIN Lens on {_date(offers_last)}, "
            f"{_ago(offers_age)}){published}; token candles up to {_date(candles_last)} "
            f"({_ago(candles_age)}). Run `depin refresh` to fetch live prices."
        )
    else:
        message = (
            f"Live GPU offers last refreshed {_date(offers_last, time=True)} UTC ({_ago(offers_age)}); "
            f"token candles up to {_date(candles_last)} ({_ago(candles_age)})."
        )
    return Freshness(bundled_only, _date(offers_last, time=True), offers_age, _date(candles_last), candles_age, message)


def _ago(days: float | None) -> str:
    if days is None:
        return "age unknown"
    if days < 1:
        return f"{days * 24:.0f} h ago"
    return f"{days:.0f} day{'s' if round(days) != 1 else ''} ago"


def _age_days(value, now: datetime) -> float | None:
    if value is None or pd.isna(value):
        return None
    return (pd.Timestamp(now).tz_localize(None) - pd.Timestamp(value)).total_seconds() / 86400.0


def _date(value, *, time: bool = False) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M" if time else "%Y-%m-%d")


def overview_kpis(store: Store, *, family: str = "H100", now: datetime | None = None) -> OverviewKpis:
    now = now or datetime.now(UTC).replace(tzinfo=None)
    offers = queries.latest_offers(store)
    firm = offers[offers["pricing_kind"].isin(queries.FIRM_PRICING_KINDS) & (offers["gpu_family"] == family)]
    prices = {m: price_stats(firm, m) for m in ("centralized", "decentralized")}
    series = queries.candle_series(store)
    tokens = []
    for token in OVERVIEW_TOKENS:
        chosen = primary_series(series, token)
        if chosen is None:
            continue
        kpi = token_kpi(queries.candles(store, chosen["exchange"], chosen["symbol"], chosen["timeframe"]))
        if kpi is not None:
            tokens.append(kpi)
    return OverviewKpis(
        offers=len(offers),
        providers=int(offers["provider"].nunique()),
        sources=int(offers["source"].nunique()),
        family=family,
        pricing_kinds=queries.FIRM_PRICING_KINDS,
        prices=prices,
        decentralized_discount_pct=decentralized_discount_pct(
            prices["centralized"].median_usd, prices["decentralized"].median_usd
        ),
        tokens=tokens,
        freshness=freshness(queries.offer_sources(store), series, now, queries.datasets(store)),
    )
