"""Bulk, idempotent writes from DataFrames. Only the store writes; collectors and loaders hand it frames.

Each table has a key; a batch is de-duplicated on it first (DuckDB refuses to touch the same row twice in
one statement). Where the table declares the key (the DuckDB file) the batch goes in with ON CONFLICT; where it
cannot (DuckLake has no PRIMARY KEY/UNIQUE) the same semantics come from a MERGE on the key, and the lake's
writer lock keeps two writers from inserting one key at once. Loading the same frame twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.store import read_models


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
    "price_index_points": TableSpec(("index_name", "date", "gpu_name_raw", "series"), replace=True),
    # a later reading of the same day replaces the earlier one (today's value grows until the day closes)
    "network_metrics": TableSpec(("network", "metric", "dimension", "date", "source"), replace=True),
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
    described = conn.execute(f"DESCRIBE {table}").fetchall()
    table_columns = [r[0] for r in described]
    unknown = [c for c in batch.columns if c not in table_columns]
    if unknown:
        raise ValueError(f"{table}: batch has columns the table does not: {unknown}")
    columns = ", ".join(f'"{c}"' for c in batch.columns)
    keys = ", ".join(f'"{k}"' for k in spec.key)
    before = conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]  # noqa: S608 whitelisted
    # DuckDB infers an object column's type from a sample of rows (1,000 by default): a flags column whose
    # sampled rows are all empty lists becomes a list of NULL and the first flagged row after it fails the
    # whole batch. Sampling every row costs little next to the insert.
    conn.execute(f"SET pandas_analyze_sample = {max(len(batch), 1000):d}")
    conn.register("_upsert_batch", batch)
    failed = True
    try:
        if table == read_models.OBSERVATIONS and read_models.present(conn):
            # new rows and the read models derived from them, in this same transaction
            read_models.insert_observations(conn, "_upsert_batch", list(batch.columns), described)
        elif _declares_key(conn, table):
            action = "DO NOTHING"
            if spec.replace:
                updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in batch.columns if c not in spec.key)
                action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
            conn.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _upsert_batch "  # noqa: S608 whitelisted
                f"ON CONFLICT ({keys}) {action}"
            )
        else:
            _merge(conn, table, spec, list(batch.columns), described)
        failed = False
    finally:
        try:
            conn.unregister("_upsert_batch")
        except duckdb.Error:
            if not failed:  # after a failed INSERT the transaction is aborted: keep the INSERT's own error
                raise
    after = conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]  # noqa: S608 whitelisted
    return int(after - before)


def _declares_key(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    found = conn.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE database_name = current_database() "
        "AND schema_name = current_schema() AND table_name = ? AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')",
        [table],
    ).fetchall()[0][0]
    return bool(found)


def _merge(conn: duckdb.DuckDBPyConnection, table: str, spec: TableSpec, columns: list[str], described) -> None:
    """ON CONFLICT without a declared key: MERGE on the key columns (DuckDB >= 1.4, DuckLake)."""
    # A NOT NULL list column the batch lacks gets the empty list the file schema declares as its default.
    fill = [r[0] for r in described if r[0] not in columns and r[1].endswith("[]") and r[2] == "NO"]
    insert_columns = ", ".join(f'"{c}"' for c in [*columns, *fill])
    insert_values = ", ".join([*(f'b."{c}"' for c in columns), *("[]" for _ in fill)])
    on = " AND ".join(f't."{k}" = b."{k}"' for k in spec.key)
    updates = ", ".join(f'"{c}" = b."{c}"' for c in columns if c not in spec.key)
    matched = f"WHEN MATCHED THEN UPDATE SET {updates} " if spec.replace and updates else ""
    conn.execute(
        f"MERGE INTO {table} AS t USING _upsert_batch AS b ON ({on}) {matched}"  # noqa: S608 whitelisted
        f"WHEN NOT MATCHED THEN INSERT ({insert_columns}) VALUES ({insert_values})"
    )
