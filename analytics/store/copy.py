"""`depin migrate-store`: copy a DuckDB file into an empty store of another backend, then prove the copy.

Every table is streamed in Arrow record batches inside ONE write transaction on the target (all or nothing),
then compared per table: the row count and an order-independent checksum (the sum of each row's hash over the
same column list) must be equal on both sides, else the command fails and says which table differs. The read
models (analytics/store/read_models.py) travel as tables like any other, and are then checked against the
target's raw history, so a copy never carries stale ones unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.store import read_models
from analytics.store.db import Store, StoreError

_BATCH_ROWS = 100_000


@dataclass(frozen=True)
class TableCheck:
    table: str
    rows: int
    checksum: str


def _tables(conn) -> list[str]:
    rows = conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name <> 'schema_version' ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]


def _columns(conn, table: str) -> list[str]:
    return [r[0] for r in conn.execute(f'DESCRIBE "{table}"').fetchall()]


def table_checksum(conn, table: str, columns: list[str]) -> tuple[int, str]:
    """(rows, checksum): the checksum does not depend on row order or on the backend storing the rows."""
    cols = ", ".join(f'"{c}"' for c in columns)
    rows, checksum = conn.execute(
        f'SELECT count(*), coalesce(sum(hash(x)), 0)::VARCHAR FROM (SELECT {cols} FROM "{table}") AS x'  # noqa: S608
    ).fetchall()[0]
    return int(rows), checksum


def copy_store(source: Store, target: Store) -> list[TableCheck]:
    """Copy every table of `source` into `target` (created or upgraded first; its tables must be empty)."""
    source.check_readable()
    target.migrate()
    with source.reader() as src:
        tables = _tables(src)
        columns = {t: _columns(src, t) for t in tables}
        with target.reader() as dst:
            known = set(_tables(dst))
            missing = [t for t in tables if t not in known]
            if missing:
                raise StoreError(f"{target.display_name} lacks table(s) {', '.join(missing)}; nothing was copied")
            busy = [t for t in tables if dst.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]]  # noqa: S608
            if busy:
                raise StoreError(
                    f"{target.display_name} already holds rows in {', '.join(busy)}; migrate-store copies only "
                    "into an empty store (nothing was copied)"
                )
        with target.writer() as dst:
            for table in tables:
                cols = ", ".join(f'"{c}"' for c in columns[table])
                batches = src.execute(f'SELECT {cols} FROM "{table}"').fetch_record_batch(_BATCH_ROWS)  # noqa: S608
                dst.register("_copy_batches", batches)
                try:
                    dst.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM _copy_batches')  # noqa: S608
                finally:
                    dst.unregister("_copy_batches")
        checks = []
        with target.reader() as dst:
            for table in tables:
                expected = table_checksum(src, table, columns[table])
                got = table_checksum(dst, table, columns[table])
                if got != expected:
                    raise StoreError(
                        f"{table}: the copy differs (source {expected[0]:,} rows, checksum {expected[1]}; "
                        f"target {got[0]:,} rows, checksum {got[1]}); the target needs to be emptied before a retry"
                    )
                checks.append(TableCheck(table, expected[0], expected[1]))
            differing = {t: n for t, n in read_models.differences(dst).items() if n}
            if differing:
                detail = ", ".join(f"{t} ({n:,} rows)" for t, n in differing.items())
                raise StoreError(
                    f"the copied read models differ from the copied offer history: {detail}; run "
                    "`depin doctor --rebuild-read-models` on the source, empty the target and copy again"
                )
    return checks
