import pandas as pd
import pytest

from analytics.paths import bundled_data_dir
from analytics.snapshot import load_snapshot


def test_snapshot_counts_and_providers(snapshot_store):
    rows = snapshot_store.query_rows(
        "SELECT count(*), count(DISTINCT dataset_id) FROM gpu_offer_observations WHERE source = 'skypilot_snapshot'"
    )
    csv = pd.read_csv(bundled_data_dir() / "snapshot" / "gpu_offers_skypilot.csv")
    expected = len(csv) + int(csv["spot_usd_per_hour"].notna().sum())  # one observation per pricing kind
    assert rows == [(expected, 9)]
    assert len(csv) == 1953


def test_candles_are_deduplicated_on_load(snapshot_store):
    csv = pd.read_csv(bundled_data_dir() / "snapshot" / "ohlcv_BTC_1d.csv")
    assert csv.duplicated().sum() == 1  # the source really has a duplicate row
    stored = snapshot_store.query_rows(
        "SELECT count(*), count(DISTINCT ts) FROM ohlcv_candles WHERE token = 'BTC' AND exchange LIKE 'bybit%'"
    )
    assert stored == [(len(csv) - 1, len(csv) - 1)]


def test_rndr_and_render_stay_separate_series(snapshot_store):
    series = snapshot_store.query_rows(
        "SELECT token, exchange, max(ts)::DATE::VARCHAR FROM ohlcv_candles "
        "WHERE token IN ('RNDR', 'RENDER') GROUP BY ALL ORDER BY 1, 2"
    )
    assert series == [
        ("RENDER", "binance_spot", "2025-04-13"),
        ("RENDER", "bybit_usdt_perpetual", "2025-11-12"),
        ("RNDR", "yahoo_finance", "2024-07-21"),
    ]


def test_every_row_knows_its_source(snapshot_store):
    orphans = snapshot_store.query_rows(
        """
        SELECT count(*) FROM (
            SELECT dataset_id FROM gpu_offer_observations UNION ALL
            SELECT dataset_id FROM ohlcv_candles UNION ALL
            SELECT dataset_id FROM published_prices
        ) r LEFT JOIN datasets d USING (dataset_id) WHERE d.dataset_id IS NULL
        """
    )
    assert orphans == [(0,)]
    runpod = snapshot_store.query_rows(
        "SELECT source_repo, source_path, length(source_commit) FROM datasets WHERE dataset_id = ?",
        ["skypilot_catalog:runpod"],
    )
    assert runpod == [("skypilot-org/skypilot-catalog", "catalogs/v7/runpod/vms.csv", 40)]
    render = snapshot_store.query_rows(
        "SELECT source_repo, as_of FROM datasets WHERE dataset_id = 'ohlcv:bybit_usdt_perpetual:RENDERUSDT:1d'"
    )
    assert render == [("jumpotsa/Bybit_Cross_Momentum", "2025-11-12")]


def test_loading_twice_changes_nothing(snapshot_store):
    def snapshot():
        return {
            t: snapshot_store.query_df(f"SELECT * FROM {t} ORDER BY ALL").to_csv()
            for t in ("gpu_offer_observations", "ohlcv_candles", "published_prices", "datasets")
        }

    before = snapshot()
    report = load_snapshot(snapshot_store)
    assert report.total_added == 0
    assert snapshot() == before


def test_market_overview_claims_are_not_offers(snapshot_store):
    claims = snapshot_store.query_rows(
        "SELECT provider FROM published_prices WHERE is_market_overview_claim ORDER BY provider"
    )
    assert [c[0] for c in claims] == ["AWS EC2", "CoreWeave", "Dataoorts", "Lambda Labs", "RunPod"]
    published_offers = snapshot_store.query_rows(
        "SELECT provider, gpu_model, price_per_gpu_hour_usd, price_as_of FROM gpu_offer_observations "
        "WHERE source = 'published' AND gpu_family = 'H100'"
    )
    assert published_offers == [("coreweave", "H100-SXM-80GB", 49.24 / 8, "2026-07-02")]


def test_spot_above_on_demand_is_flagged_and_kept(snapshot_store):
    flagged = snapshot_store.query_rows(
        "SELECT DISTINCT gpu_family FROM gpu_offer_observations WHERE list_contains(flags, 'spot_above_on_demand') "
        "AND source = 'skypilot_snapshot'"
    )
    assert flagged == [("L40S",)]


@pytest.mark.backends("ducklake", reason="compares a lake loaded from the bundled files with the file backend's load")
def test_the_bundled_files_load_into_a_lake_exactly_as_into_the_file(empty_store, _snapshot_db):
    # The other lake tests get the snapshot copied from the file (conftest: _snapshot_lake); this one parses it.
    from analytics.store import Store
    from analytics.store.copy import _columns, _tables, table_checksum

    load_snapshot(empty_store)
    with Store(_snapshot_db).reader() as file_conn, empty_store.reader() as lake_conn:
        tables = _tables(file_conn)
        assert tables == _tables(lake_conn)
        differ = {}
        for table in tables:
            for column in _columns(file_conn, table):
                if table_checksum(lake_conn, table, [column]) != table_checksum(file_conn, table, [column]):
                    differ.setdefault(table, []).append(column)
        assert differ == {  # only when and by which run each copy was loaded
            "datasets": ["loaded_at"],
            "quarantined_records": ["run_id", "recorded_at"],
            "refresh_runs": ["run_id", "started_at", "finished_at"],
            "source_status": ["run_id", "started_at", "finished_at", "duration_ms"],
        }
