"""Hostile upstreams and a failing store, against local servers on 127.0.0.1 only: a bad record or a write that
fails takes down its own source and nothing else; keys never follow a redirect to another origin."""

import json

import duckdb
import pytest

import analytics.refresh_writes as refresh_module
from analytics.refresh import EXIT_OK, EXIT_SOME_FAILED, run_refresh
from tests.fakeserver import FIXTURES, FakeApis, Reply
from tests.stores import invoke
from tests.test_refresh import settings_for, statuses

IONET_PATH = "/ionet/v1/io-cloud/vmaas/hardware"
SOURCES = ["akash", "ionet", "vastai"]


@pytest.fixture
def apis():
    with FakeApis() as server:
        yield server


def _run_row(store, run_id):
    return store.query_rows("SELECT status, finished_at FROM refresh_runs WHERE run_id = ?", [run_id])[0]


def _observations(store):
    return dict(store.query_rows("SELECT source, count(*) FROM gpu_offer_observations GROUP BY source"))


def test_a_lone_surrogate_is_replaced_and_flagged_and_the_run_completes(apis, empty_store):
    text = (FIXTURES / "ionet/v1/io-cloud/vmaas/hardware.json").read_text()
    apis.script(IONET_PATH, Reply(200, text.replace('"name": "H100"', '"name": "H100 \\ud800"')))
    report = run_refresh(empty_store, settings_for(apis, empty_store), only=SOURCES)
    assert statuses(report) == dict.fromkeys(SOURCES, "ok")
    assert report.exit_code == EXIT_OK
    name, flags = empty_store.query_rows(
        "SELECT gpu_name_raw, flags FROM gpu_offer_observations WHERE source = 'ionet' AND gpu_name_raw LIKE 'H100%'"
    )[0]
    assert name == "H100 \ufffd" and "text_sanitised" in flags
    assert _run_row(empty_store, report.run_id)[0] == "ok"


@pytest.mark.parametrize(
    "failure",
    [
        duckdb.IOException("Could not write file: No space left on device"),
        UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
    ],
    ids=["disk-full", "unencodable-text"],
)
def test_a_write_that_fails_fails_only_its_source(apis, empty_store, monkeypatch, failure):
    real_upsert = refresh_module.upsert

    def failing_for_ionet(conn, table, frame):
        if table == "gpu_offer_observations" and set(frame["source"]) == {"ionet"}:
            raise failure
        return real_upsert(conn, table, frame)

    monkeypatch.setattr(refresh_module, "upsert", failing_for_ionet)
    report = run_refresh(empty_store, settings_for(apis, empty_store), only=SOURCES)
    assert statuses(report) == {"akash": "ok", "ionet": "failed", "vastai": "ok"}
    assert report.exit_code == EXIT_SOME_FAILED
    ionet = next(o for o in report.outcomes if o.source == "ionet")
    assert ionet.message.startswith("could not store its rows: ")
    if empty_store.backend == "ducklake" and isinstance(failure, duckdb.IOException):
        # the lake names its data path and the cause instead of DuckDB's exception type
        assert "StoreError" in ionet.message and "disk is full" in ionet.message
    else:
        assert type(failure).__name__ in ionet.message
    stored = _observations(empty_store)
    assert "ionet" not in stored and stored["akash"] == 3 and stored["vastai"] == 6
    assert empty_store.query_rows("SELECT count(*) FROM quarantined_records WHERE source = 'ionet'")[0][0] == 0
    status, finished = _run_row(empty_store, report.run_id)
    assert status == "partial" and finished is not None
    recorded = empty_store.query_rows(
        "SELECT status, message FROM source_status WHERE run_id = ? AND source = 'ionet'", [report.run_id]
    )[0]
    assert recorded[0] == "failed" and "could not store" in recorded[1]


def test_the_cli_exits_3_when_one_source_cannot_be_stored(apis, empty_store, monkeypatch):

    real_upsert = refresh_module.upsert

    def disk_full_for_ionet(conn, table, frame):
        if table == "gpu_offer_observations" and set(frame["source"]) == {"ionet"}:
            raise duckdb.IOException("Could not write file: No space left on device")
        return real_upsert(conn, table, frame)

    monkeypatch.setattr(refresh_module, "upsert", disk_full_for_ionet)
    for key, value in apis.base_urls().items():
        monkeypatch.setenv(key, value)
    result = invoke(empty_store, "refresh", "--only", "akash,ionet", "--json")
    assert result.exit_code == EXIT_SOME_FAILED, result.output
    summary = json.loads(result.stdout)
    assert {o["source"]: o["status"] for o in summary["outcomes"]} == {"akash": "ok", "ionet": "failed"}


def test_a_cross_origin_redirect_never_carries_the_key(apis, empty_store):
    with FakeApis() as elsewhere:
        apis.script(IONET_PATH, Reply(302, b"", {"Location": f"{elsewhere.url}/steal"}))
        settings = settings_for(apis, empty_store, ionet_api_key="secret-ionet-key")
        report = run_refresh(empty_store, settings, only=["ionet"])
        assert statuses(report) == {"ionet": "failed"}
        assert "redirect to another origin" in report.outcomes[0].message
        assert elsewhere.received == []  # not even asked
    assert "secret-ionet-key" not in json.dumps(report.as_dict())


def test_a_same_origin_redirect_is_followed_and_keys_stay_in_headers(apis, empty_store):
    apis.script(IONET_PATH, Reply(301, b"", {"Location": "/ionet/v1/io-cloud/vmaas/hardware?moved=1"}))
    settings = settings_for(apis, empty_store, ionet_api_key="k-ionet", runpod_api_key="k-runpod")
    report = run_refresh(empty_store, settings, only=["ionet", "runpod"])
    assert statuses(report) == {"ionet": "ok", "runpod": "ok"}
    ionet = [r for r in apis.received if r["path"].startswith(IONET_PATH)]
    assert len(ionet) == 2 and all(r["headers"].get("x-api-key") == "k-ionet" for r in ionet)
    runpod = [r for r in apis.received if r["path"].startswith("/runpod/")]
    assert runpod and all("k-runpod" not in r["path"] for r in runpod)
    assert all(r["headers"].get("Authorization") == "Bearer k-runpod" for r in runpod)


def test_more_records_than_the_sanity_bound_fail_the_source(apis, empty_store):
    settings = settings_for(apis, empty_store, max_records_per_source=5)
    report = run_refresh(empty_store, settings, only=["akash", "vastai"])
    assert statuses(report) == {"akash": "ok", "vastai": "failed"}
    assert "sanity bound of 5" in next(o.message for o in report.outcomes if o.source == "vastai")
    assert "vastai" not in _observations(empty_store)


def test_impossible_candles_are_quarantined_and_the_rest_stored(apis, empty_store):
    from tests.test_candles import FakeBybit, daily_series

    series = daily_series(30)
    first, second = sorted(series)[3:5]
    series[first], series[second] = 0.0, -1.0  # a close of 0, a close of -1
    exchange = FakeBybit(series).exchange
    settings = settings_for(apis, empty_store)
    report = run_refresh(empty_store, settings, only=["ccxt"], exchange_factory=lambda _: exchange)
    assert statuses(report) == {"ccxt": "ok"}
    closes = [r[0] for r in empty_store.query_rows("SELECT close FROM ohlcv_candles WHERE symbol = 'RENDER/USDT'")]
    assert closes and min(closes) > 0
    reasons = [r[0] for r in empty_store.query_rows("SELECT reason FROM quarantined_records WHERE source = 'ccxt'")]
    assert reasons and all("not positive" in reason for reason in reasons)


def test_a_source_past_its_deadline_stops_between_steps():
    from analytics.collectors.base import SourceError
    from analytics.collectors.policy import SourcePolicy, check_deadline, installed
    from analytics.markets.candles import _with_retries

    calls = []
    with installed(SourcePolicy("ccxt", limit_s=0.0)), pytest.raises(SourceError, match="deadline"):
        _with_retries(lambda: calls.append(1), sleep=lambda _: None)
    assert calls == []
    check_deadline()  # outside a source's policy nothing expires
