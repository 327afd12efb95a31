"""Shared deployments: viewer mode hides every control that writes, user text is never Markdown or HTML,
`depin dashboard` picks viewer mode off loopback, and a page refuses a database newer than the code."""

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from analytics import dd
from analytics.cli import main
from analytics.cli.data import is_loopback
from analytics.store.migrations import MIGRATIONS
from app.safety import plain
from tests.conftest import REPO
from tests.stores import invoke, use_store

ENTRY = str(REPO / "app" / "streamlit_app.py")
WRITE_BUTTONS = {"Add", "Save as a new version", "Run benchmark"}
HOSTILE_NAME = "Evil [click](http://e.example) ![x](http://e.example/i.png) <b>b</b> :red[r]"


def _page(snapshot_store, monkeypatch, page, *, read_only):
    use_store(monkeypatch, snapshot_store)
    monkeypatch.setenv("DEPIN_READ_ONLY", "1" if read_only else "0")
    at = AppTest.from_file(ENTRY, default_timeout=60).run()
    at.switch_page(page).run()
    assert not at.exception
    return at


def _labels(at):
    return {b.label for b in at.button}


@pytest.mark.parametrize("page", ["views/due_diligence.py", "views/gpu_benchmark.py", "views/data_sources.py"])
def test_viewer_mode_hides_every_write_control(snapshot_store, monkeypatch, page):
    at = _page(snapshot_store, monkeypatch, page, read_only=True)
    assert not _labels(at) & WRITE_BUTTONS
    assert not [t for t in at.text_input if t.label in ("Name", "Author (needed to save)")]


def test_the_same_pages_show_the_write_controls_when_writes_are_allowed(snapshot_store, monkeypatch):
    dd_page = _page(snapshot_store, monkeypatch, "views/due_diligence.py", read_only=False)
    assert {"Add", "Save as a new version"} <= _labels(dd_page)
    bench_page = _page(snapshot_store, monkeypatch, "views/gpu_benchmark.py", read_only=False)
    assert "Run benchmark" in _labels(bench_page)


def test_viewer_mode_never_loads_or_upgrades_the_database(empty_store, monkeypatch):
    use_store(monkeypatch, empty_store)
    monkeypatch.setenv("DEPIN_READ_ONLY", "1")
    at = AppTest.from_file(ENTRY, default_timeout=60).run()
    assert not at.exception
    assert not empty_store.exists()
    assert any("depin init" in e.value for e in at.error)


def test_a_page_refuses_a_database_newer_than_the_code(snapshot_store, monkeypatch):
    with snapshot_store.writer() as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, 'from the future', now()::TIMESTAMP)")
    use_store(monkeypatch, snapshot_store)
    at = AppTest.from_file(ENTRY, default_timeout=60).run()
    assert not at.exception
    assert any("schema version 99" in e.value for e in at.error)
    assert snapshot_store.schema_version() == 99  # untouched


def test_a_project_name_is_shown_as_plain_text(snapshot_store, monkeypatch):
    at = _page(snapshot_store, monkeypatch, "views/due_diligence.py", read_only=False)
    next(t for t in at.text_input if t.label == "Name").input(HOSTILE_NAME)
    next(b for b in at.button if b.label == "Add").click().run()
    assert not at.exception
    message = next(s.value for s in at.success if s.value.startswith("Added"))
    assert message == f"Added {plain(HOSTILE_NAME)}"
    for markup in ("[click](", "![x](", "<b>", ":red["):
        assert markup not in message
    assert HOSTILE_NAME in [p.name for p in dd.projects(snapshot_store).values()]  # stored as typed


def test_plain_escapes_markdown_and_bounds_length():
    assert plain("a*b*_c_ `d` [e](f) <i> $x$ :x:") == r"a\*b\*\_c\_ \`d\` \[e\]\(f\) \<i\> \$x\$ \:x\:"
    assert plain("line\nbreak") == "line break"
    assert len(plain("x" * 10_000, max_chars=80)) == 80


def test_overlong_text_is_refused_before_it_is_stored(snapshot_store):
    with pytest.raises(dd.DDInputError, match="at most 80 characters"):
        dd.add_project(snapshot_store, "x" * 10_000_000)
    result = invoke(snapshot_store, "dd", "add", "y" * 100_000)
    assert result.exit_code == 1 and result.stderr.startswith("error: name: at most 80 characters")


@pytest.mark.parametrize(
    ("address", "loopback"),
    [("localhost", True), ("127.0.0.1", True), ("::1", True), ("0.0.0.0", False), ("192.168.1.5", False), ("", False)],
)
def test_viewer_mode_is_the_default_off_loopback(address, loopback):
    assert is_loopback(address) is loopback


def test_dashboard_in_viewer_mode_refuses_a_missing_database_instead_of_creating_it(tmp_path):
    db = tmp_path / "none.duckdb"
    result = CliRunner().invoke(main, ["--db", str(db), "dashboard", "--address", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 1 and "depin init" in result.stderr
    assert not db.exists()
    assert MIGRATIONS  # the schema exists; only the file is missing


def test_only_one_benchmark_runs_at_a_time(snapshot_store, monkeypatch):
    from filelock import FileLock

    at = _page(snapshot_store, monkeypatch, "views/gpu_benchmark.py", read_only=False)
    from app.safety import bench_lock_path

    held = FileLock(str(bench_lock_path(snapshot_store.locator)))
    with held:
        next(b for b in at.button if b.label == "Run benchmark").click().run()
    assert not at.exception
    assert any("already running" in w.value for w in at.warning)
    assert snapshot_store.query_rows("SELECT count(*) FROM bench_runs")[0][0] == 0


@pytest.mark.file_only("damages the DuckDB file's blocks; a lake's Parquet files and catalog fail differently")
def test_a_damaged_database_is_one_message_on_the_page(snapshot_store, monkeypatch):
    from tests.test_hardening_store import _damage

    _damage(snapshot_store.path)
    use_store(monkeypatch, snapshot_store)
    monkeypatch.setenv("DEPIN_READ_ONLY", "1")
    at = AppTest.from_file(ENTRY, default_timeout=60).run()
    for page in ("views/overview.py", "views/cost_comparison.py", "views/data_sources.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert [e.value for e in at.error if "Corrupt database file" in e.value and "depin doctor" in e.value]


@pytest.mark.backends("duckdb", reason="tests/test_dashboard_process.py stops a dashboard on each backend")
def test_sigterm_to_depin_dashboard_stops_the_streamlit_server_too(snapshot_store):
    import os
    import subprocess

    import requests

    from tests.browser import running_dashboard

    with running_dashboard(snapshot_store) as url:
        port = url.rsplit(":", 1)[1]
        found = subprocess.run(["pgrep", "-f", f"server.port {port} "], capture_output=True, text=True)
        streamlit_pids = [int(p) for p in found.stdout.split()]
        assert streamlit_pids
    # running_dashboard sent SIGTERM to `depin dashboard` alone and waited for it to exit
    for pid in streamlit_pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(requests.RequestException):
        requests.get(f"{url}/_stcore/health", timeout=2)
