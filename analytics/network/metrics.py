"""Reading network metrics back from the store: one value per date, with its source, date and flags."""

from __future__ import annotations

import pandas as pd

from analytics.store import Store

LIVE_SOURCES = ("akash_network",)  # preferred over a bundled file for the same date

# The demand-side revenue series of each network (USD per day), and why a network has none.
DEMAND_METRIC = {"aethir": "revenue_usd", "akash": "daily_spend_usd"}
NO_DEMAND_REASON = {
    "ionet": "no demand or revenue source: io.net publishes no revenue API we can read without a key, and no "
    "bundled dataset carries io.net revenue",
    "render": "no demand or burn source: Render's job/burn statistics API is undocumented and no bundled dataset "
    "carries Render burns or revenue (1kx's Render file is emissions only)",
}
TOKEN = {"akash": "AKT", "aethir": "ATH", "ionet": "IO", "render": "RENDER"}
NAMES = {"akash": "Akash Network", "aethir": "Aethir", "ionet": "io.net", "render": "Render Network"}


def network_metrics(store: Store, network: str) -> pd.DataFrame:
    """Every stored metric row of one network (all sources), oldest first."""
    frame = store.query_df(
        """
        SELECT m.network, m.metric, m.dimension, m.date, m.period, m.value, m.unit, m.source, m.dataset_id,
               m.observed_at, m.flags, d.source_url, d.title AS dataset_title
        FROM network_metrics m LEFT JOIN datasets d USING (dataset_id)
        WHERE m.network = ?
        ORDER BY m.metric, m.dimension, m.date
        """,
        [network],
    )
    if not frame.empty:
        frame["date"] = pd.to_datetime(frame["date"]).dt.date
        frame["flags"] = frame["flags"].apply(lambda f: list(f) if f is not None else [])
    return frame


def one_per_date(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (metric, dimension, date): the live collector before a bundled file, then the latest."""
    if rows.empty:
        return rows
    ranked = rows.assign(_live=rows["source"].isin(LIVE_SOURCES))
    ranked = ranked.sort_values(["_live", "observed_at"], ascending=False)
    ranked = ranked.drop_duplicates(subset=["metric", "dimension", "date"], keep="first")
    return ranked.drop(columns="_live").sort_values(["metric", "dimension", "date"], ignore_index=True)


def series(rows: pd.DataFrame, metric: str, dimension: str = "") -> pd.DataFrame:
    """One metric's dated values (one per date), oldest first."""
    if rows.empty:
        return rows
    chosen = one_per_date(rows[(rows["metric"] == metric) & (rows["dimension"] == dimension)])
    return chosen.reset_index(drop=True)


def utilisation(rows: pd.DataFrame) -> pd.DataFrame:
    """Network GPU utilisation per date: the collector's leased/total from gpu-breakdown where stored, else
    active (leased) GPUs / total GPUs read on the same date."""
    stored = series(rows, "gpu_utilization")
    out = [] if stored.empty else [stored[["date", "value", "source"]].assign(basis="leased / total GPUs")]
    active, total = series(rows, "active_gpus"), series(rows, "total_gpus")
    if not active.empty and not total.empty:
        both = active.merge(total, on="date", suffixes=("_active", "_total"))
        both = both[both["value_total"] > 0]
        if not both.empty:
            derived = pd.DataFrame(
                {
                    "date": both["date"],
                    "value": both["value_active"] / both["value_total"],
                    "source": both["source_active"],
                    "basis": "active GPUs / total GPUs",
                }
            )
            out.append(derived)
    if not out:
        return pd.DataFrame(columns=["date", "value", "source", "basis"])
    merged = pd.concat(out, ignore_index=True).drop_duplicates(subset=["date"], keep="first")
    return merged.sort_values("date", ignore_index=True)
