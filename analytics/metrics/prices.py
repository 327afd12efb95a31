"""The market overview's price table checked against the data, per provider.

(Price statistics and the decentralized discount live in analytics/comparison: per segment, two-stage.)
"""

from __future__ import annotations

import pandas as pd


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
