"""The default rental price for a GPU on a network, and how old the data behind a figure is.

The price a node earns on a network is that network's own price for the GPU: its latest firm observation
(offers whose provider is the network, e.g. Akash Console's bid-derived prices). Only where the data has none is
a proxy used, and it says so: the two-stage median (per provider, then across providers) of one market segment,
chosen by the user (default: the community marketplaces, the closest kind of market to a DePIN network's
independent hosts). A segment with too few providers for a median is skipped, with the reason, for the next
segment in PROXY_ORDER.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import pandas as pd

from analytics import queries
from analytics.comparison.medians import two_stage
from analytics.comparison.segments import SEGMENT_LABELS
from analytics.store import Store

PROXY_ORDER = ("community_marketplace", "datacenter_marketplace", "depin_network", "neocloud", "hyperscaler")
DEFAULT_PROXY_SEGMENT = "community_marketplace"
STALE_AFTER_DAYS = 30


@dataclass
class PriceDefault:
    price_usd: float | None
    kind: str  # "network": the network's own price; "proxy": a segment median; "none"
    network: str
    gpu_model: str
    matched_gpu_model: str | None
    source: str  # one sentence: what the number is and where it is from
    sources: list[str]
    datasets: list[str]
    price_date: str | None  # the day the source says the price was observed; None: the source gives none
    segment: str | None
    providers: int
    offers: int
    proxy_note: str | None = None  # "no Akash price for RTX4090-24GB: community-marketplace median used instead"

    def as_dict(self) -> dict:
        return asdict(self)


_SEGMENT_ADJECTIVES = {
    "community_marketplace": "community-marketplace",
    "datacenter_marketplace": "data-centre-marketplace",
    "depin_network": "DePIN-network",
    "neocloud": "neocloud",
    "hyperscaler": "hyperscaler",
}


def segment_name(segment: str) -> str:
    """'community-marketplace', as in 'community-marketplace median'."""
    return _SEGMENT_ADJECTIVES.get(segment, segment)


def compatible_offers(offers: pd.DataFrame, spec: pd.Series) -> tuple[pd.DataFrame, str | None]:
    """Offers of exactly this GPU; else, for a network's own price, offers of the same family and memory whose
    source does not state the form factor (e.g. 'H100-80GB' for H100-SXM-80GB), never another variant."""
    exact = offers[offers["gpu_model"] == spec["model_key"]]
    if not exact.empty:
        return exact, spec["model_key"]
    unstated = f"{spec['family']}-{int(spec['vram_gb'])}GB"
    loose = offers[offers["gpu_model"] == unstated]
    return (loose, unstated) if not loose.empty else (offers.iloc[0:0], None)


def network_price(offers: pd.DataFrame, network_id: str, label: str, spec: pd.Series) -> PriceDefault | None:
    """The network's own latest firm price for this GPU (median of the rows of its latest observation day)."""
    own = offers[offers["provider"] == network_id]
    matched, model = compatible_offers(own, spec)
    if matched.empty:
        return None
    floor = (
        matched["flags"].map(lambda f: f is not None and "min_live_offer" in list(f)) if "flags" in matched else None
    )
    if floor is not None and (~floor).any():
        matched = matched[~floor]  # a minimum live offer is a floor, not a typical price: used only if alone
    dates = pd.to_datetime(matched["price_date"], errors="coerce")
    latest = matched[dates == dates.max()] if dates.notna().any() else matched
    price_date = dates.max().date().isoformat() if dates.notna().any() else None
    price = float(latest["price_per_gpu_hour_usd"].median())
    kinds = ", ".join(sorted(k.replace("_", "-") for k in latest["pricing_kind"].unique()))
    sources = sorted(latest["source"].unique())
    datasets = sorted(latest["dataset_id"].dropna().unique())
    form = "" if model == spec["model_key"] else f" (listed as {model}: the source does not state the form factor)"
    rows = f"median of {len(latest)} rows" if len(latest) > 1 else "one row"
    if floor is not None and floor.all():
        rows += ", the minimum live offer (a floor, not a typical price)"
    return PriceDefault(
        price,
        "network",
        network_id,
        spec["model_key"],
        model,
        f"{label}'s own {kinds} price for {model}{form}, {rows}, from {', '.join(sources)} "
        f"(dataset {', '.join(datasets) or 'n/a'}, observed {price_date or 'on a date the source does not give'})",
        sources,
        datasets,
        price_date,
        str(latest["segment"].iloc[0]) if "segment" in latest and latest["segment"].notna().any() else None,
        1,
        len(latest),
    )


def proxy_price(offers: pd.DataFrame, spec: pd.Series, segment: str, exclude_provider: str | None = None):
    """(PriceDefault or None, reason): the two-stage median of one segment's offers of exactly this GPU."""
    subset = offers[(offers["segment"] == segment) & (offers["gpu_model"] == spec["model_key"])]
    if exclude_provider:
        subset = subset[subset["provider"] != exclude_provider]
    median = two_stage(subset)
    if median.median_usd is None:
        return None, f"{segment_name(segment)} median withheld: {median.withheld_reason}"
    dates = pd.to_datetime(subset["price_date"], errors="coerce")
    oldest = dates.min().date().isoformat() if dates.notna().any() else None
    sources = sorted(subset["source"].unique())
    datasets = sorted(subset["dataset_id"].dropna().unique())
    undated = int(dates.isna().sum())
    dated = f"prices observed from {oldest}" if oldest else "undated prices"
    if oldest and undated:
        dated += f" ({undated} undated)"
    return (
        PriceDefault(
            median.median_usd,
            "proxy",
            "",
            spec["model_key"],
            spec["model_key"],
            f"{SEGMENT_LABELS.get(segment, segment)} two-stage median for {spec['model_key']}: median per provider, "
            f"then across {median.providers} providers ({median.offers} offers; {', '.join(sources)}; {dated})",
            sources,
            datasets,
            oldest,
            segment,
            median.providers,
            median.offers,
        ),
        None,
    )


def default_price(
    store: Store, spec: pd.Series, network_id: str, network: dict, proxy_segment: str | None = None
) -> PriceDefault:
    """The network's own price for this GPU, else a labelled proxy from the chosen segment (then PROXY_ORDER)."""
    chosen = proxy_segment or network.get("proxy_segment") or DEFAULT_PROXY_SEGMENT
    if chosen not in PROXY_ORDER:
        raise ValueError(f"unknown segment {chosen!r}; known: {', '.join(PROXY_ORDER)}")
    offers = queries.latest_offers(store, pricing_kinds=queries.FIRM_PRICING_KINDS)
    label = network.get("label", network_id)
    provider = network.get("provider")
    if provider:
        own = network_price(offers, provider, label, spec)
        if own is not None:
            own.network = network_id
            return own
    missing = f"no {label} price for {spec['model_key']}" if provider else f"{label} has no price source"
    skipped = []
    for segment in (chosen, *(s for s in PROXY_ORDER if s != chosen)):
        found, reason = proxy_price(offers, spec, segment, exclude_provider=provider)
        if found is None:
            skipped.append(reason)
            continue
        found.network = network_id
        detour = f" ({'; '.join(skipped)})" if skipped else ""
        found.proxy_note = f"{missing}: {segment_name(segment)} median used instead{detour}"
        found.source = f"proxy: {found.source}"
        return found
    return PriceDefault(
        None,
        "none",
        network_id,
        spec["model_key"],
        None,
        f"{missing}, and no segment has a median for it ({'; '.join(skipped)})",
        [],
        [],
        None,
        None,
        0,
        0,
        f"{missing} and no proxy",
    )


def stale_warning(what: str, as_of: str | None, today: date, *, undated_note: str | None = None) -> dict | None:
    """A warning when the data behind a figure is more than STALE_AFTER_DAYS older than today."""
    if as_of is None:
        if undated_note is None:
            return None
        return {"input": what, "as_of": None, "age_days": None, "message": undated_note}
    age = (today - date.fromisoformat(str(as_of)[:10])).days
    if age <= STALE_AFTER_DAYS:
        return None
    return {
        "input": what,
        "as_of": str(as_of)[:10],
        "age_days": age,
        "message": f"{what} is from {str(as_of)[:10]}, {age} days before today (stale after {STALE_AFTER_DAYS} days)",
    }
