"""Sources that disagree: the same provider, instance and region priced differently by two datasets on
overlapping dates. They are shown, not averaged away, and the comparison uses the trusted one.

Trust: a first-party price list or a live collector reading the provider's own API beats a third-party
catalogue or scraper; between equals the newer observation wins. Example in the bundled data: the
2026-03-21 SkyPilot catalog (via OpenComputePrices) still lists AWS p5.48xlarge in us-east-1 at $98.32/h,
while AWS's own price list has said $55.04 since June 2025.
"""

from __future__ import annotations

import pandas as pd

from analytics.bundled.registry import trust_rank

MIN_DIFFERENCE = 0.05  # prices within 5 % of each other agree
MAX_DAYS_APART = 3


def resolve(pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per disagreeing pair of offers with the trusted side and the reason.

    `pairs` has, for sides a and b: offer_id, source, price_per_gpu_hour_usd, price_date, plus provider,
    instance_type, region, pricing_kind (shared) and the overlapping observation count."""
    if pairs.empty:
        return pairs.assign(trusted_source=[], distrusted_offer_id=[], reason=[])
    rows = []
    for r in pairs.itertuples(index=False):
        rank_a, rank_b = trust_rank(r.source_a), trust_rank(r.source_b)
        if rank_a != rank_b:
            a_wins = rank_a > rank_b
            reason = "first-party or live source wins over a third-party catalogue"
        elif r.newest_a != r.newest_b:
            a_wins = r.newest_a > r.newest_b
            reason = "newer observation wins"
        else:
            rows.append(
                {
                    **r._asdict(),
                    "trusted_source": None,
                    "distrusted_offer_id": None,
                    "reason": "equally trusted sources, same date: both kept",
                }
            )
            continue
        rows.append(
            {
                **r._asdict(),
                "trusted_source": r.source_a if a_wins else r.source_b,
                "distrusted_offer_id": r.offer_id_b if a_wins else r.offer_id_a,
                "reason": reason,
            }
        )
    return pd.DataFrame(rows)


def distrusted_offers(conflicts: pd.DataFrame) -> set[str]:
    if conflicts.empty:
        return set()
    return set(conflicts["distrusted_offer_id"].dropna())
