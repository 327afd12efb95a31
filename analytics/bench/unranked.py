"""The offers the cost-per-work ranking leaves out, grouped by GPU model with the reason, so the page can show
them instead of a bare count in a caption."""

from __future__ import annotations

import pandas as pd

from analytics import queries
from analytics.bench.value import _matches, throughput_figures
from analytics.store import Store

SPEC_ONLY = "spec-sheet peak (not measured)"
FORM_FACTORS = ("SXM", "PCIE", "NVL")


def unranked_offers(store: Store, *, include_spec_peaks: bool = True) -> pd.DataFrame:
    """One row per GPU model (or raw name when unrecognised) whose firm offers are not ranked: offers,
    providers, the cheapest price and why. Sorted by the number of offers left out."""
    figures = throughput_figures(store)
    usable = figures if include_spec_peaks else figures[figures["origin"] != SPEC_ONLY]
    offers = queries.latest_offers(store, pricing_kinds=queries.FIRM_PRICING_KINDS)
    label = offers["gpu_model"].fillna(offers.get("gpu_name_raw", "unknown"))
    grouped = (
        offers.assign(gpu=label, recognised=offers["gpu_model"].notna())
        .groupby(["gpu", "recognised"], as_index=False)
        .agg(
            offers=("offer_id", "count"),
            providers=("provider", "nunique"),
            cheapest_usd_per_gpu_hour=("price_per_gpu_hour_usd", "min"),
        )
    )
    keys = set(figures["model_key"])
    usable_matmul = usable[usable["metric"] == "matmul"]
    rows = []
    for row in grouped.itertuples(index=False):
        if row.recognised and usable_matmul["model_key"].map(lambda k, gpu=row.gpu: _matches(gpu, k)).any():
            continue  # ranked
        rows.append({**row._asdict(), "reason": _reason(row.gpu, row.recognised, keys, figures, include_spec_peaks)})
    columns = ["gpu", "offers", "providers", "cheapest_usd_per_gpu_hour", "reason"]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(rows)[columns].sort_values(["offers", "gpu"], ascending=[False, True], ignore_index=True)


def _reason(gpu: str, recognised: bool, keys: set[str], figures: pd.DataFrame, include_spec: bool) -> str:
    if not recognised:
        return "GPU name not recognised: no canonical model to look up"
    family = gpu.split("-")[0]
    variants = sorted(k for k in keys if k.split("-")[0] == family and not _matches(gpu, k))
    if variants:
        listed = ", ".join(variants[:3])
        if not any(f"-{form}" in gpu for form in FORM_FACTORS) and any(
            f"-{form}" in k for k in variants for form in FORM_FACTORS
        ):
            return f"form factor not stated: figures exist for {listed}, which differ by up to 60 %"
        return f"no figure for this exact model; figures exist for {listed} (not assumed equal)"
    spec = figures[(figures["origin"] == SPEC_ONLY) & figures["model_key"].map(lambda k: _matches(gpu, k))]
    if not include_spec and not spec.empty:
        return "only a spec-sheet peak exists (tick the box above to rank it, optimistically)"
    return "no throughput figure for this GPU (no measurement, reference run or spec sheet)"
