"""Sources that disagree: the same provider, instance and region priced differently by two datasets on
overlapping dates. They are shown, not averaged away, and the comparison uses the trusted one.

Trust: a first-party price list or a live collector reading the provider's own API beats a third-party
catalogue or scraper; between equals the newer observation wins. Example in the bundled data: the
2026-03-21 SkyPilot catalog (via OpenComputePrices) still lists AWS p5.48xlarge in us-east-1 at $98.32/h,
while AWS's own price list has said $55.04 since June 2025.

A catalogue a first-party list contradicts in one region is an outdated copy of that listing: its prices for
the same provider, instance and pricing kind in the regions no first-party source covers, dated no later than
the contradicted price, come from the same copy. They are left out too ("same outdated listing"), and the
robustness table shows the answer with only the contradicted region left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analytics.bundled.registry import trust_rank

MIN_DIFFERENCE = 0.05  # prices within 5 % of each other agree
MAX_DAYS_APART = 3
FIRST_PARTY_WINS = "first-party or live source wins over a third-party catalogue"


@dataclass(frozen=True)
class Distrust:
    """Offers a comparison leaves out: those a trusted source contradicts, and the other regions of the same
    outdated third-party listing."""

    contradicted: frozenset[str] = frozenset()
    same_listing: frozenset[str] = frozenset()
    listings: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False)  # one row per extended listing

    def offers(self, *, extend: bool = True) -> set[str]:
        return set(self.contradicted) | (set(self.same_listing) if extend else set())


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
            reason = FIRST_PARTY_WINS
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


def distrust(conflicts: pd.DataFrame, offers: pd.DataFrame | None = None) -> Distrust:
    """What to leave out: the contradicted offers and, given the latest `offers`, the same outdated listing's
    offers in other regions (only where a first-party list contradicted a third-party catalogue)."""
    contradicted = distrusted_offers(conflicts)
    if offers is None or conflicts.empty or offers.empty:
        return Distrust(frozenset(contradicted))
    beaten = conflicts[conflicts["reason"] == FIRST_PARTY_WINS]
    if beaten.empty:
        return Distrust(frozenset(contradicted))
    a_lost = beaten["distrusted_offer_id"] == beaten["offer_id_a"]
    listings = pd.DataFrame(
        {
            "source": beaten["source_a"].where(a_lost, beaten["source_b"]),
            "provider": beaten["provider"],
            "instance_type": beaten["instance_type"],
            "pricing_kind": beaten["pricing_kind"],
            "contradicted_region": beaten["region"],
            "trusted_source": beaten["trusted_source"],
            "newest_contradicted": pd.to_datetime(beaten["newest_a"].where(a_lost, beaten["newest_b"])),
        }
    )
    listings = listings.groupby(["source", "provider", "instance_type", "pricing_kind"], as_index=False).agg(
        contradicted_region=("contradicted_region", lambda r: ", ".join(sorted(set(r)))),
        trusted_source=("trusted_source", "first"),
        newest_contradicted=("newest_contradicted", "max"),
    )
    candidates = offers[["offer_id", "source", "provider", "instance_type", "pricing_kind", "region", "price_date"]]
    matched = candidates.merge(listings, on=["source", "provider", "instance_type", "pricing_kind"])
    dated = pd.to_datetime(matched["price_date"])
    # a first-party source speaks for its own regions only where it was seen: regions it prices itself are
    # conflicts (or agreements) of their own, never "same listing"
    trusted = offers[offers["source"].isin(set(listings["trusted_source"]))]
    first_party_regions = set(
        zip(trusted["provider"], trusted["instance_type"], trusted["region"].fillna(""), strict=True)
    )
    own = [
        (p, i, r if isinstance(r, str) else "") in first_party_regions
        for p, i, r in zip(matched["provider"], matched["instance_type"], matched["region"], strict=True)
    ]
    same = matched[(dated <= matched["newest_contradicted"]) & ~pd.Series(own, index=matched.index, dtype=bool)]
    same = same[~same["offer_id"].isin(contradicted)]
    counted = same.groupby(["source", "provider", "instance_type", "pricing_kind"]).size().rename("offers_left_out")
    listings = listings.merge(counted.reset_index(), on=["source", "provider", "instance_type", "pricing_kind"])
    return Distrust(frozenset(contradicted), frozenset(same["offer_id"]), listings)
