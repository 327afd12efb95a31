"""How much the answer depends on the definition: the decentralized discount under every reasonable
definition, side by side, one choice changed at a time from the headline's default."""

from __future__ import annotations

import pandas as pd

from analytics.comparison.compare import PRICING_KINDS, Definition, pair_discount, select, side_discount
from analytics.comparison.conflicts import Distrust
from analytics.comparison.segments import OVERVIEW_LENS, segment_label

SEGMENT_PAIRS = (
    ("hyperscaler", "depin_network"),
    ("neocloud", "depin_network"),
    ("hyperscaler", "community_marketplace"),
    ("neocloud", "community_marketplace"),
    ("neocloud", "datacenter_marketplace"),
)


def variants(default: Definition, family: str | None) -> list[tuple[str, Definition]]:
    out = [
        ("Headline definition", default),
        ("Pooled median (every offer counts once)", default.but(two_stage=False)),
        ("Single-GPU offers only", default.but(size_classes=("single",))),
        ("8+ GPU nodes only", default.but(size_classes=("node",))),
        ("Data-centre marketplaces (RunPod Secure) counted as decentralized", default.but(lens=OVERVIEW_LENS)),
        ("Spot / interruptible prices included", default.but(pricing_kinds=PRICING_KINDS)),
        ("Only prices from the newest 30 days", default.but(window_days=30)),
        ("Every dated price (no window)", default.but(window_days=None)),
        ("Conflicting third-party prices kept", default.but(exclude_conflicts=False)),
        (
            "Outdated third-party listing left out only where contradicted (not its other regions)",
            default.but(extend_conflicts=False),
        ),
        ("Marketplace floor prices (min live offers) included", default.but(include_floor_prices=True)),
    ]
    if family and family != default.gpu:
        out.insert(5, (f"Whole {family} family pooled (SXM, PCIe, NVL ...)", default.but(gpu=family, pool_family=True)))
    return out


def robustness_table(offers: pd.DataFrame, default: Definition, conflicted: Distrust | set[str]) -> pd.DataFrame:
    family = None
    same = offers[offers["gpu_model"] == default.gpu]
    if len(same):
        family = same["gpu_family"].dropna().iloc[0] if same["gpu_family"].notna().any() else None
    # every variant compares this model or its family: select from those rows only
    offers = offers[(offers["gpu_model"] == default.gpu) | (offers["gpu_family"] == (family or default.gpu))]
    rows = []
    for label, definition in variants(default, family):
        selected = select(offers, definition, conflicted)
        result = side_discount(selected, definition)
        rows.append(
            {
                "definition": label,
                "comparison": "centralized vs decentralized",
                "expensive_median_usd": result.centralized.median_usd,
                "cheap_median_usd": result.decentralized.median_usd,
                "discount_pct": result.discount_pct,
                "expensive_providers": result.centralized.providers,
                "cheap_providers": result.decentralized.providers,
                "offers": result.centralized.offers + result.decentralized.offers,
                "reason": result.reason,
            }
        )
    selected = select(offers, default, conflicted)
    for expensive, cheap in SEGMENT_PAIRS:
        discount, reason = pair_discount(selected, expensive, cheap)
        subset_e = selected[selected["segment"] == expensive] if len(selected) else selected
        subset_c = selected[selected["segment"] == cheap] if len(selected) else selected
        from analytics.comparison.medians import two_stage

        e, c = two_stage(subset_e), two_stage(subset_c)
        rows.append(
            {
                "definition": "Headline definition, one segment pair",
                "comparison": f"{segment_label(cheap)} vs {segment_label(expensive)}",
                "expensive_median_usd": e.median_usd,
                "cheap_median_usd": c.median_usd,
                "discount_pct": discount,
                "expensive_providers": e.providers,
                "cheap_providers": c.providers,
                "offers": e.offers + c.offers,
                "reason": reason,
            }
        )
    return pd.DataFrame(rows)
