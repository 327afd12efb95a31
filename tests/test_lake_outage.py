"""A DuckLake whose catalog is unreachable (nothing listens on its port, or its PostgreSQL stops while a process
holds the lake open) or whose data folder is gone: reads and writes raise one StoreError line that names the
catalog (password redacted) or data path and says what to do; the CLI prints it as one `error:` line with exit
1, `depin doctor` reports it, and the dashboard shows the same text. Nothing mocked: real PostgreSQL servers."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.store.db import StoreError
from analytics.store.lake import LakeStore, close_lake
from analytics.store.lake_errors import lake_failure
from analytics.store.writes import upsert
from tests.conftest import REPO
from tests.pgserver import free_port

ENTRY = str(REPO / "app" / "streamlit_app.py")
ADVICE = "start PostgreSQL there or check DEPIN_LAKE_CATALOG"


CATALOG = "postgres:dbname=depin host=db.internal user=depin password=s3cret"
# What DuckDB 1.4.4 really raised in these situations (first lines), and what a person must read instead.
RAISED = {
    "postgres stopped": (
        'Failed to query most recent snapshot for DuckLake: Failed to execute query "BEGIN TRANSACTION ISOLATION'
        ' LEVEL REPEATABLE READ": server closed the connection unexpectedly\n\tThis probably means the server'
        " terminated abnormally\n\tbefore or while processing the request.\n\nLINE 2: \tSELECT * FROM postgres_query("
    ),
    "object store down": (
        "IO Error: Could not establish connection error for HTTP GET to "
        "'http://127.0.0.1:52381/lake-1/p/main/datasets/ducklake-01a22cfc-d25a-7cce-9c50-bf833154f7e8.parquet'"
    ),
    "missing table": 'Catalog Error: Table with name nope does not exist!\nDid you mean "datasets"?',
    "bad sql": 'Parser Error: syntax error at or near "SELEC"',
}


def test_only_outages_become_outage_messages():
    stopped = lake_failure(Exception(RAISED["postgres stopped"]), "read", CATALOG, "/srv/lake")
    assert str(stopped) == (
        "cannot read the DuckLake: its catalog postgres:dbname=depin host=db.internal user=depin password=*** is "
        f"unreachable (the server closed the connection); {ADVICE}"
    )
    down = lake_failure(Exception(RAISED["object store down"]), "write to", CATALOG, "s3://lake-1/p")
    assert str(down).startswith(  # the file is named ducklake-*.parquet: still the data path, not the catalog
        "cannot write to the DuckLake: its data path s3://lake-1/p failed (the object store does not answer: "
        "http://127.0.0.1:52381/lake-1/p/main/datasets/ducklake-"
    )
    assert str(down).endswith("check that the object store runs, DEPIN_LAKE_DATA_PATH and the DEPIN_LAKE_S3_* settings")
    for other in ("missing table", "bad sql"):  # a bug is not disguised as an outage
        assert lake_failure(Exception(RAISED[other]), "read", CATALOG, "/srv/lake") is None


def _cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def _lake_env(catalog: str, data_path: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DEPIN_")}
    return clean | {"DEPIN_STORE": "ducklake", "DEPIN_LAKE_CATALOG": catalog, "DEPIN_LAKE_DATA_PATH": data_path}


def _one_error_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("error: ")
    return done.stderr.strip()


def _dashboard_error(monkeypatch, env: dict[str, str]) -> str:
    for name in ("DEPIN_STORE", "DEPIN_LAKE_CATALOG", "DEPIN_LAKE_DATA_PATH"):
        monkeypatch.setenv(name, env[name])
    at = AppTest.from_file(ENTRY, default_timeout=120).run()
    assert not at.exception, at.exception
    assert len(at.error) == 1, [e.value for e in at.error]
    return at.error[0].value


def test_a_catalog_where_nothing_listens_is_one_clear_line_everywhere(postgres, tmp_path, monkeypatch):
    # `postgres`: the lake tests need PostgreSQL's extension set even when this one never reaches a server
    catalog = f"postgres:dbname=depin host=127.0.0.1 port={free_port()} user=depin password=pw-not-shown"
    env = _lake_env(catalog, str(tmp_path / "lake"))
    expected = (
        "error: cannot open the DuckLake: its catalog postgres:dbname=depin host=127.0.0.1 port="
        f"{catalog.split('port=')[1].split()[0]} user=depin password=*** is unreachable (connection refused); " + ADVICE
    )
    for command in (["status"], ["compare", "--gpu", "H100"], ["init"], ["refresh", "--only", "akash"]):
        assert _one_error_line(_cli(env, *command)) == expected, command

    doctor = _cli(env, "doctor", "--json")
    assert doctor.returncode == 1
    report = json.loads(doctor.stdout)
    assert not report["healthy"] and "pw-not-shown" not in doctor.stdout
    assert report["checks"][-1]["detail"] == expected.removeprefix("error: ")
    assert report["advice"] == [
        "start the catalog's PostgreSQL (or fix DEPIN_LAKE_CATALOG), then run `depin doctor` again"
    ]
    assert "is unreachable" in _cli(env, "doctor").stdout

    assert "error: " + _dashboard_error(monkeypatch, env) == expected  # the page says what the CLI says

    no_such_db = _lake_env(f"postgres:{postgres.dsn('no_such_catalog')}", str(tmp_path / "lake"))
    assert _one_error_line(_cli(no_such_db, "status")).endswith(
        "is unreachable (the catalog database does not exist); create it (createdb) or check DEPIN_LAKE_CATALOG"
    )


def test_a_catalog_that_stops_under_an_open_lake_fails_clearly_and_recovers(postgres, tmp_path, monkeypatch):
    from tests.pgserver import start_server

    server = start_server()  # its own server: the session's must keep running for the other tests
    lake = None
    try:
        catalog = f"postgres:{server.dsn(server.create_database('outage'))}"
        data_path = str(tmp_path / "lake")
        lake = LakeStore(catalog, data_path, lock_timeout_s=5)
        lake.migrate()
        row = {
            "dataset_id": "d1",
            "kind": "t",
            "title": "before",
            "row_count": 1,
            "loaded_at": pd.Timestamp("2026-01-01"),
        }
        with lake.writer() as conn:
            upsert(conn, "datasets", pd.DataFrame([row]))
        assert lake.query_rows("SELECT title FROM datasets") == [("before",)]

        server.halt()
        for attempt in ("read", "write", "read"):
            with pytest.raises(StoreError) as failed:
                if attempt == "read":
                    lake.query_rows("SELECT count(*) FROM datasets")
                else:
                    with lake.writer() as conn:
                        upsert(conn, "datasets", pd.DataFrame([row | {"title": "lost"}]))
            message = str(failed.value)
            verb = "read" if attempt == "read" else "write to"
            assert message.startswith(f"cannot {verb} the DuckLake: its catalog {catalog} is unreachable ("), message
            assert message.endswith(ADVICE) and "\n" not in message
        env = _lake_env(catalog, data_path)
        expected = (
            f"error: cannot open the DuckLake: its catalog {catalog} is unreachable (connection refused); {ADVICE}"
        )
        assert _one_error_line(_cli(env, "status")) == expected  # another process, started after the stop
        shown = _dashboard_error(monkeypatch, env)  # this process: its lake lost the connection it had
        assert shown.startswith("cannot read the DuckLake: its catalog ") and shown.endswith(ADVICE), shown

        server.resume()  # the same process reconnects: nothing half-written, nothing lost
        assert lake.query_rows("SELECT title FROM datasets") == [("before",)]

        (tmp_path / "lake").rename(tmp_path / "lake-moved")  # the data folder disappears: the files are gone
        with pytest.raises(StoreError) as failed:
            lake.query_rows("SELECT title FROM datasets")
        assert str(failed.value).startswith(f"cannot read the DuckLake: its data path {data_path} is unreadable (")
        assert "DEPIN_LAKE_DATA_PATH" in str(failed.value)
        (tmp_path / "lake-moved").rename(tmp_path / "lake")
        assert lake.query_rows("SELECT title FROM datasets") == [("before",)]
    finally:
        if lake is not None:
            close_lake(lake)
        with contextlib.suppress(RuntimeError):  # already stopped when the test failed while it was halted
            server.stop()
