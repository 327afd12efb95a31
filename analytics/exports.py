"""One dataset's rows without holding them in Python: a bounded preview, and files written by DuckDB itself.

A dataset may hold millions of observations. The dashboard shows the latest `PREVIEW_ROWS` of them and
lets DuckDB `COPY` the whole dataset to a file (Parquet, or CSV) in its own buffers; Python never builds a
frame of the whole history, so memory stays flat whatever the history size.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from analytics.store import Store

PREVIEW_ROWS = 1_000
# The tables that hold dataset rows, each with the column its rows are dated by (newest first in a preview).
_TABLES: dict[str, str] = {"gpu_offer_observations": "observed_at", "ohlcv_candles": "ts", "published_prices": "as_of"}
FORMATS = {"parquet": "(FORMAT parquet, COMPRESSION zstd)", "csv": "(FORMAT csv, HEADER)"}


def dataset_tables(store: Store, dataset_id: str) -> list[str]:
    """The tables holding rows of `dataset_id` (most hold one; the published prices feed two); KeyError for
    an unknown dataset."""
    with store.reader() as conn:
        if not conn.execute("SELECT 1 FROM datasets WHERE dataset_id = ?", [dataset_id]).fetchall():
            raise KeyError(f"no dataset {dataset_id!r}")
        return [
            table
            for table in _TABLES
            if conn.execute(
                f"SELECT 1 FROM {table} WHERE dataset_id = ? LIMIT 1",  # noqa: S608 names are constants
                [dataset_id],
            ).fetchall()
        ]


def _table(store: Store, dataset_id: str, table: str | None) -> str:
    tables = dataset_tables(store, dataset_id)
    if table is None:
        return tables[0] if tables else "gpu_offer_observations"  # rows gone: an empty preview, an empty file
    if table not in tables:
        raise KeyError(f"dataset {dataset_id!r} has no rows in {table!r}; it has rows in {', '.join(tables)}")
    return table


def dataset_preview(store: Store, dataset_id: str, table: str | None = None, limit: int = PREVIEW_ROWS) -> pd.DataFrame:
    """The newest `limit` rows of one dataset (a top-N in DuckDB, never the whole history)."""
    table = _table(store, dataset_id, table)
    return store.query_df(
        f"SELECT * FROM {table} WHERE dataset_id = ? ORDER BY {_TABLES[table]} DESC LIMIT ?",  # noqa: S608
        [dataset_id, int(limit)],
    )


def export_dataset(
    store: Store, dataset_id: str, path: Path | str, fmt: str = "parquet", table: str | None = None
) -> Path:
    """Write every stored row of one dataset (in one table) to `path` with DuckDB's COPY, in stored order."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    table = _table(store, dataset_id, table)
    target = Path(path)
    literal = str(target).replace("'", "''")  # COPY takes the file name as a literal, not a parameter
    with store.reader() as conn:
        conn.execute("SET enable_progress_bar = false")
        conn.execute(
            f"COPY (SELECT * FROM {table} WHERE dataset_id = ?) TO '{literal}' {FORMATS[fmt]}",  # noqa: S608
            [dataset_id],
        )
    return target


def export_bytes(store: Store, dataset_id: str, fmt: str = "parquet", table: str | None = None) -> bytes:
    """The exported file's bytes (a download); the temporary file is removed before returning."""
    with tempfile.TemporaryDirectory(prefix="depin-export-") as tmp:
        path = export_dataset(store, dataset_id, Path(tmp) / f"export.{fmt}", fmt, table)
        return path.read_bytes()


def export_file_name(dataset_id: str, fmt: str, table: str | None = None) -> str:
    suffix = f"_{table}" if table else ""
    return f"{dataset_id.replace(':', '_').replace('/', '_')}{suffix}.{fmt}"
