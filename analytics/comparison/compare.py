"""The like-for-like comparison: which offers are compared, and the table per market segment.

A Definition says what "like for like" means for one comparison: the same canonical GPU model (never H100
SXM pooled with PCIe or NVL unless the family is asked for), a size class, the pricing kinds, a window of
observation dates, and the lens that maps segments to centralized/decentralized. Its default is the headline's;
the robustness table (analytics/comparison/robustness.py) varies one choice at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from analytics.comparison.conflicts import Distrust
from analytics.comparison.medians import MIN_PROVIDERS, PRICE, two_stage, two_stage_table
from analytics.comparison.segments import DEFAULT_LENS, Lens, segment_label
from analytics.normalize.providers import SEGMENTS

FIRM_KINDS = ("on_demand", "bid_derived", "published_list")
PRICING_KINDS = ("on_demand", "spot", "bid_derived", "published_list")
KIND_LABELS = {
    "on_demand": "on-demand",
    "spot": "spot / interruptible",
    "bid_derived": "bid-derived",
    "published_list": "published list",
}
SIZE_CLASSES = {"single": "1 GPU", "multi": "2-7 GPUs", "node": "8+ GPU node", "unknown": "size unknown"}
# Rows whose price is not a comparable price of running a GPU: an accelerator without its VM, or a market's
# floor (its cheapest live offer) rather than a typical price.
EXCLUDED_FLAGS = ("accelerator_only_price", "min_live_offer")
WINDOW_DAYS = 180


def size_class(gpu_count: int, flags=()) -> str:
    if "gpu_count_unreliable" in (flags if flags is not None else ()):
        return "unknown"
    if gpu_count <= 1:
        return "single"
    return "node" if gpu_count >= 8 else "multi"


def size_class_of(gpus: int) -> str:
    if gpus < 1:
        raise ValueError("a GPU count must be at least 1")
    return size_class(gpus)


@dataclass(frozen=True)
class Definition:
    gpu: str  # canonical key (H100-SXM-80GB) or, with pool_family, a family (H100)
    pool_family: bool = False
    size_classes: tuple[str, ...] | None = None  # None: every size class, per GPU-hour
    pricing_kinds: tuple[str, ...] = FIRM_KINDS
    window_days: int | None = WINDOW_DAYS  # None: every dated price; undated prices never count
    lens: Lens = field(default_factory=lambda: DEFAULT_LENS)
    two_stage: bool = True
    exclude_conflicts: bool = True
    # with exclude_conflicts: also the other regions of a third-party listing a first-party list contradicts
    extend_conflicts: bool = True
    include_floor_prices: bool = False  # marketplace floors ("min live offer") beside typical prices

    def describe(self) -> str:
        gpu = f"all {self.gpu} variants" if self.pool_family else self.gpu
        sizes = (
            "any size (per GPU-hour)"
            if self.size_classes is None
            else "/".join(SIZE_CLASSES[s] for s in self.size_classes)
        )
        window = (
            "every dated price" if self.window_days is None else f"prices within {self.window_days} days of the newest"
        )
        method = "two-stage median (per provider, then across providers)" if self.two_stage else "pooled median"
        kinds = ", ".join(KIND_LABELS.get(k, k) for k in self.pricing_kinds)
        return f"{gpu}; {sizes}; {kinds}; {window}; {method}; {self.lens.describe()}"

    def but(self, **changes) -> Definition:
        return replace(self, **changes)


def select(offers: pd.DataFrame, definition: Definition, conflicted: Distrust | set[str] | None = None) -> pd.DataFrame:
    """The offers a definition compares, with `size_class` and `side` (the lens) added. `conflicted`: the
    offers sources contradict (analytics/comparison/conflicts.py), left out unless the definition keeps them."""
    column = "gpu_family" if definition.pool_family else "gpu_model"
    chosen = offers[(offers[column] == definition.gpu) & offers["pricing_kind"].isin(definition.pricing_kinds)]
    chosen = chosen[chosen["price_date"].notna()]  # an undated price cannot be placed in time
    excluded = tuple(f for f in EXCLUDED_FLAGS if not (definition.include_floor_prices and f == "min_live_offer"))
    if len(chosen):
        flagged = chosen["flags"].map(lambda f: any(x in excluded for x in (f if f is not None else ())))
        chosen = chosen[~flagged]
    if definition.exclude_conflicts and conflicted:
        left_out = (
            conflicted.offers(extend=definition.extend_conflicts) if isinstance(conflicted, Distrust) else conflicted
        )
        chosen = chosen[~chosen["offer_id"].isin(list(left_out))]
    chosen = chosen.assign(
        size_class=[size_class(c, f) for c, f in zip(chosen["gpu_count"], chosen["flags"], strict=True)],
        side=definition.lens.apply(chosen) if len(chosen) else pd.Series(dtype=str),
    )
    if definition.size_classes is not None:
        chosen = chosen[chosen["size_class"].isin(definition.size_classes)]
    if definition.window_days is not None and len(chosen):
        dates = pd.to_datetime(chosen["price_date"])
        chosen = chosen[dates >= dates.max() - pd.Timedelta(days=definition.window_days)]
    return chosen.reset_index(drop=True)


def segment_table(selected: pd.DataFrame, *, two_stage_method: bool = True) -> pd.DataFrame:
    """Per segment: median (two-stage or pooled), cheapest and who, provider and offer counts, newest date."""
    table = two_stage_table(selected, ["segment"]) if len(selected) else None
    rows = []
    for segment in SEGMENTS:
        found = table[table["segment"] == segment] if table is not None else pd.DataFrame()
        subset = selected[selected["segment"] == segment] if len(selected) else selected
        if found.empty:
            rows.append(_empty_row(segment))
            continue
        r = found.iloc[0]
        median = (
            r["median_usd"]
            if two_stage_method
            else (r["pooled_median_usd"] if r["providers"] >= MIN_PROVIDERS else None)
        )
        rows.append(
            {
                "segment": segment,
                "segment_label": segment_label(segment),
                "median_usd": None if median is None or pd.isna(median) else float(median),
                "pooled_median_usd": float(r["pooled_median_usd"]),
                "cheapest_usd": float(r["cheapest_usd"]),
                "cheapest_provider": r["cheapest_provider"],
                "providers": int(r["providers"]),
                "offers": int(r["offers"]),
                "provider_list": ", ".join(sorted(subset["provider"].unique())),
                "newest_price_date": str(pd.to_datetime(subset["price_date"]).max().date()),
                "oldest_price_date": str(pd.to_datetime(subset["price_date"]).min().date()),
                "withheld_reason": r["withheld_reason"],
            }
        )
    return pd.DataFrame(rows)


def _empty_row(segment: str) -> dict:
    return {
        "segment": segment,
        "segment_label": segment_label(segment),
        "median_usd": None,
        "pooled_median_usd": None,
        "cheapest_usd": None,
        "cheapest_provider": None,
        "providers": 0,
        "offers": 0,
        "provider_list": "",
        "newest_price_date": None,
        "oldest_price_date": None,
        "withheld_reason": "no offers",
    }


@dataclass(frozen=True)
class SideResult:
    side: str
    median_usd: float | None
    cheapest_usd: float | None
    cheapest_provider: str | None
    providers: int
    offers: int
    segments: tuple[str, ...]
    withheld_reason: str | None


@dataclass(frozen=True)
class Discount:
    centralized: SideResult
    decentralized: SideResult
    discount_pct: float | None  # (centralized - decentralized) / centralized; positive = decentralized cheaper
    reason: str | None  # why the discount is not shown


def side_discount(selected: pd.DataFrame, definition: Definition) -> Discount:
    sides = {}
    for side in ("centralized", "decentralized"):
        subset = selected[selected["side"] == side] if len(selected) else selected
        stats = two_stage(subset)
        median = (
            stats.median_usd
            if definition.two_stage
            else (stats.pooled_median_usd if stats.providers >= MIN_PROVIDERS else None)
        )
        sides[side] = SideResult(
            side,
            median,
            stats.cheapest_usd,
            stats.cheapest_provider,
            stats.providers,
            stats.offers,
            definition.lens.segments_of(side),
            stats.withheld_reason,
        )
    return Discount(
        sides["centralized"], sides["decentralized"], *_discount(sides["centralized"], sides["decentralized"])
    )


def pair_discount(selected: pd.DataFrame, expensive: str, cheap: str) -> tuple[float | None, str | None]:
    """Discount of segment `cheap` against segment `expensive` (two-stage medians)."""
    a = two_stage(selected[selected["segment"] == expensive]) if len(selected) else two_stage(selected)
    b = two_stage(selected[selected["segment"] == cheap]) if len(selected) else two_stage(selected)
    if a.median_usd is None or b.median_usd is None:
        reasons = [
            f"{segment_label(s)}: {r.withheld_reason}" for s, r in ((expensive, a), (cheap, b)) if r.withheld_reason
        ]
        return None, "; ".join(reasons)
    return (a.median_usd - b.median_usd) / a.median_usd * 100, None


def _discount(central: SideResult, decentral: SideResult) -> tuple[float | None, str | None]:
    if central.median_usd is None or decentral.median_usd is None:
        parts = [f"{s.side}: {s.withheld_reason}" for s in (central, decentral) if s.median_usd is None]
        return None, "; ".join(parts)
    return (central.median_usd - decentral.median_usd) / central.median_usd * 100, None


def price_column() -> str:
    return PRICE
