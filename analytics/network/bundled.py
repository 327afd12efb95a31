"""The bundled network files (data/network/, provenance in its README) -> `network_metrics` rows.

Each file has a pure parser returning rows in whole units; `load_network_files` writes them with one
`datasets` record per file, inside the caller's transaction. Quirks handled here: micro-units (uUSD, uAKT:
divided by 1e6), newest-first ordering, the partial last day of a capture (flagged `partial_day`), numbers
with thousands separators, `$` and `%` inside quotes, month labels written three ways.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from analytics.store.writes import upsert

QUOKIT_REPO, QUOKIT_COMMIT = "aabdel0181/quok.it", "4dbb99f0acc4677fb6e9f402a910003c6874c26f"
ONEKX_REPO, ONEKX_COMMIT = "1kx-network/depin_tokenomics", "ff2e88169f2aed7821e87b29d41f2f172d96455d"
# quok.it's Aethir files carry no capture time; its commit (2025-01-10T20:02:50-05:00) is the latest it can be.
QUOKIT_COMMITTED_AT = datetime(2025, 1, 11, 1, 2, 50)
ONEKX_COMMITTED_AT = datetime(2025, 3, 17)
MICRO = 1e6

COLUMNS = ["network", "metric", "dimension", "date", "period", "value", "unit", "source", "dataset_id"]


def number(text: str | None) -> float | None:
    """'"1,247,905.58"', '$2.80', '54.00%' (-> 0.54), '' (-> None)."""
    if text is None:
        return None
    cleaned = text.strip().replace(",", "").replace("$", "")
    if not cleaned:
        return None
    if cleaned.endswith("%"):
        return float(cleaned[:-1]) / 100
    return float(cleaned)


def month_start(label: str) -> date:
    """'Oct 2020', '2024-2', '2024-02', '06/2024' -> the first day of that month."""
    label = label.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", label):
        return date(int(m[1]), int(m[2]), 1)
    if m := re.fullmatch(r"(\d{1,2})/(\d{4})", label):
        return date(int(m[2]), int(m[1]), 1)
    return datetime.strptime(label, "%b %Y").date()


def _row(network, metric, day, period, value, unit, dataset_id, observed_at, flags=(), dimension="", source=None):
    return {
        "network": network,
        "metric": metric,
        "dimension": dimension,
        "date": day,
        "period": period,
        "value": float(value),
        "unit": unit,
        "source": source or dataset_id.split(":")[1],
        "dataset_id": dataset_id,
        "observed_at": observed_at,
        "flags": list(flags),
    }


def aethir_revenue(text: str) -> list[dict]:
    """Daily network revenue in ATH and USD; the newest day of the capture is partial."""
    records = sorted(csv.DictReader(io.StringIO(text)), key=lambda r: r["date"])  # the file is newest first
    last = records[-1]["date"] if records else None
    rows = []
    for r in records:
        day = date.fromisoformat(r["date"])
        flags = ["partial_day"] if r["date"] == last else []
        ds = "network:quokit:aethir_historical_revenue"
        at = QUOKIT_COMMITTED_AT
        rows.append(_row("aethir", "revenue_tokens", day, "day", number(r["revenue"]), "ATH", ds, at, flags))
        rows.append(_row("aethir", "revenue_usd", day, "day", number(r["usdValue"]), "USD", ds, at, flags))
    return rows


def aethir_compute_hours(text: str) -> list[dict]:
    ds = "network:quokit:aethir_weekly_compute_hours"
    return [
        _row("aethir", "compute_hours", date.fromisoformat(r["startDate"][:10]), "week", number(r["total"]), "hours",
             ds, QUOKIT_COMMITTED_AT)
        for r in csv.DictReader(io.StringIO(text))
    ]  # fmt: skip


def _akash_reading(reading: dict, ds: str) -> list[dict]:
    """One `now` or `compare` block of Akash's dashboard-data (micro-units, daily values = rolling 24 h)."""
    at = _timestamp(reading["date"])
    day = at.date()
    rolling = ["rolling_24h"]
    fields = [
        ("dailyUUsdSpent", "daily_spend_usd", "day", "USD", MICRO, rolling),
        ("dailyUAktSpent", "daily_spend_akt", "day", "AKT", MICRO, rolling),
        ("dailyUUsdcSpent", "daily_spend_usdc", "day", "USDC", MICRO, rolling),
        ("totalUUsdSpent", "total_spend_usd", "instant", "USD", MICRO, []),
        ("dailyLeaseCount", "daily_new_leases", "day", "leases", 1, rolling),
        ("activeLeaseCount", "active_leases", "instant", "leases", 1, []),
        ("activeGPU", "active_gpus", "instant", "GPUs", 1, []),
    ]
    return [
        _row("akash", metric, day, period, reading[key] / scale, unit, ds, at, flags)
        for key, metric, period, unit, scale, flags in fields
        if reading.get(key) is not None
    ]


def _timestamp(text: str) -> datetime:
    return pd.Timestamp(text).tz_convert("UTC").tz_localize(None).to_pydatetime()


def akash_dashboard(text: str) -> list[dict]:
    """quok.it's saved Akash `dashboard-data` response (2025-01-02): two readings, capacity, provider series."""
    ds = "network:quokit:akash_response"
    data = json.loads(text)
    rows = _akash_reading(data["now"], ds) + _akash_reading(data["compare"], ds)
    at = _timestamp(data["now"]["date"])
    capacity = data.get("networkCapacity") or {}
    for key, metric, unit in (("totalGPU", "total_gpus", "GPUs"), ("availableGPU", "available_gpus", "GPUs"),
                              ("activeProviderCount", "active_providers", "providers")):  # fmt: skip
        if capacity.get(key) is not None:
            rows.append(_row("akash", metric, at.date(), "instant", capacity[key], unit, ds, at))
    if (inflation := (data.get("chainStats") or {}).get("inflation")) is not None:
        rows.append(_row("akash", "inflation_rate", at.date(), "instant", inflation, "ratio", ds, at))
    stats = data.get("networkCapacityStats") or {}
    for point in stats.get("snapshots") or []:
        day = _timestamp(point["date"]).date()
        rows.append(_row("akash", "active_providers", day, "day", point["value"], "providers", ds, at))
    return rows


def akash_summary(text: str) -> list[dict]:
    """quok.it's one-line Akash summary of 2025-01-06 (daily and total spend in uUSD)."""
    ds = "network:quokit:akash_summary"
    rows = []
    for r in csv.DictReader(io.StringIO(text)):
        at = _timestamp(r["date"])
        day = at.date()
        rows += [
            _row("akash", "active_gpus", day, "instant", number(r["active_gpu_capacity"]), "GPUs", ds, at),
            _row("akash", "available_gpus", day, "instant", number(r["available_gpu"]), "GPUs", ds, at),
            _row("akash", "active_leases", day, "instant", number(r["active_leases"]), "leases", ds, at),
            _row("akash", "daily_spend_usd", day, "day", number(r["daily_earnings_usd"]) / MICRO, "USD", ds, at,
                 ["rolling_24h"]),
            _row("akash", "total_spend_usd", day, "instant", number(r["protocol_earnings_usd"]) / MICRO, "USD", ds, at),
            _row("akash", "active_providers", day, "instant", number(r["active_provider_count"]), "providers", ds, at),
        ]  # fmt: skip
        # `staked_compute_providers` is the chain's bonded stake in uAKT (the column is misnamed): not loaded.
    return rows


def _monthly(network, token, records, month_key, fields, ds, partial_months=()) -> list[dict]:
    rows = []
    for r in records:
        month = month_start(r[month_key])
        flags = ["partial_month"] if month in partial_months else []
        values = {metric: number(r.get(column)) for metric, column, _ in fields}
        for metric, _, unit in fields:
            if values[metric] is not None:
                unit = token if unit == "token" else unit
                rows.append(_row(network, metric, month, "month", values[metric], unit, ds, ONEKX_COMMITTED_AT, flags))
        tokens, price = values.get("emissions_tokens"), values.get("token_price_usd")
        if values.get("emissions_usd") is None and tokens is not None and price is not None:
            rows.append(_row(network, "emissions_usd", month, "month", tokens * price, "USD", ds, ONEKX_COMMITTED_AT,
                             [*flags, "derived_usd"]))  # fmt: skip
    return rows


def onekx_akash(text: str) -> list[dict]:
    fields = [
        ("emissions_tokens", "token rewards (AKT) (delta circ_supply - onetime mints)", "token"),
        ("emissions_usd", "token rewards ($)", "USD"),
        ("token_price_usd", "$-price", "USD"),
        ("inflation_minted_tokens", "AKT Mined (Est.)", "token"),
    ]
    records = list(csv.DictReader(io.StringIO(text)))
    return _monthly("akash", "AKT", records, "Date", fields, "network:1kx:akash_rewards")


def onekx_render(text: str) -> list[dict]:
    # 1kx's "rewards $" is rewards CLAIMED x price, not the emission: kept as its own metric.
    fields = [
        ("emissions_tokens", "node operator rewards + compute client rewards per RNP 006", "token"),
        ("token_price_usd", "$ price", "USD"),
        ("rewards_claimed_tokens", "rewards claimed", "token"),
        ("rewards_claimed_usd", "rewards $", "USD"),
        ("nodes_rewarded", "# nodes", "nodes"),
    ]
    records = list(csv.DictReader(io.StringIO(text)))
    return _monthly("render", "RENDER", records, "month", fields, "network:1kx:render_rewards")


def onekx_ionet(text: str) -> list[dict]:
    fields = [
        ("emissions_tokens", "block rewards", "token"),
        ("emissions_usd", "$rewards", "USD"),
        ("token_price_usd", "$ price", "USD"),
        ("workers_paid", "nodes (unique workers paid)", "workers"),
    ]
    records = list(csv.DictReader(io.StringIO(text)))
    return _monthly("ionet", "IO", records, "month", fields, "network:1kx:ionet_rewards", (date(2025, 2, 1),))


# file -> (parser, dataset record without the computed fields)
FILES: dict[str, tuple[Callable[[str], list[dict]], dict]] = {
    "aethir_historical_revenue.csv": (aethir_revenue, {
        "repo": QUOKIT_REPO, "commit": QUOKIT_COMMIT, "path": "data/aethir_historical_revenue.csv",
        "title": "Aethir daily network revenue (ATH and USD)", "publisher": "Aethir protocol dashboard via quok.it",
        "notes": "Newest first in the file; gap 2024-07-23..25; under $10/day until 2024-08-08; the last day "
                 "(2025-01-06) is partial and flagged. Licence: none (all rights reserved), cited."}),
    "aethir_weekly_compute_hours.csv": (aethir_compute_hours, {
        "repo": QUOKIT_REPO, "commit": QUOKIT_COMMIT, "path": "data/aethir_weekly_compute_hours.csv",
        "title": "Aethir weekly compute hours", "publisher": "Aethir protocol dashboard via quok.it",
        "notes": "Weeks Monday-Sunday, dated by their first day. Licence: none (all rights reserved), cited."}),
    "akash_response.json": (akash_dashboard, {
        "repo": QUOKIT_REPO, "commit": QUOKIT_COMMIT, "path": "data-room/akash_response.json",
        "title": "Akash Console dashboard-data response of 2025-01-02", "publisher": "Akash Console API via quok.it",
        "notes": "Micro-units (uUSD, uAKT) divided by 1e6; daily values are the 24 h before each reading; "
                 "665 daily active-provider counts. Licence: none (all rights reserved), cited."}),
    "akash.csv": (akash_summary, {
        "repo": QUOKIT_REPO, "commit": QUOKIT_COMMIT, "path": "data/akash.csv",
        "title": "Akash network summary of 2025-01-06", "publisher": "Akash Console API via quok.it",
        "notes": "daily_earnings_usd and protocol_earnings_usd are in uUSD (divided by 1e6); "
                 "staked_compute_providers is bonded uAKT, not loaded. Licence: none, cited."}),
    "akash_data_rewards.csv": (onekx_akash, {
        "repo": ONEKX_REPO, "commit": ONEKX_COMMIT, "path": "akash/csvs/akash_data_rewards.csv",
        "title": "Akash monthly token rewards (1kx estimates)", "publisher": "1kx",
        "notes": "Estimates from mintscan/cloudmos; USD given to 2023-04, later months derived as tokens x 1kx's "
                 "monthly price (flag derived_usd). Licence: none (all rights reserved), cited."}),
    "render_rewards_data.csv": (onekx_render, {
        "repo": ONEKX_REPO, "commit": ONEKX_COMMIT, "path": "render/csvs/render_rewards_data.csv",
        "title": "Render monthly rewards per RNP-006 (1kx)", "publisher": "1kx",
        "notes": "Emissions = node operator + compute client rewards; 1kx's 'rewards $' is rewards claimed x "
                 "price (kept as rewards_claimed_usd); emissions USD derived. Licence: none, cited."}),
    "ionet_rewards_data.csv": (onekx_ionet, {
        "repo": ONEKX_REPO, "commit": ONEKX_COMMIT, "path": "ionet/csvs/ionet_rewards_data.csv",
        "title": "io.net monthly block rewards (1kx)", "publisher": "1kx",
        "notes": "2025-02 is a partial month (flagged); worker counts are round, approximate. Licence: none, cited."}),
}  # fmt: skip


def network_rows(data_dir: Path, loaded_at: datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(network_metrics rows, datasets rows) of every bundled network file."""
    frames, datasets = [], []
    for name, (parser, meta) in FILES.items():
        path = data_dir / "network" / name
        raw = path.read_bytes()
        frame = pd.DataFrame.from_records(parser(raw.decode("utf-8")))
        frames.append(frame)
        days = pd.to_datetime(frame["date"])
        datasets.append(
            {
                "dataset_id": frame["dataset_id"].iloc[0],
                "kind": "network_metrics",
                "title": meta["title"],
                "publisher": meta["publisher"],
                "source_repo": meta["repo"],
                "source_path": meta["path"],
                "source_commit": meta["commit"],
                "source_url": f"https://github.com/{meta['repo']}/blob/{meta['commit']}/{meta['path']}",
                "as_of": days.max().strftime("%Y-%m-%d"),
                "notes": meta["notes"],
                "file_sha256": hashlib.sha256(raw).hexdigest(),
                "row_count": len(frame),
                "first_ts": days.min(),
                "last_ts": days.max(),
                "loaded_at": loaded_at,
            }
        )
    return pd.concat(frames, ignore_index=True), pd.DataFrame.from_records(datasets)


def load_network_files(conn, data_dir: Path, loaded_at: datetime) -> int:
    """Upsert the bundled network metrics and their provenance (in the caller's transaction)."""
    rows, datasets = network_rows(data_dir, loaded_at)
    added = upsert(conn, "network_metrics", rows)
    stored = dict(conn.execute("SELECT dataset_id, file_sha256 FROM datasets").fetchall())
    pairs = zip(datasets["dataset_id"], datasets["file_sha256"], strict=True)
    changed = datasets[[stored.get(dataset) != sha for dataset, sha in pairs]]
    upsert(conn, "datasets", changed)
    return added
