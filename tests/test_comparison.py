"""Issue 11: segments, like-for-like comparison, the bundled 2026 data and its quirks, conflicts, history."""

import json
import subprocess
import sys
from datetime import datetime

import pandas as pd
import pytest

from analytics.bundled.base import build_batch
from analytics.bundled.registry import DATASETS
from analytics.metrics.overview import overview_kpis
from analytics.normalize import provider_info
from analytics.normalize.providers import SEGMENTS
from analytics.paths import bundled_data_dir
from analytics.refresh import run_refresh
from analytics.settings import Settings
from analytics.snapshot import attribute_provider
from tests.stores import run_cli

LOADED = datetime(2026, 11, 30)


@pytest.fixture(scope="module")
def batches():
    return {d.dataset_id: build_batch(d, LOADED) for d in DATASETS}


def depin(*args):
    return subprocess.run([sys.executable, "-m", "analytics.cli", *args], capture_output=True, text=True, timeout=300)


def test_every_provider_of_every_bundled_dataset_has_a_segment(batches):
    providers = set()
    for batch in batches.values():
        providers |= set(batch.offers["provider"])
    snapshot = pd.read_csv(bundled_data_dir() / "snapshot" / "gpu_offers_skypilot.csv")
    providers |= {attribute_provider(r.provider, r.instance_type)[0] for r in snapshot.itertuples()}
    unknown = sorted(p for p in providers if provider_info(p).segment not in SEGMENTS)
    assert not unknown, f"providers without a segment in data/providers.csv: {unknown}"
    for batch in batches.values():
        assert set(batch.offers["segment"]) <= set(SEGMENTS)


def test_whole_instance_rows_before_2026_02_19_are_divided_by_their_gpu_count(batches):
    offers = batches["gpu_pricing_tracker:daily"].offers
    aws = offers[(offers["provider"] == "aws") & (offers["gpu_name_raw"] == "H100_SXM")]
    early = aws[aws["price_date"] == pd.Timestamp("2026-02-11").date()].iloc[0]
    assert (early["gpu_count"], early["price_usd_per_hour"], early["price_per_gpu_hour_usd"]) == (8, 55.04, 6.88)
    late = aws[aws["price_date"] == pd.Timestamp("2026-03-02").date()]
    assert late["price_per_gpu_hour_usd"].tolist() and set(late["price_per_gpu_hour_usd"].round(2)) == {6.88}
    assert all("gpu_count_unreliable" in f for f in late["flags"])


def test_akash_console_tiers_are_one_offer_with_its_statistics(batches):
    offers = batches["opencomputeprices:2026-03"].offers
    akash = offers[(offers["provider"] == "akash") & (offers["gpu_model"] == "H100-SXM-80GB")]
    assert len(akash) == 1  # min, max, avg and weightedAverage rows: statistics of one offer
    offer = akash.iloc[0]
    assert (offer["pricing_kind"], offer["price_per_gpu_hour_usd"], offer["segment"]) == (
        "bid_derived",
        1.53,
        "depin_network",
    )
    stats = json.loads(offer["attributes"])["price_stats_usd"]
    assert stats == {"min": 1.2, "max": 2.07, "avg": 1.64, "weightedAverage": 1.53}
    assert offer["price_date"] == pd.Timestamp("2026-03-22").date()


def test_coreweave_rows_are_8_gpu_node_prices(batches):
    offers = batches["opencomputeprices:2026-03"].offers
    offers = offers[offers["flags"].map(lambda f: "node_price_divided_by_gpus" in f)]
    cw = offers[(offers["provider"] == "coreweave") & (offers["gpu_name_raw"] == "A100")].iloc[0]
    assert (cw["gpu_count"], cw["price_usd_per_hour"], cw["price_per_gpu_hour_usd"]) == (8, 21.6, 2.7)
    gb200 = offers[(offers["provider"] == "coreweave") & (offers["gpu_name_raw"] == "GB200")].iloc[0]
    assert gb200["price_per_gpu_hour_usd"] == 42.0 / 4


def test_runpod_rows_take_the_segment_their_listing_names(batches):
    ocp = batches["opencomputeprices:2026-03"].offers
    runpod = ocp[ocp["provider"] == "runpod"]
    secure = runpod[runpod["instance_type"].str.contains("SECURE")]
    assert len(secure) and set(secure["segment"]) == {"datacenter_marketplace"}
    hemgo = batches["gpu_price_dashboard:2026-08-22"].offers
    community = hemgo[(hemgo["provider"] == "runpod") & hemgo["instance_type"].str.endswith("community")]
    assert len(community) and set(community["segment"]) == {"community_marketplace"}


def test_rejected_rows_go_to_quarantine_with_a_reason(batches):
    aws = batches["aws_price_list:p5"]
    assert len(aws.quarantined) == 13
    assert all("failed back-fill" in reason for _, reason in aws.quarantined)
    ocp_reasons = {reason.split(":")[0] for _, reason in batches["opencomputeprices:2026-03"].quarantined}
    assert "implausible price" in ocp_reasons  # Azure monthly figures such as $42,066 for one hour


def test_no_bundled_row_uses_a_load_date_as_its_observation_date(batches):
    for batch in batches.values():
        assert batch.offers["price_date"].notna().all()
        assert (pd.to_datetime(batch.offers["price_date"]) < pd.Timestamp("2026-09-01")).all()
        assert (batch.offers["observed_at"] < LOADED).all()


def test_the_snapshot_has_no_age_where_its_date_is_unknown(snapshot_store):
    from analytics.offers import offers_age_days
    from analytics.queries import latest_offers

    offers = latest_offers(snapshot_store)
    snapshot = offers[offers["source"] == "skypilot_snapshot"]
    assert len(snapshot) and offers_age_days(snapshot).isna().all()
    dated = offers[offers["source"] == "aws_price_list"]
    assert offers_age_days(dated, now=datetime(2026, 8, 23)).iloc[0] == pytest.approx(1.0)


def test_a_failed_refresh_or_a_reloaded_file_never_makes_data_look_new(snapshot_store):
    before = overview_kpis(snapshot_store, now=LOADED).freshness
    settings = Settings(_env_file=None, akash_base_url="http://127.0.0.1:9", http_timeout_s=1)
    report = run_refresh(snapshot_store, settings, only=["published", "akash"])
    assert {o.source: o.status for o in report.outcomes} == {"published": "ok", "akash": "failed"}
    after = overview_kpis(snapshot_store, now=LOADED).freshness
    assert after.bundled_only and after.newest_price_date == before.newest_price_date
    assert after.offers_age_days == before.offers_age_days


def test_the_aws_source_conflict_is_flagged_and_the_first_party_price_trusted(snapshot_store):
    from analytics.queries import source_conflicts

    conflicts = source_conflicts(snapshot_store)
    aws = conflicts[(conflicts["provider"] == "aws") & (conflicts["instance_type"] == "p5.48xlarge")]
    assert len(aws) == 1
    row = aws.iloc[0]
    assert {row["source_a"], row["source_b"]} == {"aws_price_list", "opencomputeprices"}
    assert row["trusted_source"] == "aws_price_list"
    assert sorted([row["price_a"], row["price_b"]]) == pytest.approx([6.88, 12.29])


def test_depin_compare_has_every_segment_with_counts_and_dates(snapshot_store):
    result = run_cli(snapshot_store, "compare", "--gpu", "H100-SXM-80GB", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    segments = {s["segment"]: s for s in report["segments"]}
    assert set(segments) == set(SEGMENTS)
    for s in segments.values():
        assert s["providers"] >= 1 and s["offers"] >= 1 and s["newest_price_date"]
    assert {"aws", "azure", "oci"} & set(segments["hyperscaler"]["provider_list"].split(", "))
    assert "akash" in segments["depin_network"]["provider_list"].split(", ")
    assert len(report["robustness"]) >= 10
    assert any(c["provider"] == "aws" for c in report["conflicts"])


def test_depin_history_shows_the_june_2025_aws_cut(snapshot_store):
    result = run_cli(snapshot_store, "history", "--gpu", "H100-SXM-80GB", "--provider", "aws", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    series = [p for p in report["series"] if p["source"] == "aws_price_list"]
    may, july = [p for p in series if p["date"] == "2025-05-20"], [p for p in series if p["date"] == "2025-07-01"]
    assert may[0]["median_usd"] == pytest.approx(12.29) and july[0]["median_usd"] == pytest.approx(6.88)
    moves = [m for m in report["price_moves"] if m["source"] == "aws_price_list"]
    assert moves[0]["date"].startswith("2025-06") and moves[0]["change_pct"] == pytest.approx(-44.0, abs=0.1)


def test_segment_history_marks_coverage_changes(snapshot_store):
    from analytics.comparison.report import history_report

    report = history_report(snapshot_store, "H100-SXM-80GB", segment="neocloud")
    assert report["series"] and any(p["coverage_change"] for p in report["series"])
    assert report["published_index"], "the independent index's medians are drawn beside ours"
    assert all(c["change_pct"] is None or c["providers"] >= 1 for c in report["changes"])


def test_compare_rejects_a_bad_gpu_count():
    result = depin("compare", "--gpu", "H100-SXM-80GB", "--gpus", "-2")
    assert result.returncode == 2 and "--gpus" in result.stderr
