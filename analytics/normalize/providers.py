"""Provider categories and the market overview's centralized/decentralized split (data/providers.csv)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from analytics.paths import bundled_data_dir

CATEGORIES = ("hyperscaler", "neocloud", "marketplace", "depin_network")
# The market overview's model: clouds are centralized, open markets and DePIN networks decentralized.
MARKET_MODEL = {
    "hyperscaler": "centralized",
    "neocloud": "centralized",
    "marketplace": "decentralized",
    "depin_network": "decentralized",
}


@dataclass(frozen=True)
class ProviderInfo:
    provider: str  # canonical id
    display_name: str
    category: str  # one of CATEGORIES, "aggregator", or "unknown"
    market_model: str  # centralized | decentralized | unknown


@lru_cache(maxsize=1)
def _table() -> dict[str, ProviderInfo]:
    table: dict[str, ProviderInfo] = {}
    with open(bundled_data_dir() / "providers.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            info = ProviderInfo(
                row["provider"],
                row["display_name"],
                row["category"],
                MARKET_MODEL.get(row["category"], "unknown"),
            )
            for name in [row["provider"], row["display_name"], *row["aliases"].split("|")]:
                if name.strip():
                    table[_key(name)] = info
    return table


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def provider_info(name: str) -> ProviderInfo:
    """Look a provider up by id, display name or alias; unknown providers are kept as category 'unknown'."""
    found = _table().get(_key(name))
    if found is not None:
        return found
    return ProviderInfo(name.lower(), name, "unknown", "unknown")


def market_model_of(category: str) -> str:
    return MARKET_MODEL.get(category, "unknown")


def all_providers() -> list[ProviderInfo]:
    return sorted(set(_table().values()), key=lambda p: (p.category, p.provider))
