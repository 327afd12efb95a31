"""Data & sources: every dataset with its provenance, row counts and date range, downloadable as CSV."""

import streamlit as st

from analytics.settings import get_settings
from app.data import (
    cached_dataset_rows,
    cached_datasets,
    cached_published_prices,
    cached_quarantined,
    cached_runs,
    cached_source_freshness,
    ensure_database,
    for_display,
    stale_banner,
)

store = ensure_database()
db = store.locator  # identifies the store in cache keys

st.title("Data & sources")
st.caption(f"Database: `{store.display_name}`. Every number in DePIN Lens comes from one of these datasets.")

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

choice = st.selectbox("Download a dataset as CSV", datasets["dataset_id"].tolist())
if choice:
    rows = cached_dataset_rows(db, choice)
    st.download_button(
        f"Download {choice} ({len(rows):,} rows)",
        rows.to_csv(index=False).encode(),
        file_name=f"{choice.replace(':', '_')}.csv",
        mime="text/csv",
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
