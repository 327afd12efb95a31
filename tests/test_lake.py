"""The DuckLake backend on a real PostgreSQL: creating it from the CLI, status, copying a file database into it,
concurrent writers, and what it prints about itself (never a password)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import duckdb
import pytest

from analytics.store.copy import table_checksum
from analytics.store.lake import LakeStore, lake_sql, redact
from analytics.store.migrations import MIGRATIONS


def _cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_lake_sql_drops_only_what_ducklake_refuses():
    sql = lake_sql(MIGRATIONS[0].sql)
    assert "PRIMARY KEY" not in sql and "DEFAULT []" not in sql
    assert "offer_id                VARCHAR NOT NULL" in sql and "flags                   VARCHAR[] NOT NULL" in sql
    assert "-- source specifics" in sql  # comments (and the columns they follow) survive
    conn = duckdb.connect()
    conn.execute(lake_sql("\n".join(m.sql for m in MIGRATIONS)))  # still valid SQL for every migration
    assert conn.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
    ).fetchall() == [(0,)]


def test_passwords_never_show():
    assert redact("postgres:dbname=d host=h password=s3cret user=u") == "postgres:dbname=d host=h password=*** user=u"
    assert redact("postgres:password='a b' host=h") == "postgres:password=*** host=h"
    assert redact("postgres:postgresql://u:s3cret@h/d") == "postgres:postgresql://u:***@h/d"
    lake = LakeStore("postgres:dbname=d password=s3cret", "/tmp/x")
    assert "s3cret" not in repr(lake) + lake.display_name + json.dumps(lake.describe())


def test_checksum_ignores_row_order_and_sees_any_change():
    conn = duckdb.connect()
    conn.execute("CREATE TABLE a AS SELECT * FROM (VALUES (1, 'x', [1]), (2, 'y', [])) t(i, s, l)")
    conn.execute("CREATE TABLE b AS SELECT * FROM (VALUES (2, 'y', []), (1, 'x', [1])) t(i, s, l)")
    conn.execute("CREATE TABLE c AS SELECT * FROM (VALUES (2, 'y', []), (1, 'x', [2])) t(i, s, l)")
    columns = ["i", "s", "l"]
    assert table_checksum(conn, "a", columns) == table_checksum(conn, "b", columns)
    assert table_checksum(conn, "a", columns) != table_checksum(conn, "c", columns)


def test_incomplete_lake_settings_are_one_clear_line(tmp_path):
    env = {**os.environ, "DEPIN_STORE": "ducklake", "DEPIN_LAKE_DATA_PATH": str(tmp_path)}
    done = _cli(env, "status")
    assert done.returncode == 1
    assert done.stderr.strip() == "error: DEPIN_STORE=ducklake needs DEPIN_LAKE_CATALOG"


def test_init_creates_the_lake_and_status_names_backend_catalog_and_data_path(postgres, tmp_path):
    catalog = f"postgres:{postgres.dsn(postgres.create_database('cli'))} password=not-shown"
    data_path = str(tmp_path / "lake")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPIN_")}
    init = _cli(env, "init", "--store", "ducklake", "--catalog", catalog, "--data-path", data_path)
    assert init.returncode == 0, init.stderr
    loaded = re.search(r"gpu_offer_observations \+(\d+)", init.stdout)
    assert loaded and int(loaded[1]) > 1000 and "not-shown" not in init.stdout
    env |= {"DEPIN_STORE": "ducklake", "DEPIN_LAKE_CATALOG": catalog, "DEPIN_LAKE_DATA_PATH": data_path}
    status = _cli(env, "status", "--json")
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["store"] == {"backend": "ducklake", "catalog": redact(catalog), "data_path": data_path}
    assert report["tables"]["gpu_offer_observations"] == int(loaded[1])
    assert "not-shown" not in status.stdout
    assert list((tmp_path / "lake").rglob("*.parquet"))  # the data is Parquet under the data path
    config = _cli(env, "config")
    assert "password=***" in config.stdout and "not-shown" not in config.stdout
    again = _cli(env, "init")  # idempotent, also on the lake
    assert again.returncode == 0 and "gpu_offer_observations +0" in again.stdout


@pytest.mark.file_only("copies a DuckDB file into a new lake: the source is the file by definition")
def test_migrate_store_copies_a_file_database_and_verifies_every_table(postgres, snapshot_store, tmp_path):
    with snapshot_store.writer() as conn:  # something beyond the snapshot: a list column and JSON
        conn.execute("INSERT INTO quarantined_records VALUES ('r1', 'akash', now()::TIMESTAMP, 'bad', '{\"a\": 1}')")
    catalog = f"postgres:{postgres.dsn(postgres.create_database('copy'))}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPIN_")}
    args = ["--db", str(snapshot_store.path), "migrate-store", "--to", "ducklake", "--catalog", catalog]
    done = _cli(env, *args, "--data-path", str(tmp_path / "lake"))
    assert done.returncode == 0, done.stderr
    observations = snapshot_store.query_rows("SELECT count(*) FROM gpu_offer_observations")[0][0]
    assert re.search(rf"gpu_offer_observations +{observations:,} rows", done.stdout), done.stdout
    assert "done: every table matches row count and checksum" in done.stdout
    lake = LakeStore(catalog, str(tmp_path / "lake"))
    for table in ("gpu_offer_observations", "ohlcv_candles", "datasets", "quarantined_records"):
        query = f"SELECT count(*) FROM {table}"
        assert lake.query_rows(query) == snapshot_store.query_rows(query)
    flags = "SELECT flags FROM gpu_offer_observations WHERE len(flags) > 0 ORDER BY offer_id LIMIT 3"
    assert lake.query_rows(flags) == snapshot_store.query_rows(flags)
    lake_env = env | {"DEPIN_STORE": "ducklake", "DEPIN_LAKE_CATALOG": catalog, "DEPIN_LAKE_DATA_PATH": lake.data_path}
    for command in (["compare", "--gpu", "H100-SXM-80GB", "--json"], ["history", "--gpu", "H100-SXM-80GB", "--json"]):
        on_file = _cli(env, "--db", str(snapshot_store.path), *command)
        on_lake = _cli(lake_env, *command)
        assert on_file.returncode == on_lake.returncode == 0, on_lake.stderr
        assert json.loads(on_lake.stdout) == json.loads(on_file.stdout)  # the same answer from either backend
    again = _cli(env, *args, "--data-path", str(tmp_path / "lake"))
    assert again.returncode == 1
    assert again.stderr.startswith("error: ") and "already holds rows" in again.stderr


_WRITER = textwrap.dedent(
    """
    import sys
    import pandas as pd
    from analytics.store.lake import LakeStore
    from analytics.store.writes import upsert

    lake = LakeStore(sys.argv[1], sys.argv[2])
    for i in range(int(sys.argv[3])):
        datasets = pd.DataFrame([
            {"dataset_id": f"d{k}", "kind": "t", "title": f"{sys.argv[4]}-{i}", "row_count": i,
             "loaded_at": pd.Timestamp("2026-01-01")}
            for k in range(5)
        ])
        candles = pd.DataFrame([
            {"exchange": "x", "symbol": "S", "timeframe": "1d", "ts": pd.Timestamp("2026-01-01") + pd.Timedelta(days=k),
             "open": 1.0, "high": 1.0, "low": 1.0, "close": float(i), "token": "T", "quote": "USD",
             "instrument": "spot"}
            for k in range(i % 7, i % 7 + 10)
        ])
        results = pd.DataFrame([  # first write wins: without the writer lock both copies would land
            {"run_id": "r", "seq": k, "metric": "m", "dtype": "d", "shape": "s", "median": 1.0, "best": 1.0,
             "unit": "u", "iterations": i}
            for k in range(i % 5, i % 5 + 3)
        ])
        with lake.writer() as conn:
            upsert(conn, "datasets", datasets)
            upsert(conn, "ohlcv_candles", candles)
            upsert(conn, "bench_results", results)
    """
)


@pytest.mark.backends("ducklake", reason="the file backend has one writer process and declared keys")
def test_two_processes_writing_the_same_keys_leave_one_row_per_key(empty_store):
    empty_store.migrate()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, empty_store.catalog, empty_store.data_path, "15", name],
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    for writer in writers:
        assert writer.wait(timeout=300) == 0, writer.stderr.read()
    assert empty_store.query_rows("SELECT count(*), count(DISTINCT dataset_id) FROM datasets") == [(5, 5)]
    rows = empty_store.query_rows("SELECT count(*), count(DISTINCT ts) FROM ohlcv_candles")
    assert rows == [(16, 16)]
    assert empty_store.query_rows("SELECT count(*), count(DISTINCT seq) FROM bench_results") == [(7, 7)]
    titles = {r[0] for r in empty_store.query_rows("SELECT title FROM datasets")}
    assert len(titles) == 1 and titles.pop().endswith("-14")  # one writer's last batch, whole
