"""The `akash_network` collector against the four Console endpoints (+ providers) served on 127.0.0.1."""

import json
import subprocess
import sys
from datetime import date, datetime

import pandas as pd
import pytest

from analytics.network.akash_console import GRAPHS, AkashNetworkCollector, network_frame
from analytics.network.metrics import network_metrics, series
from analytics.refresh import run_refresh
from analytics.settings import Settings
from tests.fakeserver import FIXTURES, FakeApis, Reply
from tests.stores import store_env, store_settings, use_store

FIXTURE = FIXTURES / "akash" / "v1"


def load(path: str):
    return json.loads((FIXTURE / path).read_text(encoding="utf-8"))


@pytest.fixture
def apis():
    with FakeApis() as server:
        yield server


def settings_for(apis, store):
    return Settings(_env_file=None, **store_settings(store), http_timeout_s=2, akash_base_url=f"{apis.url}/akash")


def outcome(report, source="akash_network"):
    return next(o for o in report.outcomes if o.source == source)


def test_collects_spend_gpus_burns_and_uptime_in_whole_units(apis, empty_store):
    report = run_refresh(empty_store, settings_for(apis, empty_store), only="akash_network")
    result = outcome(report)
    assert result.status == "ok", result.message
    paths = {p for _, p in apis.requests}
    assert {"/akash/v1/graph-data/dailyUUsdSpent", "/akash/v1/dashboard-data", "/akash/v1/gpu-breakdown",
            "/akash/v1/bme/dashboard-data", "/akash/v1/providers"} <= paths  # fmt: skip
    rows = network_metrics(empty_store, "akash")
    spend = series(rows, "daily_spend_usd")
    # 38,120,554,901.2 uUSD -> $38,120.55; the null snapshot of 11-22 is quarantined, not zero
    assert dict(zip(spend["date"].astype(str), spend["value"].round(2), strict=True)) == {
        "2026-11-20": 38120.55,
        "2026-11-21": 39877.01,
        "2026-11-23": 40112.0,
        "2026-11-24": 41250.34,
    }
    burned = series(rows, "daily_net_akt_burned")
    assert list(burned["value"].round(6)) == [-1.203115, 7.991408]  # a net figure may be negative
    h100 = series(rows, "gpu_utilization", "nvidia h100")
    assert h100["value"].iloc[0] == pytest.approx(251 / 304)
    network = series(rows, "gpu_utilization")
    assert network["value"].iloc[0] == pytest.approx((251 + 118 + 177) / (304 + 196 + 402))  # h200 quarantined
    uptime = rows[rows["metric"] == "uptime_30d"]
    assert len(uptime) == 4 and uptime["value"].between(0, 1).all()
    reasons = [r[0] for r in empty_store.query_rows("SELECT reason FROM quarantined_records")]
    assert sorted(reasons) == [
        "gpu-breakdown: 30 leased GPUs > 24 in total",
        "graph-data/activeGPU: value is not a number",
        "graph-data/dailyUUsdSpent: value is not a number",
        "uptime_7d: uptime_7d must be between 0 and 1, got 1.2",
    ]
    assert result.rows_quarantined == 4 and result.rows_added == len(rows)
    dataset = empty_store.query_rows("SELECT row_count FROM datasets WHERE dataset_id = 'live:akash_network'")
    assert dataset == [(len(rows),)]
    status = empty_store.query_rows("SELECT status FROM source_status WHERE source = 'akash_network'")
    assert status == [("ok",)]


def test_the_fetch_day_is_flagged_partial():
    raw = {
        "graphs": {name: {"snapshots": []} for name in GRAPHS},
        "dashboard": load("dashboard-data.json"),
        "gpu_breakdown": [],
        "bme": load("bme/dashboard-data.json"),
        "providers": [],
    }
    raw["graphs"]["dailyUUsdSpent"] = load("graph-data/dailyUUsdSpent.json")
    result = AkashNetworkCollector(Settings(_env_file=None)).parse(raw, datetime(2026, 11, 24, 12, 0))
    frame = network_frame(result.rows, "akash_network", "live:akash_network", datetime(2026, 11, 24, 12, 0))
    spend = frame[frame["metric"] == "daily_spend_usd"].set_index("date")["flags"].to_dict()
    # the graph's closed day wins over the dashboard's rolling 24 h reading of the same date
    assert spend[date(2026, 11, 24)] == ["partial_day"] and spend[date(2026, 11, 23)] == []


def test_empty_snapshots_are_a_note_not_a_failure(apis, empty_store):
    empty = '{"currentValue": 0, "compareValue": 0, "snapshots": []}'
    apis.script("/akash/v1/graph-data/dailyLeaseCount", Reply(200, empty))
    apis.script("/akash/v1/gpu-breakdown", Reply(200, "[]"))
    result = outcome(run_refresh(empty_store, settings_for(apis, empty_store), only="akash_network"))
    assert result.status == "ok" and "graph-data/dailyLeaseCount: no snapshots" in result.message
    rows = network_metrics(empty_store, "akash")
    assert series(rows, "daily_new_leases")["date"].astype(str).tolist() == ["2026-11-23", "2026-11-24"]  # readings


def _renamed(path: str, old: str, new: str) -> str:
    return (FIXTURE / path).read_text(encoding="utf-8").replace(f'"{old}"', f'"{new}"')


@pytest.mark.parametrize(
    ("path", "old", "new", "reason"),
    [
        ("dashboard-data.json", "dailyUUsdSpent", "dailyUsdSpent", "now.dailyUUsdSpent: Field required"),
        ("graph-data/activeGPU.json", "snapshots", "points", "graph-data/activeGPU: unexpected payload shape"),
        ("gpu-breakdown.json", "leasedGpus", "leased", "gpu-breakdown: unexpected payload shape"),
        ("bme/dashboard-data.json", "netAktBurned", "netBurned", "now.netAktBurned: Field required"),
        ("providers.json", "uptime30d", "uptime_30d", "providers: unexpected payload shape"),
    ],
)
def test_a_renamed_field_fails_the_source_alone(apis, snapshot_store, path, old, new, reason):
    apis.script(f"/akash/v1/{path.removesuffix('.json')}", Reply(200, _renamed(path, old, new)))
    before = snapshot_store.query_rows("SELECT count(*) FROM network_metrics")[0][0]
    report = run_refresh(snapshot_store, settings_for(apis, snapshot_store), only="akash_network,akash")
    failed = outcome(report)
    assert failed.status == "failed" and reason in failed.message, failed.message
    assert outcome(report, "akash").status == "ok"
    assert snapshot_store.query_rows("SELECT count(*) FROM network_metrics")[0][0] == before  # nothing partial


def test_cli_network_json_has_the_january_spend_and_provider_counts(snapshot_store):
    env = store_env(snapshot_store)
    run = subprocess.run(
        [sys.executable, "-m", "analytics.cli", "network", "--network", "akash", "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)  # strict: NaN would not parse back as a number anywhere
    assert "NaN" not in run.stdout
    january = {p["date"]: round(p["value"]) for p in report["series"]["daily_spend_usd"] if p["date"] >= "2025-01-02"}
    assert january == {"2025-01-02": 11332, "2025-01-06": 12168}
    assert len(report["series"]["active_providers"]) == 667
    aethir = subprocess.run(
        [sys.executable, "-m", "analytics.cli", "network", "--network", "aethir"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert aethir.returncode == 0 and "Demand (revenue_usd, USD per day):" in aethir.stdout
    last_day = next(line for line in aethir.stdout.splitlines() if line.strip().startswith("2025-01-06"))
    assert last_day.split() == ["2025-01-06", "$223,857", "quokit", "[partial_day]"]
    assert "Not shown - emission side: no emissions source" in aethir.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "analytics.cli", "network", "--network", "filecoin"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2 and "filecoin" in bad.stderr


def test_measured_uptime_replaces_the_assumed_rate_and_feeds_due_diligence(apis, empty_store):
    from analytics.metrics.jobs import JobSpec, job_costs
    from analytics.network.evidence import network_evidence
    from analytics.network.reliability import interruption_rate_from_uptime, measured_interruption_rates

    assert interruption_rate_from_uptime(0.99) == pytest.approx(0.01 / 0.99)
    with pytest.raises(ValueError, match="uptime"):
        interruption_rate_from_uptime(0.0)
    empty_store.migrate()
    assert measured_interruption_rates(empty_store) == {}  # nothing measured: the assumptions stay
    run_refresh(empty_store, settings_for(apis, empty_store), only="akash_network")
    rates = measured_interruption_rates(empty_store)
    median = (0.98 + 0.991) / 2  # 30-day uptimes 0.962, 0.98, 0.991, 0.999 (the 1.2 row was refused)
    lam, source = rates["akash"]
    assert lam == pytest.approx((1 - median) / median)
    # uptime is a reading of the fetch day
    assert source.startswith(f"measured: median 30d uptime 98.6% of 4 Akash providers (Console API, {date.today()})")
    offers = pd.DataFrame(
        [
            {"provider": "akash", "provider_category": "depin_network", "market_model": "decentralized",
             "gpu_model": "H100-SXM-80GB", "pricing_kind": "bid_derived", "gpu_count": 1, "price_usd_per_hour": 2.0,
             "source": "akash", "observed_at": datetime(2026, 11, 24), "attributes": None},
            {"provider": "runpod", "provider_category": "marketplace", "market_model": "decentralized",
             "gpu_model": "H100-SXM-80GB", "pricing_kind": "on_demand", "gpu_count": 1, "price_usd_per_hour": 2.5,
             "source": "runpod", "observed_at": datetime(2026, 11, 24), "attributes": None},
        ]
    )  # fmt: skip
    costs = job_costs(offers, JobSpec(gpus=1, hours=10), measured_rates=rates).set_index("provider")
    assert costs.at["akash", "interruptions_per_hour"] == pytest.approx(lam)
    assert costs.at["akash", "rate_source"] == source and costs.at["runpod", "rate_source"].startswith("assumption")

    items = {i["key"]: i for i in network_evidence(empty_store, "akash", date(2026, 11, 30))}
    assert items["provider_uptime"]["value"] == pytest.approx(median) and not items["provider_uptime"]["stale"]
    assert items["network_demand"]["date"] == "2026-11-24"
    assert items["issuance_coverage"]["value"] is None and "emission side" in items["issuance_coverage"]["source"]


def test_year_old_evidence_is_flagged_stale(snapshot_store):
    from analytics.network.evidence import network_evidence

    items = {i["key"]: i for i in network_evidence(snapshot_store, "akash", date(2026, 11, 30))}
    demand = items["network_demand"]
    assert (demand["value"], demand["date"], demand["stale"]) == (pytest.approx(12168.08, abs=0.01), "2025-01-06", True)
    assert items["emissions_usd_month"]["date"] == "2024-10-01" and items["emissions_usd_month"]["stale"]
    assert "no month has both sides" in items["issuance_coverage"]["source"]
    fresh = {i["key"]: i for i in network_evidence(snapshot_store, "akash", date(2025, 6, 1))}
    assert not fresh["network_demand"]["stale"]


def test_a_live_spend_history_gives_coverage_for_months_with_emissions(apis, snapshot_store):
    from analytics.network.report import network_report

    days = [{"date": f"2024-09-{d:02d}T00:00:00.000Z", "value": 10_000_000_000} for d in range(1, 31)]  # $10k/day
    graph = {"currentValue": 10_000_000_000, "compareValue": 10_000_000_000, "snapshots": days}
    apis.script("/akash/v1/graph-data/dailyUUsdSpent", Reply(200, json.dumps(graph)))
    run_refresh(snapshot_store, settings_for(apis, snapshot_store), only="akash_network")
    report = network_report(snapshot_store, "akash", date(2026, 11, 30))
    [september] = [c for c in report["coverage_monthly"] if c["month"] == date(2024, 9, 1)]
    # $10,000 x 30 days / (1kx: 2,258,031 AKT x $2.58) = 300,000 / 5,825,719.98
    assert september["complete"] and september["revenue_usd"] == pytest.approx(300_000)
    assert september["emissions_usd"] == pytest.approx(2_258_031 * 2.58)
    assert september["coverage"] == pytest.approx(300_000 / (2_258_031 * 2.58))
    assert september["revenue_source"] == "akash_network" and september["emission_source"] == "1kx"


def test_due_diligence_uses_measured_uptime_and_says_why_coverage_is_missing(apis, snapshot_store):
    from analytics import dd

    run_refresh(snapshot_store, settings_for(apis, snapshot_store), only="akash_network")
    evidence = dd.assess(snapshot_store, "akash")["evidence"]
    uptime = evidence["provider_uptime"]
    assert uptime["value"] == pytest.approx((0.98 + 0.991) / 2)
    assert uptime["suggested_score"] == 0.5  # between the 95 % (partial) and 99 % (good) thresholds
    coverage = evidence["issuance_coverage"]
    assert coverage["value"] is None and "emission" in coverage["source"]
    assert evidence["network_demand"]["as_of"] == "2026-11-24"


def test_cost_comparison_prices_akash_jobs_with_measured_uptime(apis, snapshot_store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import REPO

    run_refresh(snapshot_store, settings_for(apis, snapshot_store), only="akash,akash_network")
    use_store(monkeypatch, snapshot_store)
    at = AppTest.from_file(str(REPO / "app" / "streamlit_app.py"), default_timeout=60).run()
    at.switch_page("views/cost_comparison.py").run()
    assert not at.exception
    assert any(
        c.value.startswith("Akash Network offers: interruption rate 0.0147 per hour from measured") for c in at.caption
    )


def test_a_bad_date_is_quarantined_not_guessed():
    raw = {
        "graphs": {name: {"snapshots": []} for name in GRAPHS},
        "dashboard": load("dashboard-data.json"),
        "gpu_breakdown": [{**load("gpu-breakdown.json")[0], "date": "last tuesday"}, load("gpu-breakdown.json")[1]],
        "bme": load("bme/dashboard-data.json"),
        "providers": [],
    }
    points = [{"date": "2026-13-45", "value": 10}, {"date": "2026-11-20", "value": 9}]
    raw["graphs"]["activeGPU"] = {"snapshots": points}
    result = AkashNetworkCollector(Settings(_env_file=None)).parse(raw, datetime(2026, 11, 24, 12, 0))
    reasons = sorted(reason for _, reason in result.rejected)
    assert reasons == [
        "gpu-breakdown: akash_network: not a date: 'last tuesday'",
        "graph-data/activeGPU: akash_network: not a date: '2026-13-45'",
    ]
    assert any(r.metric == "active_gpus" and r.date == date(2026, 11, 20) for r in result.rows)
