"""Price statistics per GPU model or family: by provider category and by centralized vs decentralized.

Every median is reported with its sample size; a group with fewer than MIN_SAMPLE offers gets no median
(a median of one or two marketplace listings says little), only its min and count.
"""

from __future__ import annotations

import pandas as pd

MIN_SAMPLE = 3
KEYS = ("gpu_model", "gpu_family")
GROUPS = ("provider_category", "market_model")


def price_stats(offers: pd.DataFrame, *, key: str = "gpu_family", group: str = "market_model") -> pd.DataFrame:
    """min / median / p90 per GPU-hour with counts, per (key, group). Medians need MIN_SAMPLE offers."""
    if key not in KEYS or group not in GROUPS:
        raise ValueError(f"key must be one of {KEYS} and group one of {GROUPS}")
    known = offers[offers[key].notna()]
    if known.empty:
        return pd.DataFrame(columns=[key, group, "offers", "providers", "min_usd", "median_usd", "p90_usd"])
    grouped = known.groupby([key, group])
    stats = grouped["price_per_gpu_hour_usd"].agg(
        offers="count",
        min_usd="min",
        median_usd="median",
        p90_usd=lambda s: s.quantile(0.9),
    )
    stats["providers"] = grouped["provider"].nunique()
    small = stats["offers"] < MIN_SAMPLE
    stats.loc[small, ["median_usd", "p90_usd"]] = float("nan")
    return stats.reset_index()[[key, group, "offers", "providers", "min_usd", "median_usd", "p90_usd"]]


def discount_table(offers: pd.DataFrame, *, key: str = "gpu_family") -> pd.DataFrame:
    """Per GPU: centralized vs decentralized cheapest and median, and the decentralized discount in %.

    discount_median_pct = (centralized median - decentralized median) / centralized median * 100; positive
    means decentralized is cheaper. NaN where either side lacks MIN_SAMPLE offers.
    """
    stats = price_stats(offers, key=key, group="market_model")
    stats = stats[stats["market_model"].isin(["centralized", "decentralized"])]
    wide = stats.pivot(index=key, columns="market_model", values=["offers", "min_usd", "median_usd"])
    wide.columns = [f"{model}_{stat}" for stat, model in wide.columns]
    for column in (
        "centralized_offers",
        "decentralized_offers",
        "centralized_min_usd",
        "decentralized_min_usd",
        "centralized_median_usd",
        "decentralized_median_usd",
    ):
        if column not in wide:
            wide[column] = float("nan")
    wide["discount_median_pct"] = (
        (wide["centralized_median_usd"] - wide["decentralized_median_usd"]) / wide["centralized_median_usd"] * 100
    )
    wide["discount_cheapest_pct"] = (
        (wide["centralized_min_usd"] - wide["decentralized_min_usd"]) / wide["centralized_min_usd"] * 100
    )
    wide[["centralized_offers", "decentralized_offers"]] = wide[["centralized_offers", "decentralized_offers"]].fillna(
        0
    )
    return wide.reset_index().sort_values("centralized_offers", ascending=False, ignore_index=True)


def price_trend(observations: pd.DataFrame, *, freq: str = "D") -> pd.DataFrame:
    """Median per-GPU-hour price per period and market model, from all observations (history)."""
    if observations.empty:
        return pd.DataFrame(columns=["period", "market_model", "median_usd", "observations"])
    frame = observations.assign(period=observations["observed_at"].dt.to_period(freq).dt.start_time)
    trend = frame.groupby(["period", "market_model"])["price_per_gpu_hour_usd"].agg(
        median_usd="median", observations="count"
    )
    return trend.reset_index()


def check_published_claims(offers: pd.DataFrame, claims: pd.DataFrame, family: str = "H100") -> pd.DataFrame:
    """The market overview's price table next to what the data says for the same provider and GPU family.

    verdict: "within" when the observed median lies in the claimed range, "data above" / "data below" when
    it lies outside, "no data" when the provider has no firm offers for that GPU in the database."""
    from analytics.normalize import provider_info

    rows = []
    for claim in claims[claims["is_market_overview_claim"] & (claims["gpu_family"] == family)].itertuples():
        provider = provider_info(claim.provider).provider
        # the overview's own claims are kept out of the offers, so a provider's rate card can be compared here
        observed = offers[(offers["provider"] == provider) & (offers["gpu_family"] == family)]
        observed = observed["price_per_gpu_hour_usd"]
        median = float(observed.median()) if len(observed) else None
        if median is None:
            verdict = "no data"
        elif median > claim.usd_per_gpu_hour_high:
            verdict = "data above"
        elif median < claim.usd_per_gpu_hour_low:
            verdict = "data below"
        else:
            verdict = "within"
        rows.append(
            {
                "provider": claim.provider,
                "claimed_as": claim.provider_type_as_published,
                "claimed_low_usd": claim.usd_per_gpu_hour_low,
                "claimed_high_usd": claim.usd_per_gpu_hour_high,
                "offers": len(observed),
                "observed_min_usd": float(observed.min()) if len(observed) else None,
                "observed_median_usd": median,
                "observed_max_usd": float(observed.max()) if len(observed) else None,
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)
