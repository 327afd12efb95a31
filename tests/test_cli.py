import json
import os
import socket
import subprocess
import sys

import pytest

from analytics.store import Store
from tests.conftest import write_lock_held_by_another_process


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


def test_init_then_status_json_reports_the_snapshot(tmp_path):
    db = tmp_path / "cli.duckdb"
    first = depin("--db", str(db), "init")
    assert first.returncode == 0, first.stderr
    stored = Store(db).query_rows("SELECT count(*) FROM gpu_offer_observations")[0][0]
    assert f"gpu_offer_observations +{stored}" in first.stdout
    again = depin("init", db=db)  # DEPIN_DB works as well as --db
    assert again.returncode == 0 and "gpu_offer_observations +0" in again.stdout
    status = depin("--db", str(db), "status", "--json")
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["offers"]["rows"] >= 1900
    assert len(report["offers"]["snapshot_providers"]) == 9
    tokens = {s["token"] for s in report["candles"]}
    assert {"RENDER", "AKT", "IO", "TAO", "GLM", "ATH", "BTC", "ETH"} <= tokens
    assert all(d["source_url"] for d in report["datasets"])
    assert report["freshness"]["bundled_only"] is True
    assert report["last_refresh"]["trigger"] == "init"
    human = depin("--db", str(db), "status")
    assert human.returncode == 0 and "bundled data, not live prices" in human.stdout
    assert report["freshness"]["newest_price_date"] == "2026-08-22"


def test_unknown_flag_is_one_clear_error():
    result = depin("status", "--jsn")
    assert result.returncode == 2
    assert "No such option '--jsn'" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_database_is_one_line(tmp_path):
    result = depin("--db", str(tmp_path / "none.duckdb"), "status")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: no database at {tmp_path / 'none.duckdb'}; run `depin init` to create it"
    ]


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
