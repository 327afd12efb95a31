"""Cached access to analytics for the pages. Caches hold plain data (never a connection) with a short TTL,
so a refresh written by another process shows up within a minute."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import formatting, queries
from analytics.metrics.overview import OverviewKpis, overview_kpis
from analytics.settings import get_settings
from analytics.snapshot import load_snapshot
from analytics.store import Store
from analytics.store.factory import open_store, store_for
from analytics.store.migrations import MIGRATIONS

TTL_S = get_settings().cache_ttl_s  # DEPIN_CACHE_TTL_S, read once when the server starts


def store() -> Store:
    return open_store(get_settings())


def ensure_database() -> Store:
    """Open the configured database; on a missing or empty one, load the bundled snapshot first. A database
    newer than this code is refused, as the CLI does; in viewer mode nothing is loaded or upgraded."""
    _share_reads_in_a_server()
    current = store()
    version = current.schema_version() if current.exists() else 0
    if version > MIGRATIONS[-1].version or get_settings().read_only:
        current.check_readable()  # raises SchemaTooNewError / "run depin init" with the reason
        return current
    if version == 0:
        with st.spinner("First start: loading the bundled snapshot..."):
            load_snapshot(current)
    elif version < MIGRATIONS[-1].version:
        current.migrate()  # an older database is upgraded in place; its rows stay
    return current


def _share_reads_in_a_server() -> None:
    """In a Streamlit server (not AppTest, not a notebook), reads share one warm read-only connection per
    process that closes whenever a writer announces itself (analytics/store/shared_reader.py)."""
    from streamlit import runtime

    from analytics.store.shared_reader import share_read_connections, sharing

    if not sharing() and runtime.exists() and get_settings().shared_reads:
        share_read_connections()


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_overview(db_path: str) -> OverviewKpis:
    return overview_kpis(store_for(db_path))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_latest_offers(db_path: str, family: str | None = None) -> pd.DataFrame:
    return queries.latest_offers(store_for(db_path), family=family)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_datasets(db_path: str) -> pd.DataFrame:
    return queries.datasets(store_for(db_path))


EXPORT_FORMATS = {"parquet": "Parquet", "csv": "CSV"}


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_dataset_tables(db_path: str, dataset_id: str) -> list[str]:
    from analytics.exports import dataset_tables

    return dataset_tables(store_for(db_path), dataset_id)


@st.cache_data(ttl=TTL_S, show_spinner=False, max_entries=8)
def cached_dataset_preview(db_path: str, dataset_id: str, table: str | None) -> pd.DataFrame:
    from analytics.exports import dataset_preview

    return dataset_preview(store_for(db_path), dataset_id, table)


def dataset_download(db_path: str, dataset_id: str, fmt: str, table: str | None):
    """A callable for st.download_button: DuckDB writes the file only when the button is clicked."""

    def generate() -> bytes:
        from analytics.exports import export_bytes

        return export_bytes(store_for(db_path), dataset_id, fmt, table)

    return generate


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_published_prices(db_path: str) -> pd.DataFrame:
    return queries.published_prices(store_for(db_path))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_runs(db_path: str) -> pd.DataFrame:
    return queries.last_runs(store_for(db_path), limit=50)


def usd(value: float | None, digits: int = 2) -> str:
    return formatting.usd(value, digits)  # '-$1.66', not '$-1.66'


def pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:+.{digits}f} %"


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_candle_series(db_path: str) -> pd.DataFrame:
    return queries.candle_series(store_for(db_path))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_candles(db_path: str, exchange: str, symbol: str, timeframe: str) -> pd.DataFrame:
    return queries.candles(store_for(db_path), exchange, symbol, timeframe)


@st.cache_data(ttl=TTL_S, show_spinner=False, max_entries=32)
def cached_chart_candles(db_path: str, exchange: str, symbol: str, timeframe: str, window: str = "All"):
    """At most a few thousand candles per series and window (merged into wider ones in DuckDB when longer)."""
    from analytics.markets.chart_candles import chart_candles

    return chart_candles(store_for(db_path), exchange, symbol, timeframe, window)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_token_closes(db_path: str):
    from analytics.token_report import token_closes

    return token_closes(store_for(db_path))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_token_report(db_path: str) -> list[dict]:
    from analytics.token_report import token_report

    return token_report(store_for(db_path))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_market_snapshots(db_path: str) -> pd.DataFrame:
    from analytics.token_report import latest_market_snapshots

    return latest_market_snapshots(store_for(db_path))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_source_freshness(db_path: str, interval_hours: float) -> pd.DataFrame:
    from datetime import UTC, datetime

    now = datetime.now(UTC).replace(tzinfo=None)
    return queries.source_freshness(store_for(db_path), interval_hours=interval_hours, now=now)


def stale_banner(db_path: str) -> None:
    """A warning when any live source's data is older than twice the refresh schedule."""
    interval = get_settings().refresh_interval_hours
    freshness = cached_source_freshness(db_path, interval)
    if freshness.empty:
        return
    relevant = freshness[freshness["last_status"] != "skipped"]
    stale = relevant[relevant["stale"]]
    if stale.empty:
        return
    parts = [
        f"{r.source} (last success {r.age_hours:.1f} h ago)"
        if r.age_hours == r.age_hours
        else f"{r.source} (no successful refresh yet)"
        for r in stale.itertuples()
    ]
    st.warning(
        f"Stale data: {', '.join(parts)}: older than twice the {interval:g} h refresh schedule "
        "(DEPIN_REFRESH_INTERVAL_HOURS). See Data & sources for the last errors.",
        icon=":material/warning:",
    )


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_quarantined(db_path: str) -> pd.DataFrame:
    return queries.quarantined(store_for(db_path))


def for_display(frame: pd.DataFrame, blank: str = "—") -> pd.DataFrame:
    """Text columns with missing values shown as a dash instead of 'None' (numbers stay numbers)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].astype(object).where(out[column].notna(), blank)
    return out


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_source_conflicts(db_path: str) -> pd.DataFrame:
    return queries.source_conflicts(store_for(db_path))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_history_report(db_path: str, gpu: str, segment: str | None = None, provider: str | None = None) -> dict:
    from analytics.comparison.report import history_report

    return history_report(store_for(db_path), gpu, segment=segment, provider=provider)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_comparison(
    db_path: str,
    gpu: str,
    pool_family: bool,
    size_classes: tuple[str, ...] | None,
    pricing_kinds: tuple[str, ...],
    window_days: int | None,
    datacenter_marketplace_side: str,
) -> dict:
    """The Cost comparison's figures for one definition, shared by every session (plain data, no connection)."""
    from analytics.comparison.compare import Definition, segment_table, select, side_discount
    from analytics.comparison.conflicts import distrust
    from analytics.comparison.robustness import robustness_table
    from analytics.comparison.segments import Lens

    offers = cached_latest_offers(db_path)
    distrusted = distrust(cached_source_conflicts(db_path), offers)
    definition = Definition(
        gpu=gpu,
        pool_family=pool_family,
        size_classes=size_classes,
        pricing_kinds=pricing_kinds,
        window_days=window_days,
        lens=Lens(datacenter_marketplace_side),
    )
    shown = select(offers, definition, distrusted)
    return {
        "definition": definition,
        "shown": shown,
        "same_listing": distrusted.listings,
        "segments": segment_table(shown) if len(shown) else None,
        "discount": side_discount(shown, definition) if len(shown) else None,
        "robustness": robustness_table(offers, definition, distrusted) if len(shown) else None,
    }


@st.cache_data(ttl=3600, show_spinner=False)
def cached_hardware() -> dict:
    """The machine's GPU and CPU: probing NVML (and PyTorch) on every rerun costs more than the page."""
    from analytics.bench.hardware import detect_hardware

    return detect_hardware()


# Node earnings and due diligence: their inputs (market medians, token risk, evidence) take a second or more
# to compute; every rerun and every session reuses them within the TTL.


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_resolve_inputs(db_path: str, gpu: str, network: str, proxy_segment: str | None):
    from analytics.earnings_report import resolve_inputs

    return resolve_inputs(store_for(db_path), gpu, network, proxy_segment=proxy_segment)


@st.cache_data(ttl=TTL_S, show_spinner=False, max_entries=64)
def cached_earnings_report(db_path: str, gpu: str, network: str, proxy_segment: str | None, overrides: dict) -> dict:
    from analytics.earnings_report import earnings_report

    return earnings_report(store_for(db_path), gpu, network, proxy_segment=proxy_segment, **overrides)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_claim_cases(db_path: str, network: str, proxy_segment: str | None) -> pd.DataFrame:
    from analytics.earnings_report import claim_cases

    return claim_cases(store_for(db_path), network, proxy_segment)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_dd_projects(db_path: str) -> dict:
    from analytics import dd

    return dd.projects(store_for(db_path))


@st.cache_data(ttl=TTL_S, show_spinner=False, max_entries=64)
def cached_dd_assess(db_path: str, project_id: str, answers: dict | None) -> dict:
    from analytics import dd

    return dd.assess(store_for(db_path), project_id, answers)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_dd_history(db_path: str, project_id: str) -> pd.DataFrame:
    from analytics import dd

    return dd.history(store_for(db_path), project_id)
