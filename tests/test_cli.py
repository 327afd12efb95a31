import json
import os
import socket
import subprocess
import sys

import pytest

from tests.conftest import write_lock_held_by_another_process
from tests.stores import run_cli


def depin(*args, db=None, env=None, timeout=120):
    full_env = {**os.environ, **(env or {})}
    if db is not None:
        full_env["DEPIN_DB"] = str(db)
    return subprocess.run(
        [sys.executable, "-m", "analytics.cli", *args], capture_output=True, text=True, env=full_env, timeout=timeout
    )


def test_help_on_every_command():
    for command in ([], ["init"], ["status"], ["dashboard"], ["config"]):
        result = depin(*command, "--help")
        assert result.returncode == 0, result.stderr
        assert "Usage:" in result.stdout


def test_init_then_status_json_reports_the_snapshot(empty_store):
    first = run_cli(empty_store, "init")
    assert first.returncode == 0, first.stderr
    stored = empty_store.query_rows("SELECT count(*) FROM gpu_offer_observations")[0][0]
    assert f"gpu_offer_observations +{stored}" in first.stdout
    again = run_cli(empty_store, "init")
    assert again.returncode == 0 and "gpu_offer_observations +0" in again.stdout
    status = run_cli(empty_store, "status", "--json")
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["store"]["backend"] == empty_store.backend
    assert report["offers"]["rows"] >= 1900
    assert len(report["offers"]["snapshot_providers"]) == 9
    tokens = {s["token"] for s in report["candles"]}
    assert {"RENDER", "AKT", "IO", "TAO", "GLM", "ATH", "BTC", "ETH"} <= tokens
    assert all(d["source_url"] for d in report["datasets"])
    assert report["freshness"]["bundled_only"] is True
    assert report["last_refresh"]["trigger"] == "init"
    human = run_cli(empty_store, "status")
    assert human.returncode == 0 and "bundled data, not live prices" in human.stdout
    assert report["freshness"]["newest_price_date"] == "2026-08-22"


def test_db_option_and_depin_db_name_the_same_file(tmp_path):
    db = tmp_path / "none.duckdb"
    expected = [f"error: no database at {db}; run `depin init` to create it"]
    assert depin("--db", str(db), "status").stderr.strip().splitlines() == expected
    assert depin("status", db=db).stderr.strip().splitlines() == expected  # DEPIN_DB works as well as --db
    lake = {"DEPIN_STORE": "ducklake", "DEPIN_LAKE_CATALOG": "postgres:dbname=x", "DEPIN_LAKE_DATA_PATH": "/x"}
    assert depin("--db", str(db), "status", env=lake).stderr.strip().splitlines() == expected  # --db wins


def test_unknown_flag_is_one_clear_error():
    result = depin("status", "--jsn")
    assert result.returncode == 2
    assert "No such option '--jsn'" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_database_is_one_line(empty_store):
    result = run_cli(empty_store, "status")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and empty_store.display_name in line and "run `depin init" in line


def test_unwritable_path_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = depin("--db", str(blocker / "x.duckdb"), "init")
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot create folder")
    assert "Traceback" not in result.stderr


def test_bad_setting_is_one_line(tmp_path):
    result = depin("--db", str(tmp_path / "x.duckdb"), "init", env={"DEPIN_AKASH_BASE_URL": "not-a-url"})
    assert result.returncode == 1
    assert result.stderr.startswith("error: invalid setting: DEPIN_AKASH_BASE_URL")


def test_locked_database_is_one_line(tmp_path):
    db = tmp_path / "locked.duckdb"
    assert depin("--db", str(db), "init").returncode == 0
    with write_lock_held_by_another_process(db):
        result = depin("--db", str(db), "status", timeout=60)
        assert result.returncode == 1
        assert "is locked by another process" in result.stderr
        assert "Traceback" not in result.stderr


def test_config_never_prints_secrets():
    result = depin("config", env={"DEPIN_LAMBDA_API_KEY": "sk-top-secret"})
    assert result.returncode == 0
    assert "sk-top-secret" not in result.stdout
    assert "DEPIN_LAMBDA_API_KEY" in result.stdout and "set" in result.stdout


def test_dashboard_refuses_a_busy_port(tmp_path):
    with socket.socket() as busy:
        busy.bind(("localhost", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = depin("--db", str(tmp_path / "d.duckdb"), "dashboard", "--port", str(port))
    assert result.returncode == 1
    assert f"port {port} is already in use" in result.stderr


@pytest.mark.parametrize("port", ["0", "70000", "abc"])
def test_dashboard_rejects_bad_ports(port):
    result = depin("dashboard", "--port", port)
    assert result.returncode == 2
    assert "Invalid value for '--port'" in result.stderr
