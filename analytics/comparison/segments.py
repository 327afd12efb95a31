"""The market overview's binary view (centralized vs decentralized) as a lens over segments.

Segments are stored per offer (data/providers.csv, with offer-level overrides). The lens maps each segment to a
side; the one contested segment is `datacenter_marketplace` (RunPod Secure Cloud and other listings of
data-centre capacity): it runs in data centres (centralized by capacity) but the market overview lists RunPod
as decentralized. Which side it takes is a visible, switchable choice, shown beside every number it produces.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.normalize.providers import SEGMENTS

SEGMENT_LABELS = {
    "hyperscaler": "Hyperscaler",
    "neocloud": "Neocloud",
    "datacenter_marketplace": "Data-centre marketplace",
    "community_marketplace": "Community marketplace",
    "depin_network": "DePIN network",
}
CENTRALIZED = ("hyperscaler", "neocloud")
DECENTRALIZED = ("community_marketplace", "depin_network")
CONTESTED = "datacenter_marketplace"


@dataclass(frozen=True)
class Lens:
    """Which segments count as centralized and which as decentralized."""

    datacenter_marketplace_side: str = "centralized"  # or "decentralized", as the market overview counts RunPod

    def __post_init__(self) -> None:
        if self.datacenter_marketplace_side not in ("centralized", "decentralized"):
            raise ValueError("datacenter_marketplace_side must be 'centralized' or 'decentralized'")

    def side(self, segment: str) -> str:
        if segment in CENTRALIZED:
            return "centralized"
        if segment in DECENTRALIZED:
            return "decentralized"
        if segment == CONTESTED:
            return self.datacenter_marketplace_side
        return "unknown"

    def segments_of(self, side: str) -> tuple[str, ...]:
        return tuple(s for s in SEGMENTS if self.side(s) == side)

    def apply(self, offers: pd.DataFrame) -> pd.Series:
        return offers["segment"].map(self.side).fillna("unknown")

    def describe(self) -> str:
        central = " + ".join(SEGMENT_LABELS[s] for s in self.segments_of("centralized"))
        decentral = " + ".join(SEGMENT_LABELS[s] for s in self.segments_of("decentralized"))
        return f"centralized = {central}; decentralized = {decentral}"


DEFAULT_LENS = Lens()
OVERVIEW_LENS = Lens("decentralized")  # the market overview's own placement of RunPod


def segment_label(segment: str | None) -> str:
    return SEGMENT_LABELS.get(segment or "", "Unknown")
