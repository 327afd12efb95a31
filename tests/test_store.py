import pandas as pd
import pytest

from analytics.store import DatabaseMissingError, SchemaTooNewError, Store, StoreError, StoreLockedError
from analytics.store.migrations import MIGRATIONS, Migration
from analytics.store.writes import upsert
from tests.conftest import write_lock_held_by_another_process
from tests.stores import invoke


def _candles(closes, start="2025-01-01"):
    ts = pd.date_range(start, periods=len(closes), freq="D").astype("datetime64[us]")
    return pd.DataFrame(
        {
            "exchange": "bybit",
            "symbol": "AKT/USDT",
            "timeframe": "1d",
            "ts": ts,
            "open": closes,
            "high": closes,
            "low": closes,
            "close": closes,
            "volume": 1.0,
            "token": "AKT",
            "quote": "USDT",
            "instrument": "spot",
            "dataset_id": "test",
        }
    )


def test_migrate_creates_every_table_and_records_the_version(empty_store):
    before, after = empty_store.migrate()
    assert (before, after) == (0, MIGRATIONS[-1].version)
    tables = {r[0] for r in empty_store.query_rows("SELECT table_name FROM information_schema.tables")}
    assert {
        "schema_version",
        "datasets",
        "gpu_offer_observations",
        "ohlcv_candles",
        "published_prices",
        "refresh_runs",
        "source_status",
        "quarantined_records",
    } <= tables
    assert empty_store.migrate() == (after, after)  # running again is a no-op


def test_older_database_is_upgraded_and_keeps_its_rows(empty_store):
    v1 = MIGRATIONS[:1]
    empty_store.migrate(v1)
    with empty_store.writer() as conn:
        upsert(conn, "ohlcv_candles", _candles([1.0, 2.0]))
    v2 = (
        *v1,
        Migration(v1[-1].version + 1, "test: add a note column", "ALTER TABLE datasets ADD COLUMN note2 VARCHAR"),
    )
    assert empty_store.migrate(v2) == (1, 2)
    assert empty_store.query_rows("SELECT count(*) FROM ohlcv_candles")[0][0] == 2
    columns = [r[0] for r in empty_store.query_rows("DESCRIBE datasets")]
    assert "note2" in columns


def test_newer_database_fails_with_a_clear_message(empty_store):
    future = (*MIGRATIONS, Migration(99, "from the future", "CREATE TABLE future_table (x INTEGER)"))
    empty_store.migrate(future)
    with pytest.raises(SchemaTooNewError, match="schema version 99, newer than this DePIN Lens"):
        empty_store.migrate()
    with pytest.raises(SchemaTooNewError):
        empty_store.check_readable()
    doctor = invoke(empty_store, "doctor")
    assert doctor.exit_code == 1 and "version 99 is newer than this DePIN Lens" in doctor.stdout
    other = "DEPIN_DB at another file" if empty_store.backend == "duckdb" else "DEPIN_LAKE_CATALOG at another lake"
    assert f"upgrade DePIN Lens, or point {other}" in doctor.stdout


def test_failed_migration_rolls_back_and_leaves_the_old_version(empty_store):
    empty_store.migrate()
    broken = (*MIGRATIONS, Migration(MIGRATIONS[-1].version + 1, "broken", "CREATE TABLE ok_t (x INT); SELEC nonsense"))
    with pytest.raises(Exception, match="(?i)syntax"):
        empty_store.migrate(broken)
    assert empty_store.schema_version() == MIGRATIONS[-1].version
    tables = {r[0] for r in empty_store.query_rows("SELECT table_name FROM information_schema.tables")}
    assert "ok_t" not in tables


def test_upsert_is_idempotent_and_dedups_inside_a_batch(empty_store):
    empty_store.migrate()
    batch = pd.concat([_candles([1.0, 2.0, 3.0]), _candles([2.5], start="2025-01-02")], ignore_index=True)
    with empty_store.writer() as conn:
        assert upsert(conn, "ohlcv_candles", batch) == 3  # the repeated day is one row
    with empty_store.writer() as conn:
        assert upsert(conn, "ohlcv_candles", batch) == 0
    rows = empty_store.query_rows("SELECT ts::DATE::VARCHAR, close FROM ohlcv_candles ORDER BY ts")
    assert rows == [("2025-01-01", 1.0), ("2025-01-02", 2.5), ("2025-01-03", 3.0)]  # last copy wins


def test_observations_are_append_only(empty_store):
    empty_store.migrate()
    row = {
        "offer_id": "o1",
        "observed_at": pd.Timestamp("2026-01-01"),
        "source": "t",
        "provider": "akash",
        "provider_category": "depin_network",
        "market_model": "decentralized",
        "gpu_name_raw": "h100",
        "gpu_model_status": "partial",
        "gpu_count": 1,
        "pricing_kind": "bid_derived",
        "price_usd_per_hour": 1.5,
        "price_per_gpu_hour_usd": 1.5,
    }
    with empty_store.writer() as conn:
        assert upsert(conn, "gpu_offer_observations", pd.DataFrame([row])) == 1
        changed = {**row, "price_usd_per_hour": 9.0, "price_per_gpu_hour_usd": 9.0}
        assert upsert(conn, "gpu_offer_observations", pd.DataFrame([changed])) == 0
        later = {**row, "observed_at": pd.Timestamp("2026-01-02"), "price_per_gpu_hour_usd": 1.6}
        assert upsert(conn, "gpu_offer_observations", pd.DataFrame([later])) == 1
    prices = empty_store.query_rows("SELECT price_per_gpu_hour_usd FROM gpu_offer_observations ORDER BY observed_at")
    assert prices == [(1.5,), (1.6,)]


def test_upsert_rejects_unknown_tables_and_columns(empty_store):
    empty_store.migrate()
    with empty_store.writer() as conn:
        with pytest.raises(ValueError, match="not a writable table"):
            upsert(conn, "schema_version; DROP TABLE datasets", _candles([1.0]))
        with pytest.raises(ValueError, match="columns the table does not"):
            upsert(conn, "ohlcv_candles", _candles([1.0]).assign(bogus=1))


def test_failed_write_rolls_back_everything(empty_store):
    empty_store.migrate()
    with empty_store.writer() as conn:
        upsert(conn, "ohlcv_candles", _candles([1.0]))
    with pytest.raises(RuntimeError), empty_store.writer() as conn:
        upsert(conn, "ohlcv_candles", _candles([5.0, 6.0], start="2025-02-01"))
        raise RuntimeError("collector crashed mid-batch")
    assert empty_store.query_rows("SELECT count(*) FROM ohlcv_candles")[0][0] == 1


def test_reader_on_missing_file_says_run_init(tmp_path):
    with pytest.raises(DatabaseMissingError, match="depin init"):
        Store(tmp_path / "nope.duckdb").schema_version()


def test_unwritable_location_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot create folder"):
        Store(blocker / "sub" / "x.duckdb").migrate()


@pytest.mark.file_only("DuckDB's own file lock held by another process; a lake has none")
def test_lock_held_by_another_process_times_out_with_a_clear_message(empty_store):
    empty_store.migrate()
    with write_lock_held_by_another_process(empty_store.path):
        impatient = Store(empty_store.path, lock_timeout_s=0.5)
        with pytest.raises(StoreLockedError, match="locked by another process"):
            impatient.query_rows("SELECT 1")
        with pytest.raises(StoreLockedError):
            impatient.migrate()
    assert Store(empty_store.path).query_rows("SELECT 1") == [(1,)]  # free again once the writer is gone
