"""Bulk, idempotent writes from DataFrames. Only the store writes; collectors and loaders hand it frames.

Each table has a primary key; a batch is de-duplicated on it first (DuckDB refuses to touch the same row
twice in one statement), then inserted with ON CONFLICT. Loading the same frame twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd


@dataclass(frozen=True)
class TableSpec:
    key: tuple[str, ...]
    # True: a re-delivered row replaces the stored one (a corrected candle). False: first write wins
    # (observations are facts about a moment; a second copy of the same moment adds nothing).
    replace: bool


TABLES: dict[str, TableSpec] = {
    "datasets": TableSpec(("dataset_id",), replace=True),
    "gpu_offer_observations": TableSpec(("offer_id", "observed_at"), replace=False),
    "ohlcv_candles": TableSpec(("exchange", "symbol", "timeframe", "ts"), replace=True),
    "published_prices": TableSpec(("provider", "gpu_name_raw", "price_unit", "source", "as_of"), replace=True),
    "refresh_runs": TableSpec(("run_id",), replace=True),
    "candle_gaps": TableSpec(("exchange", "symbol", "timeframe", "gap_start"), replace=True),
    "token_market_snapshots": TableSpec(("token", "snapshot_date"), replace=True),
    "dd_projects": TableSpec(("project_id",), replace=True),
    "dd_assessments": TableSpec(("project_id", "version"), replace=False),
    "bench_runs": TableSpec(("run_id",), replace=True),
    "bench_results": TableSpec(("run_id", "seq"), replace=False),
    "source_status": TableSpec(("run_id", "source"), replace=True),
}


def upsert(conn: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> int:
    """Insert `frame` into `table` (a name from TABLES); returns the number of rows new to the table."""
    if table not in TABLES:
        raise ValueError(f"not a writable table: {table!r}")
    if frame.empty:
        return 0
    spec = TABLES[table]
    missing = [k for k in spec.key if k not in frame.columns]
    if missing:
        raise ValueError(f"{table}: batch lacks key column(s) {missing}")
    batch = frame.drop_duplicates(subset=list(spec.key), keep="last")
    table_columns = [r[0] for r in conn.execute(f"DESCRIBE {table}").fetchall()]
    unknown = [c for c in batch.columns if c not in table_columns]
    if unknown:
        raise ValueError(f"{table}: batch has columns the table does not: {unknown}")
    columns = ", ".join(f'"{c}"' for c in batch.columns)
    keys = ", ".join(f'"{k}"' for k in spec.key)
    before = conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]  # noqa: S608 whitelisted
    conn.register("_upsert_batch", batch)
    failed = True
    try:
        if spec.replace:
            updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in batch.columns if c not in spec.key)
            action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        else:
            action = "DO NOTHING"
        conn.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _upsert_batch "  # noqa: S608 whitelisted
            f"ON CONFLICT ({keys}) {action}"
        )
        failed = False
    finally:
        try:
            conn.unregister("_upsert_batch")
        except duckdb.Error:
            if not failed:  # after a failed INSERT the transaction is aborted: keep the INSERT's own error
                raise
    after = conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]  # noqa: S608 whitelisted
    return int(after - before)
