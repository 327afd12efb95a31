"""The read models (analytics/store/read_models.py) equal what raw offer history gives, whatever was written:
the bundled snapshot, refreshes with repeated, out-of-order and older observations, a rolled-back write, a
migration of an older database, a copy to another store; doctor finds stale ones and rebuilds them."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import queries
from analytics.cli import main
from analytics.comparison import history
from analytics.store import Store, read_models
from analytics.store.copy import copy_store
from analytics.store.doctor import examine, rebuild_read_models
from analytics.store.migrations import MIGRATIONS
from analytics.store.writes import upsert

pytestmark = pytest.mark.backends("duckdb", "ducklake")

GPU = "H100-SXM-80GB"
# (offer_id, source, provider, instance_type, region, pricing_kind): pairs of sources list the same listing,
# so conflicts arise; NULL regions and instance types take the paths the SQL treats specially.
OFFERS = [
    ("o-aws-list", "aws_pricing", "aws", "p5.48xlarge", "us-east-1", "on_demand"),
    ("o-aws-sky", "skypilot_catalog", "aws", "p5.48xlarge", "us-east-1", "on_demand"),
    ("o-rp-a", "runpod", "runpod", "H100 SXM SECURE", None, "on_demand"),
    ("o-rp-b", "shadeform", "runpod", "H100 SXM SECURE", None, "on_demand"),
    ("o-vast", "vast", "vast", None, None, "bid_derived"),
    ("o-spot", "aws_pricing", "aws", "p5.48xlarge", "us-west-2", "spot"),
]
PRICES = [1.5, 2.0, 2.25, 2.5, 3.0, 6.0]
FLAGS = [[], [], ["min_live_offer"], ["large_move"]]
START = datetime(2026, 1, 1)


def observation(offer: int, hour: int, price: int, flags: int, dated: bool, segment: bool, dataset: int) -> dict:
    offer_id, source, provider, instance, region, kind = OFFERS[offer]
    observed_at = START + timedelta(hours=hour)
    return {
        "offer_id": offer_id,
        "observed_at": observed_at,
        "source": source,
        "dataset_id": [None, f"live:{source}", "bundled:x"][dataset],
        "provider": provider,
        "provider_category": "hyperscaler" if provider == "aws" else "marketplace",
        "market_model": "centralized" if provider == "aws" else "decentralized",
        "instance_type": instance,
        "region": region,
        "gpu_name_raw": "H100 80GB",
        "gpu_model": GPU,
        "gpu_family": "H100",
        "gpu_model_status": "exact",
        "gpu_count": 8 if provider == "aws" else 1,
        "pricing_kind": kind,
        "price_usd_per_hour": PRICES[price] * (8 if provider == "aws" else 1),
        "price_per_gpu_hour_usd": PRICES[price],
        "flags": FLAGS[flags],
        "segment": ("hyperscaler" if provider == "aws" else "community_marketplace") if segment else None,
        "price_date": observed_at.date() if dated else None,
    }


observations = st.builds(
    observation,
    offer=st.integers(0, len(OFFERS) - 1),
    hour=st.integers(0, 24 * 8),  # a week and a bit: conflicts look 3 days apart, history 7 days back
    price=st.integers(0, len(PRICES) - 1),
    flags=st.integers(0, len(FLAGS) - 1),
    dated=st.sampled_from([True, True, False]),
    segment=st.sampled_from([True, True, False]),
    dataset=st.integers(0, 2),
)
batches = st.lists(st.lists(observations, min_size=1, max_size=25), min_size=1, max_size=5)


def write(store: Store, rows: list[dict]) -> int:
    with store.writer() as conn:
        return upsert(conn, "gpu_offer_observations", pd.DataFrame(rows))


def assert_read_models_match(store: Store) -> None:
    """Every read model and every reader switched to them equals its raw-history reference."""
    with store.reader() as conn:
        assert read_models.differences(conn) == {t: 0 for t in read_models.TABLES}
    for family in (None, "H100"):
        pd.testing.assert_frame_equal(
            queries.latest_offers(store, family=family), queries.latest_offers(store, family=family, reference=True)
        )
    pd.testing.assert_frame_equal(queries.offer_sources(store), queries.offer_sources(store, reference=True))
    pd.testing.assert_frame_equal(queries.datasets(store), queries.datasets(store, reference=True))
    pd.testing.assert_frame_equal(queries.source_conflicts(store), queries.source_conflicts(store, reference=True))
    models = [r[0] for r in store.query_rows("SELECT DISTINCT gpu_model FROM offer_daily ORDER BY 1") if r[0]]
    for gpu in models[:12]:
        compact = queries.offer_observations(store, gpu_model=gpu)
        raw = queries.offer_observations(store, gpu_model=gpu, reference=True)
        assert compact["observations"].sum() == len(raw)
        for kinds in (history.FIRM_KINDS, ("spot",)):
            pd.testing.assert_frame_equal(
                history.segment_daily(compact, kinds), history.segment_daily(raw, kinds), check_dtype=False
            )
            pd.testing.assert_frame_equal(history.provider_daily(compact, kinds), history.provider_daily(raw, kinds))
        for provider in sorted(raw["provider"].unique())[:4]:
            pd.testing.assert_frame_equal(
                history.provider_series(compact, provider), history.provider_series(raw, provider)
            )


def test_the_bundled_snapshot_loads_with_matching_read_models(snapshot_store):
    assert snapshot_store.query_rows("SELECT count(*) FROM offer_latest")[0][0] > 0
    assert_read_models_match(snapshot_store)


def _clear(store: Store) -> None:
    with store.writer() as conn:
        for table in ("gpu_offer_observations", *read_models.TABLES):
            conn.execute(f"DELETE FROM {table}")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=batches)
def test_any_sequence_of_writes_keeps_the_read_models_equal_to_raw_history(empty_store, sequence):
    empty_store.migrate()
    _clear(empty_store)
    for rows in sequence:
        write(empty_store, rows)
    assert_read_models_match(empty_store)


def test_repeated_older_and_out_of_order_observations(empty_store):
    empty_store.migrate()
    newest = [observation(k, 50, 1, 0, True, True, 1) for k in range(len(OFFERS))]
    assert write(empty_store, newest) == len(OFFERS)
    older = [observation(k, h, (k + h) % len(PRICES), h % 4, h % 3 > 0, True, 1) for k in range(6) for h in (3, 30)]
    write(empty_store, older)
    again = [{**row, "price_per_gpu_hour_usd": 99.0} for row in newest]  # first write wins: ignored
    assert write(empty_store, again) == 0
    latest = queries.latest_offers(empty_store)
    assert set(latest["observed_at"]) == {START + timedelta(hours=50)}
    assert 99.0 not in set(latest["price_per_gpu_hour_usd"])
    # the same day: two more prices and the first one again; a repeated key keeps its first write
    same_day = [observation(0, h, p, 0, True, True, 1) for h, p in ((49, 0), (48, 4), (51, 1))]
    write(empty_store, same_day)
    write(empty_store, [{**row, "price_per_gpu_hour_usd": 6.0} for row in same_day])
    daily = empty_store.query_df(
        "SELECT price_per_gpu_hour_usd, observations FROM offer_daily WHERE offer_id = 'o-aws-list' "
        "AND price_date = ? ORDER BY 1",
        [date(2026, 1, 3)],
    )
    assert daily.to_dict("list") == {"price_per_gpu_hour_usd": [1.5, 2.0, 3.0], "observations": [1, 2, 1]}
    assert_read_models_match(empty_store)


def test_a_rolled_back_write_leaves_the_read_models_as_they_were(snapshot_store):
    before = {t: snapshot_store.query_df(f"SELECT * FROM {t}") for t in read_models.TABLES}
    rows = [observation(k, 24 * 400, 2, 0, True, True, 1) for k in range(len(OFFERS))]
    with pytest.raises(RuntimeError, match="collector failed"), snapshot_store.writer() as conn:
        assert upsert(conn, "gpu_offer_observations", pd.DataFrame(rows)) == len(OFFERS)
        assert conn.execute("SELECT count(*) FROM offer_latest WHERE offer_id = 'o-vast'").fetchall()[0][0] == 1
        raise RuntimeError("collector failed")
    for table, frame in before.items():
        after = snapshot_store.query_df(f"SELECT * FROM {table}")
        assert len(after) == len(frame)
    assert snapshot_store.query_rows("SELECT count(*) FROM offer_latest WHERE offer_id = 'o-vast'")[0][0] == 0
    assert_read_models_match(snapshot_store)


def test_migrating_an_older_database_fills_the_read_models_from_its_history(empty_store):
    empty_store.migrate([m for m in MIGRATIONS if m.version < 7])
    hours = range(0, 90, 7)
    rows = [observation(k, h, h % len(PRICES), h % 4, h % 5 > 0, True, h % 3) for k in range(6) for h in hours]
    write(empty_store, rows)
    assert empty_store.migrate()[1] == 7
    assert empty_store.query_rows("SELECT count(*) FROM offer_latest")[0][0] == len(OFFERS)
    assert_read_models_match(empty_store)


def test_doctor_finds_stale_read_models_and_rebuilds_them(snapshot_store):
    with snapshot_store.writer() as conn:  # what a direct DELETE on the history (not through the store) leaves
        conn.execute("DELETE FROM gpu_offer_observations WHERE source = 'skypilot_snapshot'")
    report = examine(snapshot_store)
    check = next(c for c in report.checks if c.name == "read models")
    assert not check.ok and "offer_latest" in check.detail and "offer_stats" in check.detail
    assert report.advice == ["run `depin doctor --rebuild-read-models` to recompute them from the stored observations"]
    rebuild_read_models(snapshot_store)
    assert examine(snapshot_store).healthy
    assert_read_models_match(snapshot_store)


def test_doctor_cli_rebuilds_read_models(snapshot_store, store_backend):
    if store_backend != "duckdb":
        pytest.skip("the CLI's --db names a DuckDB file; the lake goes through the functions above")
    with snapshot_store.writer() as conn:
        conn.execute("DELETE FROM offer_latest WHERE provider = 'aws'")
    stale = CliRunner().invoke(main, ["--db", str(snapshot_store.path), "doctor", "--json"])
    assert stale.exit_code == 1 and "--rebuild-read-models" in stale.stdout
    fixed = CliRunner().invoke(main, ["--db", str(snapshot_store.path), "doctor", "--json", "--rebuild-read-models"])
    assert fixed.exit_code == 0, fixed.output
    assert json.loads(fixed.stdout)["healthy"] is True


def test_migrate_store_carries_the_read_models(_snapshot_db, empty_store, store_backend):
    if store_backend != "ducklake":
        pytest.skip("migrate-store copies a DuckDB file into a lake")
    checks = {c.table: c.rows for c in copy_store(Store(_snapshot_db), empty_store)}
    assert checks["offer_latest"] == empty_store.query_rows("SELECT count(DISTINCT offer_id) FROM offer_latest")[0][0]
    assert_read_models_match(empty_store)
    write(empty_store, [observation(0, 24 * 500, 3, 0, True, True, 1)])  # and the copy keeps them in step
    assert_read_models_match(empty_store)


def test_the_read_model_benchmark_runs_every_reader_both_ways(snapshot_store, store_backend, monkeypatch, capsys):
    if store_backend != "duckdb":
        pytest.skip("the benchmark takes a DuckDB file")
    from benchmarks import read_models as bench

    monkeypatch.setattr("sys.argv", ["read_models", "--db", str(snapshot_store.path), "--repeat", "1", "--rebuild"])
    bench.main()
    out = capsys.readouterr().out
    for name in ("latest_offers", "offer_sources", "datasets", "source_conflicts", "history (H100-SXM-80GB)"):
        assert name in out
    assert "rebuild of every read model" in out
    assert_read_models_match(snapshot_store)
