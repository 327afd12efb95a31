"""`depin status`: what the database holds, where it came from, and how fresh it is."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd

from analytics import queries
from analytics.metrics.overview import freshness
from analytics.store import Store


def _jsonable(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = frame.astype(object).where(frame.notna(), None)
    records = out.to_dict(orient="records")
    for record in records:
        for key, value in record.items():
            if isinstance(value, pd.Timestamp | datetime):
                record[key] = value.isoformat()
    return records


def status_report(store: Store, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC).replace(tzinfo=None)
    offer_sources = queries.offer_sources(store)
    series = queries.candle_series(store)
    datasets = queries.datasets(store)
    runs = queries.last_runs(store, limit=50)
    offers = queries.latest_offers(store)
    fresh = freshness(offer_sources, series, now, datasets, int(offers["price_date"].isna().sum()))
    catalog = datasets["dataset_id"].str.startswith("skypilot_catalog:")
    listed_by = datasets.loc[catalog, "dataset_id"].str.split(":").str[-1]
    last_run = runs.iloc[0] if not runs.empty else None
    return {
        "database": store.display_name,
        "store": store.describe(),
        "schema_version": store.schema_version(),
        "tables": queries.table_counts(store),
        "offers": {
            "rows": int(offer_sources["rows"].sum()) if not offer_sources.empty else 0,
            "latest_offers": len(offers),
            "snapshot_providers": sorted(listed_by.tolist()),
            "providers": sorted(offers["provider"].unique().tolist()),
            "by_source": _jsonable(offer_sources),
        },
        "candles": _jsonable(series),
        "datasets": _jsonable(datasets),
        "last_refresh": None
        if last_run is None
        else {
            "run_id": last_run["run_id"],
            "trigger": last_run["trigger"],
            "finished_at": None if pd.isna(last_run["finished_at"]) else last_run["finished_at"].isoformat(),
            "status": last_run["run_status"],
        },
        "sources": _jsonable(
            runs.drop_duplicates("source")[
                ["source", "status", "started_at", "rows_added", "rows_quarantined", "message"]
            ]
        )
        if not runs.empty
        else [],
        "freshness": {
            "bundled_only": fresh.bundled_only,
            "newest_price_date": fresh.newest_price_date,
            "offers_age_days": fresh.offers_age_days,
            "undated_offers": fresh.undated_offers,
            "last_network_refresh": fresh.last_network_refresh,
            "candles_last": fresh.candles_last,
            "candles_age_days": fresh.candles_age_days,
            "message": fresh.message,
        },
    }
