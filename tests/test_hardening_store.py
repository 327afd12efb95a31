"""A broken disk or file, and bad numbers from a person: one `error:` line, never a traceback, never a
corrupted store; `depin doctor` finds damage and says what to do; a migration first copies the file aside."""

import json
import logging
import math
import os
from pathlib import Path

import pytest

import analytics.store.turnstile as turnstile_module
from analytics.sanitize import strict_json
from analytics.store import Store
from analytics.store.copy import copy_store
from analytics.store.migrations import MIGRATIONS
from tests.stores import invoke


def _cli(store, *args):
    return invoke(store, *args)


def _damage(path, header=12_288, block=262_144):
    """Overwrite 64 bytes inside every 256 KiB block after the three file headers.

    Every block DuckDB reads (catalog and data alike) then fails its checksum, whatever the layout a given
    DuckDB version chose; damaging only part of the file left some tables readable on some runs.
    """
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        for offset in range(header, size, block):
            handle.seek(offset + 1000)
            handle.write(b"\xa5" * 64)


def _one_error_line(result):
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_doctor_reads_every_table_of_a_healthy_database(snapshot_store):
    result = _cli(snapshot_store, "doctor", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["healthy"] is True
    offers = next(c for c in report["checks"] if c["name"] == "table gpu_offer_observations")
    stored = snapshot_store.query_rows("SELECT count(*) FROM gpu_offer_observations")[0][0]
    assert offers["detail"] == f"{stored:,} rows read"


@pytest.mark.file_only("damages the DuckDB file's blocks; a lake's Parquet files and catalog fail differently")
def test_a_damaged_file_gives_one_error_line_and_doctor_says_what_to_do(snapshot_store):
    _damage(snapshot_store.path)
    for command in (["status"], ["prices"], ["tokens", "--json"]):
        line = _one_error_line(_cli(snapshot_store, *command))
        assert "Corrupt database file" in line and "depin doctor" in line
    doctor = _cli(snapshot_store, "doctor")
    assert doctor.exit_code == 1
    assert "PROBLEM" in doctor.stdout and "depin init" in doctor.stdout and "mv " in doctor.stdout


@pytest.mark.backends("ducklake", reason="the lake's own damage: a Parquet file of its data path (the file's: above)")
def test_a_damaged_parquet_file_gives_one_error_line_naming_the_lake(empty_store, _snapshot_db):
    copy_store(Store(_snapshot_db), empty_store)  # a private data path: the session's template stays intact
    # the offers' files: raw history and its read models (status and prices read the read models)
    damaged = [
        p
        for p in Path(empty_store.data_path).rglob("*.parquet")
        if "offer" in p.relative_to(empty_store.data_path).as_posix()
    ]
    for path in damaged:
        path.write_bytes(b"not parquet" * 100)
    for command in (["status"], ["prices", "--gpu", "H100"]):
        line = _one_error_line(_cli(empty_store, *command))
        assert empty_store.display_name in line and "depin doctor" in line
        assert ".duckdb" not in line  # not the DuckDB file the settings would name by default
    doctor = _cli(empty_store, "doctor")
    assert doctor.exit_code == 1
    assert "PROBLEM table gpu_offer_observations" in doctor.stdout and "ok      table ohlcv_candles" in doctor.stdout
    assert "PostgreSQL dump together with the Parquet files" in doctor.stdout


@pytest.mark.file_only("the .bak-vN copy and zeroed blocks are the DuckDB file's; a lake backs up as a catalog dump")
def test_a_migration_copies_the_database_aside_first(empty_store):
    empty_store.migrate(MIGRATIONS[:2])
    assert empty_store.migrate() == (2, MIGRATIONS[-1].version)
    backup = empty_store.path.with_name(empty_store.path.name + ".bak-v2")
    assert backup.exists()
    assert Store(backup).schema_version() == 2
    assert _cli(empty_store, "doctor").exit_code == 0
    data = empty_store.path.read_bytes()
    # the headers kept, every block after them zeroed: the catalog and the data are gone (a cut-short file can
    # still open on some DuckDB versions when its cut falls in unused space)
    empty_store.path.write_bytes(data[:12_288] + bytes(len(data) - 12_288))
    _one_error_line(_cli(empty_store, "status"))
    doctor = _cli(empty_store, "doctor")
    assert doctor.exit_code == 1 and f"cp {backup} {empty_store.path}" in doctor.stdout


@pytest.mark.file_only("the flock turnstile (.rwlock) exists only for the DuckDB file")
def test_reads_work_when_the_lock_file_cannot_be_opened(snapshot_store, monkeypatch, caplog):
    real_open = os.open

    def refuse_lock_file(path, flags, *args):
        if str(path).endswith(".rwlock"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(turnstile_module.os, "open", refuse_lock_file)
    monkeypatch.setattr(turnstile_module, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="depin.store"):
        for _ in range(3):
            assert snapshot_store.query_rows("SELECT count(*) FROM datasets")[0][0] > 0
    warnings = [r for r in caplog.records if "turnstile" in r.getMessage()]
    assert len(warnings) == 1 and "Permission denied" in warnings[0].getMessage()


@pytest.mark.file_only("the flock turnstile (.rwlock) exists only for the DuckDB file")
def test_a_lock_file_that_is_not_writable_is_still_used_read_only(snapshot_store, monkeypatch):
    real_open = os.open
    opened = []

    def read_only_lock_file(path, flags, *args):
        if str(path).endswith(".rwlock"):
            opened.append(flags)
            if flags & os.O_RDWR:
                raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    turnstile_module.turnstile_path(snapshot_store.path).touch()
    monkeypatch.setattr(turnstile_module.os, "open", read_only_lock_file)
    assert snapshot_store.query_rows("SELECT count(*) FROM datasets")[0][0] > 0
    assert os.O_RDONLY in opened


@pytest.mark.parametrize(
    "args",
    [
        ["earnings", "--gpu", "H100", "--hardware-cost", "inf"],
        ["earnings", "--gpu", "H100", "--hardware-cost", "1e308"],
        ["earnings", "--gpu", "H100", "--price-per-gpu-hour", "nan"],
        ["earnings", "--gpu", "H100", "--hours-per-day", "-inf"],
        ["refresh", "--timeout", "nan"],
        ["refresh", "--timeout", "inf"],
    ],
)
def test_non_finite_or_absurd_numbers_are_refused_by_name(snapshot_store, args):
    result = _cli(snapshot_store, *args)
    assert result.exit_code == 2
    flag = [a for a in args if a.startswith("--")][-1]
    assert f"Invalid value for '{flag}'" in result.stderr


def test_json_output_is_strict_json(snapshot_store):
    text = strict_json({"a": math.nan, "b": [math.inf, 1.5], "c": -math.inf})
    assert text == '{"a": null, "b": [null, 1.5], "c": null}'

    def refuse(constant):
        raise AssertionError(f"{constant} in --json output")

    for command in (["tokens", "--json"], ["status", "--json"], ["prices", "--gpu", "H100", "--json"]):
        result = _cli(snapshot_store, *command)
        assert result.exit_code == 0, result.output
        for chunk in [result.stdout] if command[0] != "prices" else result.stdout.splitlines():
            json.loads(chunk, parse_constant=refuse)


@pytest.mark.parametrize(
    "content",
    [
        b'{"d1_q1": {"answer": "yes", "weight": NaN}}',
        b'{"d1_q1": {"answer": "yes", "weight": Infinity}}',
        b"null",
        b'{"d1_q1": 3}',
        b"\xff\xfe not utf-8",
        b"[" * 100_000,
    ],
    ids=["nan-weight", "infinite-weight", "null", "not-objects", "not-utf8", "deeply-nested"],
)
def test_bad_answer_files_get_one_error_line(snapshot_store, tmp_path, content):
    answers = tmp_path / "answers.json"
    answers.write_bytes(content)
    project = next(iter(_projects(snapshot_store)))
    _one_error_line(_cli(snapshot_store, "dd", "save", project, "--author", "t", "--answers", str(answers)))
    assert snapshot_store.query_rows("SELECT count(*) FROM dd_assessments")[0][0] == 0


def _projects(store):
    from analytics import dd

    return dd.projects(store)


def test_export_to_a_missing_folder_is_one_error_line(snapshot_store, tmp_path):
    project = next(iter(_projects(snapshot_store)))
    assert _cli(snapshot_store, "dd", "save", project, "--author", "t").exit_code == 0
    line = _one_error_line(
        _cli(snapshot_store, "dd", "export", project, "--output", str(tmp_path / "missing" / "x.md"))
    )
    assert "cannot write" in line


@pytest.mark.file_only("the .bak-vN copies are made of the DuckDB file only")
def test_each_version_is_copied_aside_once_and_a_new_database_needs_no_copy(empty_store):
    empty_store.migrate(MIGRATIONS[:1])
    empty_store.migrate(MIGRATIONS[:2])
    empty_store.migrate()
    empty_store.migrate()
    backups = sorted(p.name for p in empty_store.path.parent.glob("*.bak-v*"))
    assert backups == ["empty.duckdb.bak-v1", "empty.duckdb.bak-v2"]


def test_a_failed_upsert_reports_its_own_error_not_the_aborted_transaction(empty_store):
    import duckdb
    import pandas as pd

    from analytics.store.writes import upsert

    empty_store.migrate()
    bad = pd.DataFrame([{"run_id": "r1", "trigger": None, "started_at": None, "finished_at": None, "status": None}])
    with pytest.raises(duckdb.Error) as caught, empty_store.writer() as conn:
        upsert(conn, "refresh_runs", bad)
    assert "NOT NULL" in str(caught.value) and "aborted" not in str(caught.value)
