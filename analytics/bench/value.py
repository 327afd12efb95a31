"""What a unit of work costs per market: measured (or reference) throughput joined with the latest offers of
the same canonical GPU model. Always says where each throughput figure comes from."""

from __future__ import annotations

import pandas as pd

from analytics import queries
from analytics.metrics.earnings import gpu_specs
from analytics.paths import bundled_data_dir
from analytics.store import Store

# Preference when a model has several figures: our own measurement, then a published measurement, then the
# spec sheet (an upper bound nobody reaches: labelled as such).
ORIGIN_RANK = {"measured here": 0, "reference measurement": 1, "spec-sheet peak (not measured)": 2}


def reference_results() -> pd.DataFrame:
    return pd.read_csv(bundled_data_dir() / "gpu_reference_results.csv")


def throughput_figures(store: Store) -> pd.DataFrame:
    """Every throughput figure we have: model_key, metric (matmul bf16 | memory_bandwidth), value, origin."""
    rows = []
    if store.exists():
        local = store.query_df(
            """
            SELECT r.run_id, b.gpu_model, b.device_name, b.started_at, r.metric, max(r.best) AS best
            FROM bench_results r JOIN bench_runs b USING (run_id)
            WHERE b.device_kind = 'cuda' AND b.gpu_model IS NOT NULL
              AND ((r.metric = 'matmul' AND r.dtype = 'bf16') OR r.metric = 'memory_bandwidth')
            GROUP BY ALL
            """
        )
        for r in local.itertuples():
            rows.append(
                {
                    "model_key": r.gpu_model,
                    "metric": r.metric,
                    "value": r.best,
                    "origin": "measured here",
                    "source": f"run {r.run_id} on {r.device_name} ({r.started_at:%Y-%m-%d})",
                }
            )
    for r in reference_results().itertuples():
        if r.metric == "matmul" and r.dtype != "bf16":
            continue
        rows.append(
            {
                "model_key": r.model_key,
                "metric": r.metric,
                "value": float(r.value),
                "origin": "reference measurement",
                "source": f"{r.source}: {r.method}",
            }
        )
    for r in gpu_specs().itertuples():
        rows.append(
            {
                "model_key": r.model_key,
                "metric": "matmul",
                "value": float(r.bf16_fp16_dense_tflops),
                "origin": "spec-sheet peak (not measured)",
                "source": r.source,
            }
        )
        rows.append(
            {
                "model_key": r.model_key,
                "metric": "memory_bandwidth",
                "value": float(r.memory_bandwidth_gbps),
                "origin": "spec-sheet peak (not measured)",
                "source": r.source,
            }
        )
    frame = pd.DataFrame(rows)
    frame["rank"] = frame["origin"].map(ORIGIN_RANK)
    return frame


def best_figure(figures: pd.DataFrame, gpu_model: str, metric: str) -> pd.Series | None:
    """The most trustworthy figure that applies to an offer's model: a measurement of the model, or of a
    less specific key that covers it (A100-PCIE covers A100-PCIE-80GB), before any spec-sheet peak."""
    candidates = figures[(figures["metric"] == metric) & figures["model_key"].map(lambda k: _matches(gpu_model, k))]
    if candidates.empty:
        return None
    ordered = candidates.assign(specific=candidates["model_key"].str.len()).sort_values(
        ["rank", "specific", "value"], ascending=[True, False, False]
    )
    return ordered.iloc[0]


def throughput_table(store: Store) -> pd.DataFrame:
    """One row per model key we have figures for: the best bf16 TFLOP/s and copy GB/s with origins."""
    figures = throughput_figures(store)
    rows = []
    for key in sorted(figures["model_key"].unique()):
        row = {"model_key": key}
        for metric, column in (("matmul", "bf16_tflops"), ("memory_bandwidth", "copy_gbps")):
            best = best_figure(figures, key, metric)
            row[column] = None if best is None else best["value"]
            row[f"{column}_origin"] = None if best is None else best["origin"]
            row[f"{column}_source"] = None if best is None else best["source"]
        rows.append(row)
    return pd.DataFrame(rows)


def _matches(offer_model: str, key: str) -> bool:
    return offer_model == key or offer_model.startswith(key + "-")


def cost_per_work(store: Store, *, include_spec_peaks: bool = True) -> tuple[pd.DataFrame, int]:
    """(ranking, offers left out): the cheapest firm price per provider and GPU model turned into USD per
    PFLOP-hour of bf16 work and USD per TB moved, cheapest work first. Offers whose model has no figure (an
    H100 of unknown form factor, say) are left out rather than guessed, and counted."""
    figures = throughput_figures(store)
    if not include_spec_peaks:
        figures = figures[figures["origin"] != "spec-sheet peak (not measured)"]
    offers = queries.latest_offers(store, pricing_kinds=queries.FIRM_PRICING_KINDS)
    offers = offers[offers["gpu_model"].notna()].assign(via=lambda f: f["via"].fillna("direct"))
    cheapest = offers.groupby(["provider", "via", "market_model", "gpu_model", "pricing_kind"], as_index=False).agg(
        price_per_gpu_hour_usd=("price_per_gpu_hour_usd", "min"),
        offers=("offer_id", "count"),
        source=("source", "first"),
    )
    rows, left_out = [], 0
    for offer in cheapest.itertuples():
        compute = best_figure(figures, offer.gpu_model, "matmul")
        memory = best_figure(figures, offer.gpu_model, "memory_bandwidth")
        if compute is None:
            left_out += offer.offers
            continue
        rows.append(
            {
                **offer._asdict(),
                "bf16_tflops": compute["value"],
                "usd_per_pflop_hour_bf16": offer.price_per_gpu_hour_usd / (compute["value"] / 1000),
                "copy_gbps": None if memory is None else memory["value"],
                "usd_per_tb_moved": None if memory is None else offer.price_per_gpu_hour_usd / (memory["value"] * 3.6),
                # a TB costs hundredths of a cent: per petabyte the figures read as dollars and cents
                "usd_per_pb_moved": None
                if memory is None
                else 1000 * offer.price_per_gpu_hour_usd / (memory["value"] * 3.6),
                "throughput_origin": compute["origin"],
                "throughput_source": compute["source"],
            }
        )
    ranking = pd.DataFrame(rows).drop(columns="Index", errors="ignore")
    if not ranking.empty:
        ranking = ranking.sort_values("usd_per_pflop_hour_bf16", ignore_index=True)
    return ranking, left_out
