"""Two-stage medians: the median of each provider's offers, then the median across providers.

This is the method published GPU price indices use, so that no single provider's many rows (RunPod lists
hundreds of region x tier rows; AWS lists every region) can decide a median. A figure built on fewer than
MIN_PROVIDERS providers is withheld, with the reason, rather than shown as if it described a market.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

MIN_PROVIDERS = 3
PRICE = "price_per_gpu_hour_usd"


@dataclass(frozen=True)
class TwoStage:
    median_usd: float | None  # None when withheld
    pooled_median_usd: float | None  # every offer counts once (for comparison only)
    cheapest_usd: float | None
    cheapest_provider: str | None
    providers: int
    offers: int
    withheld_reason: str | None = None


def provider_medians(offers: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """Stage one: per (group..., provider) the median price and the offer count."""
    keys = [*(by or []), "provider"]
    if offers.empty:
        return pd.DataFrame(columns=[*keys, "median_usd", "offers"])
    grouped = offers.groupby(keys, dropna=False)[PRICE]
    return grouped.agg(median_usd="median", offers="count").reset_index()


def two_stage(offers: pd.DataFrame, *, min_providers: int = MIN_PROVIDERS) -> TwoStage:
    """The two-stage median of one group of offers, with provider and offer counts beside it."""
    if offers.empty:
        return TwoStage(None, None, None, None, 0, 0, "no offers")
    stage_one = provider_medians(offers)
    cheapest = offers.loc[offers[PRICE].idxmin()]
    providers = len(stage_one)
    median = float(stage_one["median_usd"].median())
    reason = None
    if providers < min_providers:
        reason = f"only {providers} provider{'s' if providers != 1 else ''} (a median needs {min_providers})"
        median = None
    return TwoStage(
        median_usd=median,
        pooled_median_usd=float(offers[PRICE].median()),
        cheapest_usd=float(cheapest[PRICE]),
        cheapest_provider=str(cheapest["provider"]),
        providers=providers,
        offers=len(offers),
        withheld_reason=reason,
    )


def two_stage_table(offers: pd.DataFrame, by: list[str], *, min_providers: int = MIN_PROVIDERS) -> pd.DataFrame:
    """Two-stage median per group, vectorised: one row per group with provider/offer counts and cheapest."""
    columns = [*by, "median_usd", "pooled_median_usd", "cheapest_usd", "cheapest_provider", "providers", "offers"]
    if offers.empty:
        return pd.DataFrame(columns=[*columns, "withheld_reason"])
    stage_one = provider_medians(offers, by)
    stage_two = stage_one.groupby(by, dropna=False).agg(
        median_usd=("median_usd", "median"), providers=("provider", "nunique")
    )
    pooled = offers.groupby(by, dropna=False).agg(pooled_median_usd=(PRICE, "median"), offers=(PRICE, "count"))
    idx = offers.groupby(by, dropna=False)[PRICE].idxmin()
    cheapest = offers.loc[idx.values, [*by, PRICE, "provider"]].rename(
        columns={PRICE: "cheapest_usd", "provider": "cheapest_provider"}
    )
    table = stage_two.join(pooled).reset_index().merge(cheapest, on=by, how="left")
    few = table["providers"] < min_providers
    table["withheld_reason"] = None
    table.loc[few, "withheld_reason"] = table.loc[few, "providers"].map(
        lambda n: f"only {n} provider{'s' if n != 1 else ''} (a median needs {min_providers})"
    )
    table.loc[few, "median_usd"] = float("nan")
    return table[[*columns, "withheld_reason"]]
