"""The Overview page's numbers: offer counts, the H100 centralized-vs-decentralized spread, token closes,
and how fresh all of it is. Shared by the dashboard, `depin status` and notebooks/00_getting_started."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import pandas as pd

from analytics import queries
from analytics.bundled.registry import DATASETS as _BUNDLED
from analytics.snapshot import PUBLISHED_SOURCE, SNAPSHOT_SOURCE
from analytics.store import Store

# Sources read from files shipped with DePIN Lens: reloading them is not news from the network.
LOCAL_SOURCES = (SNAPSHOT_SOURCE, PUBLISHED_SOURCE, *(d.source for d in _BUNDLED))
BUNDLED_SOURCES = LOCAL_SOURCES
OVERVIEW_TOKENS = ("RENDER", "AKT", "IO")


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
    bundled_only: bool  # no live network source has delivered prices
    newest_price_date: str | None  # the newest day any price was observed (never a copy or load date)
    offers_age_days: float | None  # days from that day to today
    undated_offers: int  # latest offers whose source gives no observation date
    last_network_refresh: str | None  # last successful refresh of a live network source (UTC)
    candles_last: str | None
    candles_age_days: float | None
    message: str


HEADLINE_GPU = "H100-SXM-80GB"


@dataclass(frozen=True)
class Headline:
    """The answer to "is decentralized GPU compute cheaper?" for one canonical GPU, from `depin compare`."""

    gpu: str
    definition: str
    lens: str
    segments: list[dict]  # per segment: two-stage median, cheapest, providers, offers, newest price date
    centralized_median_usd: float | None
    decentralized_median_usd: float | None
    centralized_providers: int
    decentralized_providers: int
    centralized_offers: int
    decentralized_offers: int
    discount_pct: float | None
    discount_reason: str | None
    robustness_min_pct: float | None  # the range the discount spans under the robustness table's definitions
    robustness_max_pct: float | None
    sentence: str


@dataclass(frozen=True)
class OverviewKpis:
    offers: int
    providers: int
    sources: int
    headline: Headline
    tokens: list[TokenKpi]
    freshness: Freshness

    def as_dict(self) -> dict:
        return asdict(self)


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


def freshness(
    offer_sources: pd.DataFrame, series: pd.DataFrame, now: datetime, datasets: pd.DataFrame, undated_offers: int = 0
) -> Freshness:
    """How old the data is, from the dates prices were observed. A local file reloaded by a refresh (published
    list prices, the bundled datasets) never makes network data look new, and a failed refresh adds no rows."""
    live = offer_sources[~offer_sources["source"].isin(LOCAL_SOURCES)] if not offer_sources.empty else offer_sources
    bundled_only = live.empty
    newest = offer_sources["newest_price_date"].max() if not offer_sources.empty else None
    last_live = live["last_observed_at"].max() if not live.empty else None
    candles_last = series["last_ts"].max() if not series.empty else None
    age = _age_days(newest, now)
    candles_age = _age_days(candles_last, now)
    undated = (
        f" {undated_offers:,} offers (the 2025 SkyPilot catalog) have no known observation date and count as undated."
        if undated_offers
        else ""
    )
    if bundled_only:
        message = (
            "You are looking at the bundled data, not live prices: the newest observed price is from "
            f"{_date(newest) or 'an unknown date'} ({_ago(age)}).{undated} Token candles up to "
            f"{_date(candles_last)} ({_ago(candles_age)}). Run `depin refresh` to fetch live prices."
        )
    else:
        message = (
            f"Newest observed price {_date(newest)} ({_ago(age)}); last successful live refresh "
            f"{_date(last_live, time=True)} UTC.{undated} Token candles up to {_date(candles_last)} "
            f"({_ago(candles_age)})."
        )
    return Freshness(
        bundled_only,
        _date(newest),
        age,
        undated_offers,
        _date(last_live, time=True),
        _date(candles_last),
        candles_age,
        message,
    )


def _ago(days: float | None) -> str:
    if days is None:
        return "age unknown"
    if days == 0:  # a day's price observed today (whole days count from midnight)
        return "today"
    if days < 1:
        return f"{days * 24:.0f} h ago"
    return f"{days:.0f} day{'s' if round(days) != 1 else ''} ago"


def _age_days(value, now: datetime) -> float | None:
    """Days since `value`; a day (no time of day) counts whole days from today, as every other page does."""
    if value is None or pd.isna(value):
        return None
    moment, today = pd.Timestamp(value), pd.Timestamp(now).tz_localize(None)
    if moment == moment.normalize():
        today = today.normalize()
    return (today - moment).total_seconds() / 86400.0


def _date(value, *, time: bool = False) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M" if time else "%Y-%m-%d")


def headline(store: Store, gpu: str = HEADLINE_GPU, *, offers: pd.DataFrame | None = None) -> Headline:
    from analytics.comparison.report import compare, definition_for

    report = compare(store, definition_for(gpu), offers=offers)
    d = report.discount
    sides = report.robustness[report.robustness["comparison"] == "centralized vs decentralized"]
    robust = sides["discount_pct"].dropna()
    segments = report.segments

    def plural(n: int) -> str:
        return f"{n} provider{'s' if n != 1 else ''}"

    parts = [
        f"{_lower_first(r.segment_label)} {_usd(r.median_usd)} ({plural(r.providers)})"
        if pd.notna(r.median_usd)
        else f"{_lower_first(r.segment_label)} median withheld ({plural(r.providers)}"
        + (f", cheapest {_usd(r.cheapest_usd)}" if pd.notna(r.cheapest_usd) else "")
        + ")"
        for r in segments.itertuples()
    ]
    newest = segments["newest_price_date"].dropna().max() if segments["newest_price_date"].notna().any() else None
    if d.discount_pct is not None:
        verdict = (
            f"Decentralized capacity is {abs(d.discount_pct):.0f} % {'cheaper' if d.discount_pct > 0 else 'dearer'} "
            f"at the median ({_usd(d.decentralized.median_usd)} from {d.decentralized.providers} providers vs "
            f"{_usd(d.centralized.median_usd)} from {d.centralized.providers})"
        )
        if len(robust):
            verdict += (
                f"; under other reasonable definitions the gap ranges from {robust.min():.0f} % to {robust.max():.0f} %"
            )
    else:
        verdict = f"The centralized/decentralized discount is withheld: {d.reason}"
    sentence = f"One {gpu} hour, in prices observed up to {newest}: " + "; ".join(parts) + ". " + verdict + "."
    return Headline(
        gpu=gpu,
        definition=report.definition.describe(),
        lens=report.definition.lens.describe(),
        segments=segments.astype(object).where(segments.notna(), None).to_dict("records"),
        centralized_median_usd=d.centralized.median_usd,
        decentralized_median_usd=d.decentralized.median_usd,
        centralized_providers=d.centralized.providers,
        decentralized_providers=d.decentralized.providers,
        centralized_offers=d.centralized.offers,
        decentralized_offers=d.decentralized.offers,
        discount_pct=d.discount_pct,
        discount_reason=d.reason,
        robustness_min_pct=float(robust.min()) if len(robust) else None,
        robustness_max_pct=float(robust.max()) if len(robust) else None,
        sentence=sentence,
    )


def _lower_first(label: str) -> str:
    """'Neocloud' -> 'neocloud' inside a sentence, but 'DePIN network' stays as written."""
    first = label.split(" ", 1)[0]
    return label if sum(ch.isupper() for ch in first) > 1 else label[:1].lower() + label[1:]


def _usd(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.2f}"


def overview_kpis(store: Store, *, gpu: str = HEADLINE_GPU, now: datetime | None = None) -> OverviewKpis:
    now = now or datetime.now(UTC).replace(tzinfo=None)
    offers = queries.latest_offers(store)
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
        headline=headline(store, gpu, offers=offers),
        tokens=tokens,
        freshness=freshness(
            queries.offer_sources(store), series, now, queries.datasets(store), int(offers["price_date"].isna().sum())
        ),
    )
