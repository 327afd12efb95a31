"""Providers and their market segments (data/providers.csv: one editable row per provider, with a reason and
a source for its segment).

Segments say what kind of capacity an offer is, not who lists it:
  hyperscaler             AWS, GCP, Azure, OCI: global clouds with their own data centres and SLAs
  neocloud                GPU clouds operating their own (or contracted) data-centre capacity at set prices
  datacenter_marketplace  listings of data-centre capacity at marketplace prices (RunPod Secure Cloud, ...)
  community_marketplace   open marketplaces of independent hosts (Vast.ai, RunPod Community Cloud, Salad, ...)
  depin_network           token-incentivised networks (Akash, io.net, Render, Aethir, Theta, Spheron, ...)
An offer may override its provider's segment where the listing says so (`listing_overrides`, e.g. RunPod's
SECURE vs COMMUNITY rows). The market overview's binary view (centralized vs decentralized) is a lens derived
from segments: see analytics/comparison/segments.py.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache

from analytics.paths import bundled_data_dir

SEGMENTS = ("hyperscaler", "neocloud", "datacenter_marketplace", "community_marketplace", "depin_network")
CATEGORIES = SEGMENTS  # the stored column is still called provider_category: it holds the provider's segment
# Default lens: data-centre capacity (whoever lists it) is centralized; host-run and token networks are not.
MARKET_MODEL = {
    "hyperscaler": "centralized",
    "neocloud": "centralized",
    "datacenter_marketplace": "centralized",
    "community_marketplace": "decentralized",
    "depin_network": "decentralized",
}


@dataclass(frozen=True)
class ProviderInfo:
    provider: str  # canonical id
    display_name: str
    category: str  # the provider's segment: one of SEGMENTS, "aggregator", or "unknown"
    market_model: str  # centralized | decentralized | unknown (default lens)
    reason: str = ""
    source: str = ""
    overrides: tuple[tuple[str, str], ...] = field(default=())  # (marker in the listing, segment)

    @property
    def segment(self) -> str:
        return self.category

    def segment_of_listing(self, *texts: str | None) -> str:
        """The segment of one offer: an override whose marker appears in the listing text, else the provider's."""
        listing = " ".join(t for t in texts if t).upper()
        for marker, segment in self.overrides:
            if marker in listing:
                return segment
        return self.category


def _overrides(text: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for part in filter(None, (p.strip() for p in (text or "").split("|"))):
        marker, _, segment = part.partition("=")
        if segment not in SEGMENTS:
            raise ValueError(f"providers.csv: override {part!r} names an unknown segment")
        pairs.append((marker.strip().upper(), segment))
    return tuple(pairs)


@lru_cache(maxsize=1)
def _table() -> dict[str, ProviderInfo]:
    table: dict[str, ProviderInfo] = {}
    with open(bundled_data_dir() / "providers.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            segment = row["segment"]
            if segment not in (*SEGMENTS, "aggregator"):
                raise ValueError(f"providers.csv: {row['provider']} has unknown segment {segment!r}")
            info = ProviderInfo(
                row["provider"],
                row["display_name"],
                segment,
                MARKET_MODEL.get(segment, "unknown"),
                row.get("reason") or "",
                row.get("source") or "",
                _overrides(row.get("listing_overrides") or ""),
            )
            for name in [row["provider"], row["display_name"], *row["aliases"].split("|")]:
                if name.strip():
                    table[_key(name)] = info
    return table


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def provider_info(name: str) -> ProviderInfo:
    """Look a provider up by id, display name or alias; unknown providers are kept as segment 'unknown'."""
    found = _table().get(_key(name))
    if found is not None:
        return found
    return ProviderInfo(name.lower(), name, "unknown", "unknown")


def is_known_provider(name: str) -> bool:
    return _key(name) in _table()


def market_model_of(category: str) -> str:
    return MARKET_MODEL.get(category, "unknown")


def all_providers() -> list[ProviderInfo]:
    return sorted(set(_table().values()), key=lambda p: (p.category, p.provider))
