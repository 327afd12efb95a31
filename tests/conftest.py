from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from analytics.snapshot import load_snapshot
from analytics.store import Store

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="session")
def _snapshot_db(tmp_path_factory) -> Path:
    """The bundled snapshot loaded once; tests get their own copy."""
    path = tmp_path_factory.mktemp("snapshot") / "depin.duckdb"
    load_snapshot(Store(path))
    return path


@pytest.fixture
def snapshot_store(_snapshot_db: Path, tmp_path: Path) -> Store:
    path = tmp_path / "depin.duckdb"
    shutil.copy(_snapshot_db, path)
    return Store(path)


@pytest.fixture
def empty_store(tmp_path: Path) -> Store:
    return Store(tmp_path / "empty.duckdb")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No test reads the developer's .env, secrets or database."""
    for name in list(__import__("os").environ):
        if name.startswith("DEPIN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)  # no .env or .streamlit/secrets.toml of the developer's
    yield


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    yield
    try:
        import streamlit as st

        st.cache_data.clear()
    except Exception:  # streamlit missing or not initialised: nothing cached
        pass


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@contextlib.contextmanager
def write_lock_held_by_another_process(db: Path):
    """A second process holding the database open read-write (DuckDB's file lock) until the block ends."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys
            con = duckdb.connect({str(db)!r})
            print("locked", flush=True)
            sys.stdin.readline()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.communicate("\n", timeout=10)


@pytest.fixture(scope="session", autouse=True)
def _no_server_left_running():
    """Fails the suite (an error at session teardown) when a dashboard a test started is still running."""
    yield
    from tests.browser import kill_leftovers, leftover_servers

    left = leftover_servers()
    if left:
        kill_leftovers()
        pytest.fail("servers started by the tests were still running at the end: " + "; ".join(left))
