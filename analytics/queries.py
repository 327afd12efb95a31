"""Read-side queries. Each opens a short-lived read-only connection and returns a DataFrame or dict.

Every query the dashboard, the CLI and the notebooks show lives here, so all three agree by construction.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analytics.offer_history_queries import offer_observations, source_conflicts  # noqa: F401  (one place)
from analytics.store import Store

# Prices a renter can rely on for a whole job. Spot/interruptible prices are reported separately.
FIRM_PRICING_KINDS: tuple[str, ...] = ("on_demand", "bid_derived", "published_list")

# offer_latest holds each offer's newest observation, kept in the write transaction
# (analytics/store/read_models.py); _LATEST_OFFERS_REFERENCE derives the same rows from raw history.
_LATEST_OFFERS = """
SELECT *
FROM offer_latest
WHERE ($family IS NULL OR gpu_family = $family OR gpu_model = $family)
ORDER BY price_per_gpu_hour_usd, offer_id
"""
_LATEST_OFFERS_REFERENCE = """
SELECT *
FROM gpu_offer_observations
WHERE ($family IS NULL OR gpu_family = $family OR gpu_model = $family)
QUALIFY row_number() OVER (PARTITION BY offer_id ORDER BY observed_at DESC) = 1
ORDER BY price_per_gpu_hour_usd, offer_id
"""


def latest_offers(
    store: Store, *, family: str | None = None, pricing_kinds: Sequence[str] | None = None, reference: bool = False
) -> pd.DataFrame:
    """The latest observation of every offer (optionally one GPU family or canonical model).
    `reference=True` computes it from raw history instead of the read model (tests, doctor)."""
    frame = store.query_df(_LATEST_OFFERS_REFERENCE if reference else _LATEST_OFFERS, {"family": family})
    if pricing_kinds is not None:
        frame = frame[frame["pricing_kind"].isin(list(pricing_kinds))]
    return frame.reset_index(drop=True)


def table_counts(store: Store) -> dict[str, int]:
    """Rows per table, for every table the schema has."""
    with store.reader() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name"
            ).fetchall()
        ]
        # names come from the catalogue itself, not from user input
        return {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]) for t in tables}  # noqa: S608


def candle_series(store: Store) -> pd.DataFrame:
    """One row per stored candle series with its date range and instrument."""
    return store.query_df(
        """
        SELECT token, quote, exchange, symbol, timeframe, instrument, dataset_id,
               count(*) AS rows, min(ts) AS first_ts, max(ts) AS last_ts
        FROM ohlcv_candles
        GROUP BY ALL
        ORDER BY token, last_ts DESC, rows DESC
        """
    )


def candles(store: Store, exchange: str, symbol: str, timeframe: str = "1d") -> pd.DataFrame:
    return store.query_df(
        "SELECT * FROM ohlcv_candles WHERE exchange = ? AND symbol = ? AND timeframe = ? ORDER BY ts",
        [exchange, symbol, timeframe],
    )


_OBSERVATIONS_PER_DATASET = (
    "SELECT dataset_id, sum(rows)::BIGINT AS stored_rows, min(first_observed_at) AS first_ts, "
    "max(last_observed_at) AS last_ts FROM offer_stats GROUP BY dataset_id"
)
_OBSERVATIONS_PER_DATASET_REFERENCE = (
    "SELECT dataset_id, count(*) AS stored_rows, min(observed_at) AS first_ts, max(observed_at) AS last_ts "
    "FROM gpu_offer_observations GROUP BY dataset_id"
)


def datasets(store: Store, *, reference: bool = False) -> pd.DataFrame:
    """Every loaded dataset with its provenance and the rows stored for it now (offer rows from the
    offer_stats read model; `reference=True` counts raw history instead)."""
    observations = _OBSERVATIONS_PER_DATASET_REFERENCE if reference else _OBSERVATIONS_PER_DATASET
    return store.query_df(
        """
        WITH stored AS (
            """  # noqa: S608 constants
        + observations
        + """
            UNION ALL
            SELECT dataset_id, count(*), min(ts), max(ts) FROM ohlcv_candles GROUP BY dataset_id
            UNION ALL
            SELECT dataset_id, count(*), NULL, NULL FROM published_prices GROUP BY dataset_id
            UNION ALL
            SELECT dataset_id, count(*), min(date)::TIMESTAMP, max(date)::TIMESTAMP FROM network_metrics
            GROUP BY dataset_id
            UNION ALL
            SELECT dataset_id, count(*), min(date)::TIMESTAMP, max(date)::TIMESTAMP FROM price_index_points
            GROUP BY dataset_id
        ),
        per_dataset AS (
            SELECT dataset_id, sum(stored_rows) AS stored_rows, min(first_ts) AS first_ts, max(last_ts) AS last_ts
            FROM stored GROUP BY dataset_id
        )
        SELECT d.dataset_id, d.kind, d.title, d.publisher, d.source_repo, d.source_path, d.source_commit,
               d.source_url, d.as_of, d.notes, coalesce(s.stored_rows, 0) AS stored_rows,
               coalesce(s.first_ts, d.first_ts) AS first_ts, coalesce(s.last_ts, d.last_ts) AS last_ts,
               d.loaded_at
        FROM datasets d LEFT JOIN per_dataset s USING (dataset_id)
        ORDER BY d.kind, d.dataset_id
        """
    )


def dataset_rows(store: Store, dataset_id: str) -> pd.DataFrame:
    """All stored rows of one dataset (for CSV download), whatever table holds them."""
    kind_rows = store.query_rows("SELECT kind FROM datasets WHERE dataset_id = ?", [dataset_id])
    if not kind_rows:
        raise KeyError(f"no dataset {dataset_id!r}")
    frames = []
    for table, order in (
        ("gpu_offer_observations", "observed_at, offer_id"),
        ("ohlcv_candles", "ts"),
        ("published_prices", "provider"),
        ("network_metrics", "network, metric, dimension, date"),
        ("price_index_points", "date, gpu_model, series"),
    ):
        frame = store.query_df(
            f"SELECT * FROM {table} WHERE dataset_id = ? ORDER BY {order}",  # noqa: S608 constants
            [dataset_id],
        )
        if not frame.empty:
            frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def published_prices(store: Store) -> pd.DataFrame:
    return store.query_df("SELECT * FROM published_prices ORDER BY is_market_overview_claim DESC, provider")


_OFFER_SOURCES = """
SELECT source, sum(rows)::BIGINT AS rows, count(DISTINCT offer_id) AS offers,
       count(DISTINCT provider) AS providers, min(first_observed_at) AS first_observed_at,
       max(last_observed_at) AS last_observed_at,
       min(oldest_price_date) AS oldest_price_date, max(newest_price_date) AS newest_price_date,
       sum(undated_rows)::BIGINT AS undated_rows
FROM offer_stats GROUP BY source ORDER BY source
"""
_OFFER_SOURCES_REFERENCE = """
SELECT source, count(*) AS rows, count(DISTINCT offer_id) AS offers,
       count(DISTINCT provider) AS providers, min(observed_at) AS first_observed_at,
       max(observed_at) AS last_observed_at,
       min(price_date) AS oldest_price_date, max(price_date) AS newest_price_date,
       count(*) FILTER (WHERE price_date IS NULL) AS undated_rows
FROM gpu_offer_observations GROUP BY source ORDER BY source
"""


def offer_sources(store: Store, *, reference: bool = False) -> pd.DataFrame:
    """Per source of offers: rows, listings, observation range (from the offer_stats read model)."""
    return store.query_df(_OFFER_SOURCES_REFERENCE if reference else _OFFER_SOURCES)


def last_runs(store: Store, limit: int = 20) -> pd.DataFrame:
    return store.query_df(
        """
        SELECT r.run_id, r.trigger, r.started_at, r.finished_at, r.status AS run_status,
               s.source, s.status, s.rows_added, s.rows_quarantined, s.duration_ms, s.message
        FROM refresh_runs r LEFT JOIN source_status s USING (run_id)
        ORDER BY r.started_at DESC, s.source
        LIMIT ?
        """,
        [limit],
    )


OFFER_OUTPUT_COLUMNS = [
    "provider",
    "via",
    "segment",
    "provider_category",
    "model",
    "gpu_model",
    "gpu_family",
    "gpu_name_raw",
    "gpu_count",
    "pricing_kind",
    "price_per_gpu_hour_usd",
    "price_usd_per_hour",
    "region",
    "price_date",
    "observed_at",
    "source",
    "price_as_of",
    "instance_type",
    "available",
    "flags",
]


def offers_for_output(offers: pd.DataFrame) -> pd.DataFrame:
    """Offers in the shape `depin prices --json` prints (the market model as `model`, timestamps ISO)."""
    frame = offers.rename(columns={"market_model": "model"})
    frame = frame[OFFER_OUTPUT_COLUMNS].copy()
    frame["observed_at"] = frame["observed_at"].map(lambda t: t.isoformat())
    frame["price_date"] = frame["price_date"].map(lambda d: None if d is None or d != d else str(d)[:10])
    frame["flags"] = frame["flags"].map(list)
    return frame.astype(object).where(frame.notna(), None)


def source_freshness(store: Store, *, interval_hours: float, now) -> pd.DataFrame:
    """Per live source: last attempt, last success, age of its data, and whether it is stale
    (older than twice the refresh interval)."""
    frame = store.query_df(
        """
        SELECT s.source,
               max(s.finished_at) AS last_attempt,
               max(s.finished_at) FILTER (WHERE s.status = 'ok') AS last_success,
               arg_max(s.status, s.finished_at) AS last_status,
               arg_max(s.message, s.finished_at) AS last_message,
               count(*) FILTER (WHERE s.status = 'failed'
                                AND s.finished_at > coalesce((SELECT max(x.finished_at) FROM source_status x
                                     WHERE x.source = s.source AND x.status = 'ok'), TIMESTAMP '1970-01-01'))
                   AS failures_since_success
        FROM source_status s
        WHERE s.source <> 'bundled_snapshot'
        GROUP BY s.source ORDER BY s.source
        """
    )
    if frame.empty:
        return frame.assign(age_hours=[], stale=[])
    age = (pd.Timestamp(now) - frame["last_success"]).dt.total_seconds() / 3600
    return frame.assign(age_hours=age, stale=age.isna() | (age > 2 * interval_hours))


def quarantined(store: Store, limit: int = 200) -> pd.DataFrame:
    """The most recent records that failed validation, with the reason and the raw record."""
    return store.query_df(
        "SELECT recorded_at, source, reason, raw_record, run_id FROM quarantined_records "
        "ORDER BY recorded_at DESC LIMIT ?",
        [limit],
    )


def price_index_points(store: Store, gpu_model: str | None = None) -> pd.DataFrame:
    return store.query_df(
        "SELECT * FROM price_index_points WHERE ($gpu IS NULL OR gpu_model = $gpu) ORDER BY date, series",
        {"gpu": gpu_model},
    )
