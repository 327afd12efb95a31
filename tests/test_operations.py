"""Unattended operation: overlapping refreshes, the scheduler's life cycle, crashes mid-write, readers during
writes, and every way a source can fail. Everything runs against 127.0.0.1."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from analytics import queries
from analytics.refresh import run_refresh
from analytics.scheduling import EXIT_LOCKED, parse_interval, refresh_lock
from analytics.settings import Settings
from tests.fakeserver import FIXTURES, FakeApis, Reply
from tests.stores import store_env, store_settings, use_store


@pytest.fixture
def apis():
    with FakeApis() as server:
        yield server


def settings_for(apis, store, **extra):
    urls = {k.removeprefix("DEPIN_").lower(): v for k, v in apis.base_urls().items()}
    return Settings(_env_file=None, **store_settings(store), **{"http_timeout_s": 1, **urls, **extra})


def cli_env(apis, store):
    return store_env(store, **apis.base_urls(), DEPIN_HTTP_TIMEOUT_S="2")


@pytest.mark.file_only("the refresh lock file guards one host's DuckDB file; refreshes on a lake run together")
def test_a_second_refresh_exits_with_a_clear_message(apis, snapshot_store):
    with refresh_lock(snapshot_store):
        result = subprocess.run(
            [sys.executable, "-m", "analytics.cli", "refresh", "--only", "akash"],
            capture_output=True,
            text=True,
            env=cli_env(apis, snapshot_store),
            timeout=60,
        )
    assert result.returncode == EXIT_LOCKED
    assert "another refresh is already running" in result.stderr
    assert apis.requests == []  # it did nothing


@pytest.mark.parametrize(
    ("text", "seconds"), [("1h", 3600), ("30m", 1800), ("1h30m", 5400), ("90s", 90), ("1d", 86400)]
)
def test_intervals(text, seconds):
    assert parse_interval(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "5x", "h", "0s", "-1h"])
def test_bad_intervals(text):
    with pytest.raises(ValueError):
        parse_interval(text)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_schedule_runs_and_stops_cleanly(apis, snapshot_store, sig):
    proc = subprocess.Popen(
        [sys.executable, "-m", "analytics.cli", "schedule", "--every", "1s", "--only", "akash"],
        env=cli_env(apis, snapshot_store),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if [p for _, p in apis.requests].count("/akash/v1/gpu-prices") >= 2:
                break
            time.sleep(0.2)
        time.sleep(0.5)
        proc.send_signal(sig)
        _, log = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, log
    assert "refresh schedule-" in log and ": ok" in log
    assert f"received {sig.name}" in log and "scheduler stopped" in log
    runs = snapshot_store.query_rows("SELECT count(*) FROM refresh_runs WHERE trigger = 'schedule' AND status = 'ok'")
    assert runs[0][0] >= 2


def test_kill_9_in_the_middle_of_a_write_loses_nothing(apis, snapshot_store):
    before = {
        t: snapshot_store.query_df(f"SELECT * FROM {t} ORDER BY ALL").to_csv()
        for t in ("gpu_offer_observations", "ohlcv_candles", "datasets")
    }
    script = textwrap.dedent("""
        import pandas as pd, sys, time
        from analytics.store.factory import open_store
        from analytics.store.writes import upsert
        store = open_store()  # the test's store, named by the DEPIN_* environment
        with store.writer() as conn:
            frame = conn.execute("SELECT * FROM gpu_offer_observations").df()
            frame["observed_at"] = pd.Timestamp("2030-01-01")
            for i in range(20):  # a large batch: ~44k rows
                upsert(conn, "gpu_offer_observations", frame.assign(offer_id=frame["offer_id"] + str(i)))
            print("writing", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env=store_env(snapshot_store))  # fmt: skip
    assert proc.stdout.readline().strip() == "writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    after = {t: snapshot_store.query_df(f"SELECT * FROM {t} ORDER BY ALL").to_csv() for t in before}
    assert after == before  # the database opens and the previous data is intact
    report = run_refresh(snapshot_store, settings_for(apis, snapshot_store), only=["akash", "ionet"])
    assert report.status == "ok"  # and the next refresh completes


def test_readers_during_refreshes_never_fail_or_see_half_a_batch():
    from benchmarks.concurrency import run

    result = run(refreshes=20, readers=4, min_reads=1000)
    assert result["refreshes"] == 20 and result["refresh_statuses"] == ["ok"]
    assert result["reads"] >= 1000
    assert result["failed_reads"] == 0, result["failure_examples"]
    assert result["inconsistent_reads"] == 0


def akash_payload():
    return json.loads((FIXTURES / "akash/v1/gpu-prices.json").read_text())


def _renamed():
    payload = akash_payload()
    payload["gpuModels"] = payload.pop("models")
    return json.dumps(payload)


def _missing_field():
    payload = akash_payload()
    del payload["models"][0]["model"]
    return json.dumps(payload)


def _strings():
    payload = akash_payload()
    payload["models"][0]["price"]["med"] = "1.86"
    return json.dumps(payload)


def _absurd():
    payload = akash_payload()
    payload["models"][1]["price"]["med"] = 9999.0
    return json.dumps(payload)


FAULTS = {
    "connection refused": (None, "failed", "connection refused"),
    "timeout": ([Reply(200, "{}", delay_s=2.0)] * 3, "failed", "timed out"),
    "429 with Retry-After then ok": ([Reply(429, "slow", {"Retry-After": "1"})], "ok", ""),
    "500 every time": ([Reply(500, "boom")] * 3, "failed", "HTTP 500"),
    "503 every time": ([Reply(503, "busy")] * 3, "failed", "HTTP 503"),
    "truncated JSON": ([Reply(200, '{"models": [{"vendor": "nv')], "failed", "not valid JSON"),
    "HTML error page with 200": ([Reply(200, "<!DOCTYPE html><title>Error</title>")], "failed", "HTML page"),
    "renamed top-level field": ([Reply(200, _renamed())], "failed", "unexpected payload shape"),
    "missing field in a record": ([Reply(200, _missing_field())], "ok", ""),
    "numbers as strings": ([Reply(200, _strings())], "ok", ""),
    "empty list": ([Reply(200, '{"models": []}')], "ok", ""),
    "absurd value": ([Reply(200, _absurd())], "ok", ""),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_fault_ends_in_a_clear_status_and_touches_nothing_else(apis, snapshot_store, fault):
    replies, expected_status, reason = FAULTS[fault]
    settings = settings_for(apis, snapshot_store)
    if replies is None:
        settings = settings.model_copy(update={"akash_base_url": "http://127.0.0.1:9"})
    else:
        apis.script("/akash/v1/gpu-prices", *replies)
    before_ionet = snapshot_store.query_rows("SELECT count(*) FROM gpu_offer_observations WHERE source = 'ionet'")
    report = run_refresh(snapshot_store, settings, only=["akash", "ionet"], timeout_s=30)
    outcome = {o.source: o for o in report.outcomes}
    assert outcome["akash"].status == expected_status, outcome["akash"].message
    assert reason in outcome["akash"].message
    assert outcome["ionet"].status == "ok"
    akash_rows = snapshot_store.query_rows("SELECT count(*) FROM gpu_offer_observations WHERE source = 'akash'")[0][0]
    if expected_status == "failed":
        assert akash_rows == 0  # no partial rows from the failed source
    status = snapshot_store.query_rows(
        "SELECT status, message FROM source_status WHERE run_id = ? AND source = 'akash'", [report.run_id]
    )
    assert status[0][0] == expected_status
    ionet_now = snapshot_store.query_rows("SELECT count(*) FROM gpu_offer_observations WHERE source = 'ionet'")
    assert ionet_now[0][0] == before_ionet[0][0] + 4  # the other source landed in full
    if fault == "absurd value":
        quarantined = snapshot_store.query_rows(
            "SELECT reason FROM quarantined_records WHERE source = 'akash' AND reason LIKE 'implausible%'"
        )
        assert quarantined
    if fault == "missing field in a record":
        assert akash_rows == 2  # the record without a model is quarantined, the others land


def test_the_same_refresh_twice_leaves_the_same_latest_view(apis, empty_store):
    settings = settings_for(apis, empty_store)
    columns = ["offer_id", "provider", "gpu_model", "pricing_kind", "price_per_gpu_hour_usd", "region"]

    def latest():
        return queries.latest_offers(empty_store)[columns].sort_values("offer_id").reset_index(drop=True)

    run_refresh(empty_store, settings, only=["akash", "ionet", "vastai", "runpod"])
    first = latest()
    run_refresh(empty_store, settings, only=["akash", "ionet", "vastai", "runpod"])
    pd.testing.assert_frame_equal(first, latest())


def test_data_sources_page_shows_freshness_and_quarantine_after_a_refresh(apis, snapshot_store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import REPO

    run_refresh(snapshot_store, settings_for(apis, snapshot_store), only=["akash", "vastai"])
    use_store(monkeypatch, snapshot_store)
    at = AppTest.from_file(str(REPO / "app" / "streamlit_app.py"), default_timeout=60).run()
    at.switch_page("views/data_sources.py").run()
    assert not at.exception
    freshness = at.dataframe[0].value
    assert set(freshness["source"]) == {"akash", "vastai"} and (freshness["stale"] == "fresh").all()  # shown as words
    quarantine = at.dataframe[-1].value
    # newest first: the refresh's rejects lead; the bundled datasets' load-time rejects follow
    newest = quarantine.head(3)
    assert set(newest["source"]) == {"akash", "vastai"} and quarantine["reason"].str.len().gt(0).all()
