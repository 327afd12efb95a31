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
    for_display,
    stale_banner,
)

store = ensure_database()
db = str(store.path)

st.title("Data & sources")
st.caption(f"Database: `{db}`. Every number in DePIN Lens comes from one of these datasets.")

stale_banner(db)
interval = get_settings().refresh_interval_hours
freshness = cached_source_freshness(db, interval)
st.subheader("Freshness per source")
if freshness.empty:
    st.caption("No live refresh has run yet: everything shown is the bundled snapshot. Run `depin refresh`.")
else:
    st.dataframe(
        freshness,
        hide_index=True,
        width="stretch",
        column_config={"age_hours": st.column_config.NumberColumn("age (h)", format="%.1f")},
    )
    st.caption(f"Stale = last success older than twice the {interval:g} h schedule (DEPIN_REFRESH_INTERVAL_HOURS).")

datasets = cached_datasets(db)
st.subheader(f"Datasets ({len(datasets)})")
st.dataframe(
    for_display(datasets)[
        [
            "dataset_id",
            "kind",
            "title",
            "publisher",
            "stored_rows",
            "first_ts",
            "last_ts",
            "as_of",
            "source_url",
            "source_commit",
            "notes",
            "loaded_at",
        ]
    ],
    hide_index=True,
    width="stretch",
    column_config={
        "source_url": st.column_config.LinkColumn("source"),
        "stored_rows": st.column_config.NumberColumn("rows", format="%d"),
        "first_ts": st.column_config.DatetimeColumn("first", format="YYYY-MM-DD"),
        "last_ts": st.column_config.DatetimeColumn("last", format="YYYY-MM-DD"),
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
    st.dataframe(for_display(preview), hide_index=True, width="stretch", height=280)
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
st.caption(
    "Rows marked as claims come from the market overview's H100 table: they are checked against the "
    "data, not counted as offers."
)
st.dataframe(for_display(cached_published_prices(db)), hide_index=True, width="stretch")

st.subheader("Recent loads and refreshes")
st.dataframe(for_display(cached_runs(db)), hide_index=True, width="stretch")

st.subheader("Quarantined records")
rejected = cached_quarantined(db)
if rejected.empty:
    st.caption("No record has failed validation.")
else:
    st.caption(
        "Records a source sent that failed validation: kept with the reason and the raw record, never "
        "stored as prices (latest 200)."
    )
    st.dataframe(rejected, hide_index=True, width="stretch")
