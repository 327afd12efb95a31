"""`depin refresh` end to end against local servers replaying the fixtures (127.0.0.1 only)."""

import json
import os
import subprocess
import sys

import pytest

from analytics.refresh import EXIT_ALL_FAILED, EXIT_OK, EXIT_SOME_FAILED, run_refresh
from analytics.settings import Settings
from tests.fakeserver import FIXTURES, FakeApis, Reply
from tests.stores import store_settings


@pytest.fixture
def apis():
    with FakeApis() as server:
        yield server


def settings_for(apis, store, **extra):
    urls = {k.removeprefix("DEPIN_").lower(): v for k, v in apis.base_urls().items()}
    return Settings(_env_file=None, **store_settings(store), http_timeout_s=2, **urls, **extra)


def offline_exchanges(exchange_id):
    """Every venue answers like Bybit listing only RENDER/USDT, from a synthetic daily series."""
    from tests.test_candles import FakeBybit, daily_series

    return FakeBybit(daily_series(30)).exchange


def statuses(report):
    return {o.source: o.status for o in report.outcomes}


def test_refresh_stores_every_source_and_quarantines_bad_records(apis, snapshot_store):
    settings = settings_for(apis, snapshot_store, lambda_api_key="test-key")
    report = run_refresh(snapshot_store, settings, exchange_factory=offline_exchanges)
    assert statuses(report) == {
        s: "ok"
        for s in (
            *("akash", "ionet", "vastai", "runpod", "lambda", "skypilot", "published"),
            *("akash_network", "ccxt", "coingecko"),
        )
    }
    assert report.exit_code == EXIT_OK
    per_source = dict(
        snapshot_store.query_rows(
            "SELECT source, count(*) FROM gpu_offer_observations WHERE observed_at > '2026-11-24' GROUP BY source"
        )
    )
    assert per_source["akash"] == 3 and per_source["ionet"] == 4 and per_source["lambda"] == 4
    quarantined = dict(
        snapshot_store.query_rows(
            "SELECT source, count(*) FROM quarantined_records WHERE run_id = ? GROUP BY 1", [report.run_id]
        )
    )
    assert quarantined == {"akash": 1, "ionet": 1, "vastai": 2, "runpod": 1, "coingecko": 2, "akash_network": 4}
    raw = snapshot_store.query_rows("SELECT raw_record FROM quarantined_records WHERE source = 'ionet'")[0][0]
    assert json.loads(raw)["id"] == "1L40S__US"
    status = snapshot_store.query_rows(
        "SELECT source, status, rows_added, rows_quarantined FROM source_status WHERE run_id = ? ORDER BY 1",
        [report.run_id],
    )
    assert ("vastai", "ok", 6, 2) in status
    live = snapshot_store.query_rows("SELECT count(*) FROM datasets WHERE dataset_id LIKE 'live:%'")[0][0]
    assert live == 9  # provenance record for every live source (ccxt candles carry their own dataset ids)
    tokens = snapshot_store.query_rows("SELECT token FROM token_market_snapshots ORDER BY token")
    assert tokens == [("AKT",), ("IO",), ("RENDER",)]
    assert quarantined_coingecko(snapshot_store) == 2  # TAO with price 0, GLM with a non-numeric price
    assert (
        snapshot_store.query_rows(
            "SELECT count(*) FROM ohlcv_candles WHERE exchange = 'binance' AND symbol = 'RENDER/USDT'"
        )[0][0]
        > 0
    )


def test_second_identical_refresh_adds_observations_not_offers(apis, empty_store):
    settings = settings_for(apis, empty_store)
    run_refresh(empty_store, settings, only=["akash", "ionet"])
    first = empty_store.query_rows("SELECT count(*), count(DISTINCT offer_id) FROM gpu_offer_observations")[0]
    run_refresh(empty_store, settings, only=["akash", "ionet"])
    second = empty_store.query_rows("SELECT count(*), count(DISTINCT offer_id) FROM gpu_offer_observations")[0]
    assert second == (first[0] * 2, first[1])


def test_lambda_without_key_is_skipped_not_failed(apis, empty_store):
    report = run_refresh(empty_store, settings_for(apis, empty_store), only=["lambda", "akash"])
    outcome = {o.source: o for o in report.outcomes}
    assert outcome["lambda"].status == "skipped"
    assert outcome["lambda"].message == "skipped: no API key (set DEPIN_LAMBDA_API_KEY)"
    assert report.exit_code == EXIT_OK
    assert ("lambda",) not in empty_store.query_rows("SELECT DISTINCT source FROM gpu_offer_observations")


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(200, "<html><body>Cloudflare error 1010</body></html>"), "expected JSON, got an HTML page"),
        (Reply(200, '{"models": [{"vendor": "nvidia"'), "not valid JSON"),
        (Reply(403, "forbidden"), "HTTP 403"),
        (Reply(200, '{"models": "none"}'), "unexpected payload shape"),
    ],
)
def test_a_broken_source_fails_alone(apis, snapshot_store, reply, reason):
    apis.script("/akash/v1/gpu-prices", reply)
    before = snapshot_store.query_rows("SELECT count(*) FROM gpu_offer_observations")[0][0]
    report = run_refresh(snapshot_store, settings_for(apis, snapshot_store), only=["akash", "ionet"])
    outcome = {o.source: o for o in report.outcomes}
    assert outcome["akash"].status == "failed" and reason in outcome["akash"].message
    assert outcome["ionet"].status == "ok"
    assert report.exit_code == EXIT_SOME_FAILED
    added = snapshot_store.query_rows("SELECT source, count(*) FROM gpu_offer_observations GROUP BY 1")
    assert dict(added).get("akash") is None  # nothing partial from the failed source
    assert snapshot_store.query_rows("SELECT count(*) FROM gpu_offer_observations")[0][0] == before + 4


def test_429_with_retry_after_is_retried(apis, empty_store):
    apis.script("/akash/v1/gpu-prices", Reply(429, "slow down", {"Retry-After": "0"}), Reply(503, "busy"))
    report = run_refresh(empty_store, settings_for(apis, empty_store), only=["akash"])
    assert statuses(report) == {"akash": "ok"}
    assert [p for _, p in apis.requests].count("/akash/v1/gpu-prices") == 3


def test_connection_refused_and_all_failed_exit_code(empty_store):
    refused = "http://127.0.0.1:9"
    settings = Settings(_env_file=None, **store_settings(empty_store), akash_base_url=refused, ionet_base_url=refused)
    report = run_refresh(empty_store, settings, only=["akash", "ionet"])
    assert report.exit_code == EXIT_ALL_FAILED
    assert all("connection failed (connection refused)" in o.message for o in report.outcomes)


def test_a_large_move_is_flagged(apis, empty_store):
    settings = settings_for(apis, empty_store)
    run_refresh(empty_store, settings, only=["akash"])
    payload = json.loads((FIXTURES / "akash/v1/gpu-prices.json").read_text())
    payload["models"][0]["price"]["med"] = 3.0  # 1.86 -> 3.00 is +61 %
    apis.script("/akash/v1/gpu-prices", Reply(200, json.dumps(payload)))
    run_refresh(empty_store, settings, only=["akash"])
    flags = empty_store.query_rows(
        "SELECT flags FROM gpu_offer_observations WHERE gpu_family = 'H100' ORDER BY observed_at DESC LIMIT 1"
    )[0][0]
    assert "moved_over_40pct" in flags


def test_cli_refresh_json_and_exit_codes(apis, tmp_path):
    db = tmp_path / "cli.duckdb"
    env = {**os.environ, **apis.base_urls(), "DEPIN_DB": str(db), "DEPIN_HTTP_TIMEOUT_S": "2"}
    ok = subprocess.run(
        [sys.executable, "-m", "analytics.cli", "refresh", "--only", "akash,ionet", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    summary = json.loads(ok.stdout)
    assert summary["status"] == "ok" and {o["source"] for o in summary["outcomes"]} == {"akash", "ionet"}
    prices = subprocess.run(
        [sys.executable, "-m", "analytics.cli", "prices", "--gpu", "H100", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    offers = [json.loads(line) for line in prices.stdout.splitlines()]
    required = {
        "provider",
        "via",
        "provider_category",
        "model",
        "gpu_model",
        "gpu_family",
        "gpu_count",
        "pricing_kind",
        "price_per_gpu_hour_usd",
        "region",
        "observed_at",
        "source",
    }
    assert offers and all(required <= set(o) for o in offers)
    assert {o["source"] for o in offers} == {"akash", "ionet"}
    env["DEPIN_AKASH_BASE_URL"] = "http://127.0.0.1:9"
    partial = subprocess.run(
        [sys.executable, "-m", "analytics.cli", "refresh", "--only", "akash,ionet"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert partial.returncode == EXIT_SOME_FAILED
    assert "akash      failed" in partial.stdout


def quarantined_coingecko(store):
    return store.query_rows("SELECT count(*) FROM quarantined_records WHERE source = 'coingecko'")[0][0]


def test_coingecko_429_then_data(apis, empty_store):
    apis.script("/coingecko/coins/markets", Reply(429, '{"status": {"error_code": 429}}', {"Retry-After": "0"}))
    report = run_refresh(empty_store, settings_for(apis, empty_store), only=["coingecko"])
    assert statuses(report) == {"coingecko": "ok"}
    row = empty_store.query_rows(
        "SELECT price_usd, fdv_usd, max_supply, volume_24h_usd FROM token_market_snapshots WHERE token = 'IO'"
    )
    assert row == [(0.29, 232000000.0, 800000000.0, 5731441.7)]  # a volume sent as a string is parsed
