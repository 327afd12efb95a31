"""Evidence from a network's own offers: its price discount against centralized clouds and how many
independent providers stand behind its supply."""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd

from analytics.dd.checklist import Evidence


def network_discount(
    offers: pd.DataFrame, mine: pd.DataFrame, sources: str, as_of, suggest: Callable[[float], float | None]
) -> Evidence:
    """Offer-weighted discount of the network's own median per GPU family against centralized medians."""
    central = offers[offers["market_model"] == "centralized"]
    rows = []
    for family, group in mine.groupby("gpu_family"):
        c = central[central["gpu_family"] == family]["price_per_gpu_hour_usd"]
        if len(c) >= 3:
            rows.append((family, len(group), 1 - group["price_per_gpu_hour_usd"].median() / c.median()))
    if not rows:
        return Evidence("network_discount", None, "no comparable GPUs", sources, as_of)
    weight = sum(n for _, n, _ in rows)
    value = sum(n * d for _, n, d in rows) / weight
    detail = ", ".join(f"{f} {d:+.0%}" for f, _, d in rows)
    return Evidence(
        "network_discount",
        value,
        f"{value:+.0%} vs centralized medians ({detail})",
        f"{sources} vs centralized offers",
        as_of,
        suggest(value),
    )


def provider_concentration(mine: pd.DataFrame, sources: str, as_of) -> Evidence:
    counts = []
    for raw in mine.get("attributes", pd.Series(dtype=object)).dropna():
        try:
            value = json.loads(raw).get("providers_total")
        except (ValueError, AttributeError):
            continue
        if value is not None:
            counts.append(int(value))
    if not counts:
        return Evidence(
            "provider_concentration",
            None,
            "no per-provider data",
            sources,
            as_of,
            note="no bidder counts recorded for this network (only Akash's bids record how many providers compete)",
        )
    top = max(counts)
    return Evidence(
        "provider_concentration",
        top,
        f"up to {top} independent providers bidding per GPU model",
        sources,
        as_of,
        1.0 if top >= 20 else 0.5 if top >= 5 else 0.0,
    )
