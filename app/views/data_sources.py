"""Data & sources: every dataset with its provenance, row counts and date range; a bounded preview of its
rows and a download DuckDB writes straight to a file."""

import streamlit as st

from analytics.exports import export_file_name
from analytics.settings import get_settings
from app.data import (
    EXPORT_FORMATS,
    cached_dataset_preview,
    cached_dataset_tables,
    cached_datasets,
    cached_published_prices,
    cached_quarantined,
    cached_runs,
    cached_source_freshness,
    dataset_download,
    ensure_database,
    stale_banner,
)
from app.format import count, day, flag, link, moment, money, number, provider, show_table, text
from app.layout import MARKET_OVERVIEW_SOURCE, answer

store = ensure_database()
db = store.locator  # identifies the store in cache keys

st.title("Data & sources")
interval = get_settings().refresh_interval_hours
freshness = cached_source_freshness(db, interval)
datasets = cached_datasets(db)
if freshness.empty:
    answer(
        f"Every number in DePIN Lens comes from these {len(datasets)} datasets; no live refresh has run yet, "
        "so everything shown is the bundled snapshot."
    )
else:
    # as the stale banner: a skipped source (no API key) is not stale; one that never succeeded is
    stale_rows = (freshness["last_status"] != "skipped") & freshness["stale"].fillna(True).astype(bool)
    stale_sources = freshness.loc[stale_rows, "source"].tolist()
    answer(
        f"Every number in DePIN Lens comes from these {len(datasets)} datasets; {len(freshness)} live sources "
        f"have been refreshed, "
        + (
            f"and {', '.join(stale_sources)} {'is' if len(stale_sources) == 1 else 'are'} stale."
            if stale_sources
            else "all within twice the refresh schedule."
        )
    )
st.caption(f"Database: `{store.display_name}`.")

stale_banner(db)
st.subheader("Freshness per source")
if freshness.empty:
    st.caption("No live refresh has run yet: everything shown is the bundled snapshot. Run `depin refresh`.")
else:
    show_table(
        freshness,
        {
            "source": text("Source", pinned=True),
            "stale": flag("Freshness", yes="stale", no="fresh", why_missing="no successful refresh yet"),
            "age_hours": number(
                "Age (h)", "Hours since the last successful refresh", digits=1, why_missing="no successful refresh yet"
            ),
            "last_success": moment("Last success (UTC)", why_missing="never succeeded"),
            "last_attempt": moment("Last attempt (UTC)"),
            "last_status": text("Last status"),
            "failures_since_success": count("Failures since success"),
            "last_message": text("Last message", why_missing="no message recorded", width="large"),
        },
    )
    st.caption(f"Stale = last success older than twice the {interval:g} h schedule (DEPIN_REFRESH_INTERVAL_HOURS).")

st.subheader(f"Datasets ({len(datasets)})")
show_table(
    datasets,
    {
        "dataset_id": text("Dataset", "Identifier used by `depin status` and the CSV download", pinned=True),
        "kind": text("Kind", words=True),
        "title": text("Title", width="large"),
        "publisher": text("Publisher", why_missing="the source names no publisher"),
        "stored_rows": count("Rows", "Rows stored from this dataset", why_missing="nothing stored from it"),
        "first_ts": day("First", "Earliest observation", why_missing="undated rows"),
        "last_ts": day("Last", "Latest observation", why_missing="undated rows"),
        "as_of": text("As of", "Date the publisher gives for the data", why_missing="the source gives no date"),
        "source_url": link("Source", link_text="open", why_missing="no public address"),
        "source_commit": text("Commit", why_missing="not from a git repository"),
        "notes": text("Notes", why_missing="no notes", width="large"),
        "loaded_at": moment("Loaded (UTC)"),
    },
)

st.subheader("One dataset's rows")
choice = st.selectbox("Preview or download a dataset", datasets["dataset_id"].tolist())
if choice:
    tables = cached_dataset_tables(db, choice)
    table = (
        st.radio("Table", tables, horizontal=True, help="This dataset feeds more than one table.")
        if len(tables) > 1
        else (tables[0] if tables else None)
    )
    preview = cached_dataset_preview(db, choice, table)
    st.caption(
        f"The newest {len(preview):,} rows of `{choice}`"
        + (f" in {table}" if len(tables) > 1 else "")
        + f" ({int(datasets.loc[datasets['dataset_id'] == choice, 'stored_rows'].iloc[0]):,} stored in all). "
        f"The download holds every row; DuckDB writes it straight to a file (`depin export {choice}` does the "
        "same from the command line)."
    )
    show_table(preview, height=280)  # every column with a readable label; missing values as a dash
    fmt = st.radio(
        "Download format",
        list(EXPORT_FORMATS),
        format_func=EXPORT_FORMATS.get,
        horizontal=True,
        key="download_format",
    )
    st.download_button(
        f"Download {choice} ({EXPORT_FORMATS[fmt]})",
        dataset_download(db, choice, fmt, table),
        file_name=export_file_name(choice, fmt, table if len(tables) > 1 else None),
        mime="text/csv" if fmt == "csv" else "application/vnd.apache.parquet",
        on_click="ignore",
    )

st.subheader("Published prices and the market overview's claims")
st.caption(MARKET_OVERVIEW_SOURCE)
st.caption(
    "Rows marked as claims come from the market overview's H100 table: they are checked against the "
    "data, not counted as offers."
)
show_table(
    cached_published_prices(db),
    {
        "provider": provider("Provider", pinned=True),
        "provider_type_as_published": text("Type (as published)"),
        "gpu_model": text("GPU model", why_missing="the name does not identify one model"),
        "gpu_count": count("GPUs"),
        "usd_per_gpu_hour_low": money("Low per GPU-hour", why_missing="no lower bound published"),
        "usd_per_gpu_hour_high": money("High per GPU-hour", why_missing="open-ended or single price"),
        "usd_per_hour_low": money("Low per instance-hour", why_missing="no lower bound published"),
        "usd_per_hour_high": money("High per instance-hour", why_missing="open-ended or single price"),
        "price_unit": text("Unit as published"),
        "sla_or_reliability": text("SLA / reliability", why_missing="not stated"),
        "is_market_overview_claim": flag("Market-overview claim", "Checked against the data, not counted as an offer"),
        "gpu_name_raw": text("GPU as published"),
        "source": text("Source"),
        "as_of": text("As of", why_missing="undated"),
        "dataset_id": text("Dataset"),
    },
)

st.subheader("Recent loads and refreshes")
show_table(
    cached_runs(db),
    {
        "started_at": moment("Started (UTC)"),
        "trigger": text("Trigger"),
        "source": text("Source"),
        "status": text("Status"),
        "rows_added": count("Rows added"),
        "rows_quarantined": count("Rows quarantined"),
        "duration_ms": number("Duration (ms)", digits=0, why_missing="still running or interrupted"),
        "message": text("Message", why_missing="no message", width="large"),
        "run_status": text("Run status"),
        "finished_at": moment("Finished (UTC)", why_missing="still running or interrupted"),
        "run_id": text("Run"),
    },
)

st.subheader("Quarantined records")
rejected = cached_quarantined(db)
if rejected.empty:
    st.caption("No record has failed validation.")
else:
    st.caption(
        "Records a source sent that failed validation: kept with the reason and the raw record, never "
        "stored as prices (latest 200)."
    )
    show_table(
        rejected,
        {
            "recorded_at": moment("Recorded (UTC)"),
            "source": text("Source"),
            "reason": text("Reason", width="large"),
            "raw_record": text("Raw record", width="large"),
            "run_id": text("Run"),
        },
    )
