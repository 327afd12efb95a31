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
def snapshot_store(store_backend: str, _snapshot_db: Path, tmp_path: Path, request) -> Store:
    if store_backend == "ducklake":
        catalog_db, data_path = request.getfixturevalue("_snapshot_lake")
        return request.getfixturevalue("lake_factory")(template=catalog_db, data_path=data_path)
    path = tmp_path / "depin.duckdb"
    shutil.copy(_snapshot_db, path)
    return Store(path)


@pytest.fixture
def empty_store(store_backend: str, tmp_path: Path, request) -> Store:
    if store_backend == "ducklake":
        return request.getfixturevalue("lake_factory")()
    return Store(tmp_path / "empty.duckdb")


# -- backends ------------------------------------------------------------------------------------------------
# Every test that uses a store fixture (snapshot_store, empty_store) runs once per backend: the DuckDB file and a
# DuckLake on a real PostgreSQL (tests/pgserver.py), with ids [duckdb] / [ducklake]. Exceptions carry a reason:
# `@pytest.mark.file_only("why")` for tests about the DuckDB file itself (its locks, bytes, backups, permissions),
# `@pytest.mark.backends(..., reason="why")` for a test whose other backend adds no coverage.
# `pytest --backend duckdb` (or ducklake) runs one backend; `-k "not ducklake"` works too.
BACKENDS = ("duckdb", "ducklake")


def pytest_addoption(parser):
    parser.addoption(
        "--backend",
        choices=(*BACKENDS, "both"),
        default="both",
        help="store backend(s) the store fixtures run on (default: both)",
    )


def pytest_generate_tests(metafunc):
    if "store_backend" not in metafunc.fixturenames:
        return
    file_only = metafunc.definition.get_closest_marker("file_only")
    if file_only is not None:
        if not file_only.args or not str(file_only.args[0]).strip():
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: @pytest.mark.file_only needs a reason")
        if metafunc.config.getoption("--backend") == "ducklake":
            metafunc.parametrize("store_backend", [], indirect=True)  # skipped: "got empty parameter set"
        return  # the default store_backend: the DuckDB file, no [duckdb] id
    marker = metafunc.definition.get_closest_marker("backends")
    names = marker.args if marker is not None else BACKENDS
    if set(names) != set(BACKENDS) and not marker.kwargs.get("reason"):
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: @pytest.mark.backends{names} needs reason=...")
    chosen = metafunc.config.getoption("--backend")
    if chosen != "both":
        names = [n for n in names if n == chosen]
    metafunc.parametrize("store_backend", names, indirect=True)


@pytest.fixture
def store_backend(request) -> str:
    return getattr(request, "param", "duckdb")


def lake_unavailable() -> str | None:
    """Why the DuckLake tests cannot run here, or None."""
    import duckdb

    from analytics.store.lake import extension_directory
    from tests.pgserver import pg_bin

    if pg_bin() is None:
        return "PostgreSQL is not installed (apt-get install postgresql)"
    ext_dir = extension_directory()
    if ext_dir is None or not (Path(ext_dir) / f"v{duckdb.__version__}").is_dir():
        return f"no DuckLake extension for DuckDB {duckdb.__version__} (pip install -e '.[lake]')"
    return None


def _require(reason: str | None) -> None:
    """A missing lake component skips its tests, or fails them where CI sets DEPIN_TEST_REQUIRE_LAKE=1."""
    import os

    if reason:
        if os.environ.get("DEPIN_TEST_REQUIRE_LAKE"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres():
    """One PostgreSQL server for the session; CI sets DEPIN_TEST_REQUIRE_LAKE=1 so a missing one fails."""

    from analytics.store.lake import close_all
    from tests.pgserver import start_server

    _require(lake_unavailable())
    server = start_server()
    yield server
    close_all()
    server.stop()


@pytest.fixture(scope="session")
def _snapshot_lake(postgres, _snapshot_db: Path, tmp_path_factory) -> tuple[str, str]:
    """The bundled snapshot in a lake once: (catalog database to copy, data path).

    Copied from the file snapshot (`depin migrate-store`'s verified copy) rather than parsed a second time;
    tests/test_snapshot.py loads the bundled files into a lake itself.
    """
    from analytics.store.copy import copy_store
    from analytics.store.lake import LakeStore, close_lake

    name = postgres.create_database("snapshot")
    data_path = str(tmp_path_factory.mktemp("snapshot_lake"))
    lake = LakeStore(f"postgres:{postgres.dsn(name)}", data_path)
    copy_store(Store(_snapshot_db), lake)
    close_lake(lake)  # PostgreSQL copies a template database only while nobody is connected to it
    return name, data_path


@pytest.fixture
def lake_factory(postgres, tmp_path):
    """New lakes on the session's PostgreSQL: empty, or a copy of a template catalog (sharing its files)."""
    from analytics.store.lake import LakeStore, close_lake

    made: list[LakeStore] = []

    def make(template: str | None = None, data_path: str | None = None) -> LakeStore:
        name = postgres.create_database("lake", template=template)
        path = data_path or str(tmp_path / f"lake-data-{name}")
        made.append(LakeStore(f"postgres:{postgres.dsn(name)}", path))
        return made[-1]

    yield make
    for lake in made:  # each open lake holds PostgreSQL connections: give them back
        close_lake(lake)


@pytest.fixture(scope="session")
def s3_server():
    """One S3-compatible server (moto, tests/s3server.py) for the session, for lakes on an s3:// data path."""

    from tests.s3server import moto_unavailable, start_server

    _require(moto_unavailable())
    server = start_server()
    yield server
    from analytics.store.lake import close_all

    close_all()  # no lake of this process keeps talking to the server once it is gone
    server.stop()


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
    # A page run may have turned on the dashboard's shared read connection for this process (it holds the
    # database open); no later test may read through a connection another test left behind.
    from analytics.store import shared_reader

    shared_reader.share_read_connections(False)


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
