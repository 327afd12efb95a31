"""Price history: per day, the two-stage median per model and segment, and changes that are prices, not coverage.

A daily median moves for two reasons: providers changed their prices, or the set of providers changed (a
provider joined or left the data). Only the first is a price move. So 7- and 30-day changes are computed over
the providers present on BOTH dates, and every day on which a provider joined or left is marked as a coverage
change. A provider's own history is drawn per source, so that two datasets that disagree stay visible.

Input rows are observations; a row may stand for several identical ones (the offer_daily read model's
`observations` column), and every median and count weighs it so: the figures equal those of the raw rows.
"""

from __future__ import annotations

import pandas as pd

from analytics.comparison.compare import EXCLUDED_FLAGS, FIRM_KINDS

PRICE = "price_per_gpu_hour_usd"


def _clean(observations: pd.DataFrame, pricing_kinds) -> pd.DataFrame:
    frame = observations[observations["pricing_kind"].isin(pricing_kinds)]
    if len(frame):
        flagged = frame["flags"].map(lambda f: any(x in EXCLUDED_FLAGS for x in (f if f is not None else ())))
        frame = frame[~flagged]
    return frame.assign(date=pd.to_datetime(frame["price_date"]))


def daily_medians(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group of `keys`: the median price over observations and their count, each row weighted by its
    `observations` (1 where the column is absent). Exactly pandas' median of the repeated rows: the mean of
    the two middle values, (a + b) / 2, or the middle value itself."""
    weight = frame["observations"].astype("int64") if "observations" in frame else pd.Series(1, index=frame.index)
    frame = frame.assign(_weight=weight.to_numpy()).sort_values([*keys, PRICE], kind="stable")
    groups = frame.groupby(keys, sort=True)
    end = groups["_weight"].cumsum()  # one past the last 0-based position each row covers in its group
    start = end - frame["_weight"]
    total = groups["_weight"].transform("sum")
    low, high = (total - 1) // 2, total // 2
    a = frame[(start <= low) & (low < end)].groupby(keys, sort=True)[PRICE].first()
    b = frame[(start <= high) & (high < end)].groupby(keys, sort=True)[PRICE].first()
    out = ((a + b) / 2).rename("median_usd").to_frame()
    out["offers"] = groups["_weight"].sum()
    return out.reset_index()


def provider_daily(observations: pd.DataFrame, pricing_kinds=FIRM_KINDS) -> pd.DataFrame:
    """Per (segment, provider, day): the provider's median price that day."""
    frame = _clean(observations, pricing_kinds)
    if frame.empty:
        return pd.DataFrame(columns=["segment", "provider", "date", "median_usd", "offers"])
    return daily_medians(frame, ["segment", "provider", "date"])


def segment_daily(observations: pd.DataFrame, pricing_kinds=FIRM_KINDS) -> pd.DataFrame:
    """Per (segment, day): two-stage median, provider and offer counts, and who joined or left that day."""
    per_provider = provider_daily(observations, pricing_kinds)
    if per_provider.empty:
        return pd.DataFrame(columns=["segment", "date", "median_usd", "providers", "offers", "joined", "left"])
    days = per_provider.groupby(["segment", "date"], sort=True)
    table = days.agg(median_usd=("median_usd", "median"), providers=("provider", "size"), offers=("offers", "sum"))
    table = table.reset_index().astype({"median_usd": float, "providers": int, "offers": int})
    joined, left = [], []
    previous: frozenset[str] = frozenset()
    last_segment = None
    for segment, present in zip(table["segment"], days["provider"].agg(frozenset), strict=True):
        if segment != last_segment:  # a segment's first day: nobody joined, nobody left
            previous, last_segment = frozenset(), segment
        joined.append(", ".join(sorted(present - previous)) if previous else "")
        left.append(", ".join(sorted(previous - present)))
        previous = present
    table = table.assign(joined=joined, left=left)
    table["coverage_change"] = (table["joined"] != "") | (table["left"] != "")
    return table


def matched_change(per_provider: pd.DataFrame, segment: str, day: pd.Timestamp, days: int) -> dict:
    """The change of a segment's two-stage median over `days`, using only providers present on both dates."""
    group = per_provider[per_provider["segment"] == segment]
    now = group[group["date"] == day].set_index("provider")["median_usd"]
    before_day = day - pd.Timedelta(days=days)
    then = group[group["date"] == before_day].set_index("provider")["median_usd"]
    common = sorted(set(now.index) & set(then.index))
    if not common:
        return {
            "days": days,
            "change_pct": None,
            "providers": 0,
            "reason": f"no provider priced on {before_day:%Y-%m-%d}",
        }
    a, b = float(then[common].median()), float(now[common].median())
    return {
        "days": days,
        "from": f"{before_day:%Y-%m-%d}",
        "to": f"{day:%Y-%m-%d}",
        "change_pct": (b - a) / a * 100 if a else None,
        "providers": len(common),
        "reason": None,
    }


def provider_series(observations: pd.DataFrame, provider: str, pricing_kinds=FIRM_KINDS) -> pd.DataFrame:
    """One provider's daily median per source: sources that disagree are drawn side by side."""
    frame = _clean(observations[observations["provider"] == provider], pricing_kinds)
    if frame.empty:
        return pd.DataFrame(columns=["source", "date", "median_usd", "offers"])
    return daily_medians(frame, ["source", "date"])


def price_moves(series: pd.DataFrame, threshold_pct: float = 10.0) -> pd.DataFrame:
    """Day-on-day moves larger than threshold_pct within each source's series (e.g. AWS's June-2025 cut)."""
    if series.empty:
        return series.assign(previous_usd=[], change_pct=[])
    frame = series.sort_values(["source", "date"]).copy()
    frame["previous_usd"] = frame.groupby("source")["median_usd"].shift()
    frame["change_pct"] = (frame["median_usd"] / frame["previous_usd"] - 1) * 100
    return frame[frame["change_pct"].abs() >= threshold_pct].reset_index(drop=True)
