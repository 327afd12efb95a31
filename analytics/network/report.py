"""Everything DePIN Lens knows about one network's economics, as plain data for the CLI, the page and due
diligence: demand and supply series, monthly emissions from both sources, coverage ratios, and a stated
reason wherever one side is missing."""

from __future__ import annotations

import copy
import math
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from analytics.network import NETWORKS, coverage, emissions, metrics
from analytics.store import Store

SERIES_METRICS = (
    "revenue_usd", "revenue_tokens", "daily_spend_usd", "daily_spend_akt", "active_leases", "daily_new_leases",
    "active_gpus", "total_gpus", "available_gpus", "active_providers", "compute_hours", "daily_akt_burned_for_act",
    "daily_net_akt_burned", "workers_paid", "nodes_rewarded",
)  # fmt: skip
STALE_AFTER_DAYS = 365


class UnknownNetworkError(ValueError):
    pass


def _closes(store: Store, token: str) -> pd.Series | None:
    from analytics.token_report import token_close_series

    found = token_close_series(store, token)
    closes = found[0] if found else None
    if token == "RENDER":  # before the 2024-07 migration the token traded as RNDR (1:1)
        old = token_close_series(store, "RNDR")
        if old is not None:
            closes = old[0] if closes is None else closes.combine_first(old[0])
    return closes


def _market_snapshot(store: Store, token: str) -> dict | None:
    from analytics.token_report import latest_market_snapshots

    snaps = latest_market_snapshots(store)
    mine = snaps[snaps["token"] == token] if not snaps.empty else snaps
    return None if mine.empty else mine.iloc[0].to_dict()


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    return [] if frame.empty else frame[columns].to_dict("records")


_MEMO: dict[tuple, dict] = {}


def _database_version(store: Store) -> tuple | None:
    """Changes whenever the database file or its write-ahead log is written; None where the store is not one
    local file (a DuckLake): no memo there."""
    try:
        database = Path(store.path)
    except AttributeError:
        return None
    if not database.is_file():
        return None
    stamps = []
    for path in (database, Path(f"{database}.wal")):
        stamps.append(path.stat().st_mtime_ns if path.exists() else None)
        stamps.append(path.stat().st_size if path.exists() else None)
    return tuple(stamps)


def network_report(store: Store, network: str, today: date | None = None) -> dict:
    """The report, memoised per database state: due diligence asks for it on every page run."""
    if network not in NETWORKS:
        raise UnknownNetworkError(f"unknown network {network!r}; known: {', '.join(NETWORKS)}")
    today = today or datetime.now().date()
    version = _database_version(store)
    if version is None:
        return _build_report(store, network, today)
    key = (store.locator, version, network, today)
    if key not in _MEMO:
        if len(_MEMO) > 32:
            _MEMO.clear()
        _MEMO[key] = _build_report(store, network, today)
    return copy.deepcopy(_MEMO[key])


def _build_report(store: Store, network: str, today: date) -> dict:
    token = metrics.TOKEN[network]
    rows = metrics.network_metrics(store, network)
    series = {}
    for name in SERIES_METRICS:
        s = metrics.series(rows, name)
        if not s.empty:
            series[name] = _records(s, ["date", "value", "unit", "source", "flags"])
    missing: list[str] = []
    if rows.empty:  # a database upgraded in place has the table but not yet the bundled rows
        missing.append("no network metrics in this database: run `depin init` to load the bundled files")

    demand_metric = metrics.DEMAND_METRIC.get(network)
    revenue = metrics.series(rows, demand_metric) if demand_metric else pd.DataFrame()
    if revenue.empty:
        missing.append(f"demand side: {metrics.NO_DEMAND_REASON.get(network, 'no demand data stored')}")
    supply = None
    snap = _market_snapshot(store, token)
    if snap is not None and snap.get("circulating_supply") and not pd.isna(snap["circulating_supply"]):
        supply = float(snap["circulating_supply"])
    onekx = emissions.onekx_monthly(rows)
    schedule, schedule_reason = emissions.schedule_monthly(network, _closes(store, token), today, supply)
    monthly_emissions = emissions.combined(onekx, schedule)
    if monthly_emissions.empty:
        missing.append(f"emission side: {emissions.NO_EMISSIONS_REASON.get(network, schedule_reason)}")
    elif schedule_reason:
        missing.append(f"schedule emissions: {schedule_reason}")

    if not monthly_emissions.empty:  # a per-day rate puts monthly emissions on the daily revenue's axis
        monthly_emissions["month_end"] = [emissions.month_end(m) for m in monthly_emissions["month"]]
        monthly_emissions["usd_per_day"] = [
            None if pd.isna(usd) else usd / ((emissions.next_month(m) - m).days)
            for m, usd in zip(monthly_emissions["month"], monthly_emissions["usd"], strict=True)
        ]
    monthly = coverage.monthly_coverage(revenue, monthly_emissions) if not revenue.empty else pd.DataFrame()
    days = coverage.complete_days(revenue) if not revenue.empty else revenue
    last_day = days["date"].max() if not days.empty else None
    window = coverage.window_coverage(revenue, monthly_emissions, last_day) if last_day else []
    if not revenue.empty and not monthly_emissions.empty and (monthly.empty or not window):
        spans = ", ".join(
            f"{src} {g['month'].min():%Y-%m}..{g['month'].max():%Y-%m}"
            for src, g in monthly_emissions.dropna(subset=["usd"]).groupby("source")
        )
        what = "no month" if monthly.empty else "no 30-day window ending on the last demand day"
        missing.append(
            f"coverage: {what} has both sides: demand observed {days['date'].min()}..{last_day}; "
            f"emissions in USD {spans or 'none'}"
        )
    annual = coverage.annualised_revenue(revenue, last_day) if last_day else None
    fdv = None
    if snap is not None and annual is not None:
        ratio = coverage.fdv_to_revenue(snap.get("fdv_usd"), annual["usd"])
        if ratio is not None:
            day = pd.Timestamp(snap["snapshot_date"]).date()
            fdv = {"ratio": ratio, "fdv_usd": float(snap["fdv_usd"]), "snapshot_date": day.isoformat()}
    if annual is not None and fdv is None:
        missing.append("FDV / annualised revenue: no CoinGecko snapshot with an FDV (depin refresh --only coingecko)")
    util = metrics.utilisation(rows)
    uptime = None
    if not rows.empty:
        per_provider = rows[(rows["metric"] == "uptime_30d") & (rows["dimension"] != "")]
        per_provider = per_provider.sort_values("date").drop_duplicates("dimension", keep="last")
        if not per_provider.empty:
            uptime = {"median": float(per_provider["value"].median()), "providers": len(per_provider),
                      "date": per_provider["date"].max()}  # fmt: skip
    datasets = []
    if not rows.empty:
        ds = rows.drop_duplicates("dataset_id")
        datasets = [
            {"dataset_id": r.dataset_id, "title": r.dataset_title, "source_url": r.source_url,
             "first_date": rows.loc[rows["dataset_id"] == r.dataset_id, "date"].min(),
             "last_date": rows.loc[rows["dataset_id"] == r.dataset_id, "date"].max()}
            for r in ds.itertuples()
        ]  # fmt: skip
    return {
        "network": network,
        "name": metrics.NAMES[network],
        "token": token,
        "demand_metric": demand_metric if not revenue.empty else None,
        "series": series,
        "utilisation": _records(util, ["date", "value", "source", "basis"]),
        "provider_uptime_30d": uptime,
        "emissions": _records(monthly_emissions, [*emissions.COLUMNS, "month_end", "usd_per_day"]),
        "emission_disagreements": _records(emissions.disagreements(monthly_emissions), ["month", "tokens_1kx",
                                           "tokens_schedule", "usd_1kx", "usd_schedule", "difference"]),
        "coverage_monthly": _records(monthly, list(monthly.columns)) if not monthly.empty else [],
        "coverage_30d": window,
        "annualised_revenue": annual,
        "fdv_to_annualised_revenue": fdv,
        "growth_monthly": _records(coverage.growth(monthly), ["month", "emission_source", "revenue_growth",
                                   "emission_growth", "demand_outgrows_emissions"]) if not monthly.empty else [],
        "demand_growth_30d": coverage.demand_growth(revenue, last_day) if last_day else None,
        "missing": missing,
        "datasets": datasets,
    }  # fmt: skip


def strict_json(value):
    """The report with dates as ISO strings and NaN/inf as None, so json.dumps(allow_nan=False) accepts it."""
    if isinstance(value, dict):
        return {str(k): strict_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict_json(v) for v in value]
    if isinstance(value, datetime | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return strict_json(value.item())
    if value is pd.NaT:
        return None
    return value
