"""The HTTP policy against hostile servers (127.0.0.1 only): a server that drips, stalls or never answers is
stopped at the source's deadline; a long-lived scheduler keeps its thread and socket counts flat; a gzip
bomb is refused without blowing up memory."""

import json
import os
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest

from analytics.refresh import run_refresh
from analytics.scheduling import locked_refresh
from analytics.settings import Settings
from tests.fakeserver import FakeApis, Reply
from tests.stores import store_settings

REPO = Path(__file__).resolve().parent.parent
DEADLINE_S = 1.5


@pytest.fixture
def hostile_server(request):
    mode = getattr(request, "param", "drip")
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.slowserver", mode], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(server.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _settings(store, url, **extra):
    return Settings(_env_file=None, **store_settings(store), http_timeout_s=10, akash_base_url=url, **extra)


def _source_threads():
    return [t for t in threading.enumerate() if t.name.startswith("source")]


def _settled(check, within_s=3.0):
    end = time.monotonic() + within_s
    while time.monotonic() < end and not check():
        time.sleep(0.05)
    return check()


@pytest.mark.parametrize("hostile_server", ["drip", "silent", "headers-drip"], indirect=True)
def test_a_slow_source_is_stopped_at_its_deadline(hostile_server, empty_store):
    empty_store.migrate()  # the deadline is the source's: creating a lake's tables takes seconds of its own
    started = time.monotonic()
    report = run_refresh(empty_store, _settings(empty_store, hostile_server), only=["akash"], timeout_s=DEADLINE_S)
    elapsed = time.monotonic() - started
    assert report.outcomes[0].status == "failed"
    assert "timed out" in report.outcomes[0].message or "deadline" in report.outcomes[0].message
    assert elapsed < DEADLINE_S + 2, f"took {elapsed:.1f} s"
    assert _settled(lambda: not _source_threads()), "a source thread is still reading"


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_twenty_scheduled_runs_against_a_slow_source_keep_threads_and_sockets_flat(hostile_server, empty_store):
    settings = _settings(empty_store, hostile_server)
    counts = []
    for _ in range(20):
        report = locked_refresh(empty_store, settings, only=["akash"], trigger="schedule", timeout_s=0.5)
        assert report is not None and report.outcomes[0].status == "failed"
        _settled(lambda: not _source_threads(), within_s=1.0)
        counts.append((threading.active_count(), _open_fds()))
    first_threads, first_fds = counts[0]
    assert max(t for t, _ in counts) <= first_threads + 1, counts
    assert max(f for _, f in counts[-5:]) <= first_fds + 2, counts


@pytest.mark.parametrize("hostile_server", ["drip"], indirect=True)
def test_the_cli_exits_promptly_after_a_slow_source(hostile_server, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "DEPIN_AKASH_BASE_URL": hostile_server, "DEPIN_HTTP_TIMEOUT_S": "30"}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "analytics.cli", "--db", str(tmp_path / "x.duckdb"), "refresh"]
        + ["--only", "akash", "--timeout", "1", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    wall = time.monotonic() - started
    assert done.returncode == 4, done.stderr
    outcome = json.loads(done.stdout)["outcomes"][0]
    assert outcome["status"] == "failed" and outcome["duration_ms"] < 3000
    assert wall < 30, f"the process lingered {wall:.0f} s (the per-read timeout is 30 s)"


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """1 GiB of zeros, gzip-compressed to about 1 MB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1024 * 1024)
    parts = [compressor.compress(zeros) for _ in range(1024)]
    return b"".join(parts) + compressor.flush()


# Peak memory from VmHWM (this process's own high-water mark): ru_maxrss would include the parent's RSS at
# fork time, which Linux carries across exec.
_BOMB_CLIENT = """
import re, sys, requests
from analytics.collectors.base import SourceError
from analytics.collectors.http import request_text
from analytics.collectors.policy import SourcePolicy, guard_session, installed
from analytics.settings import Settings
budget = int(Settings(_env_file=None).http_max_response_mb * 1024 * 1024)  # the default budget
with installed(SourcePolicy("bomb", 30, budget)):
    try:
        request_text(guard_session(requests.Session()), "GET", sys.argv[1], timeout_s=10)
        outcome = "accepted"
    except SourceError as exc:
        outcome = str(exc)
status = open("/proc/self/status").read()
print(int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) // 1024)
print(outcome)
"""


def test_a_gzip_bomb_is_refused_within_200_mb(gzip_bomb):
    with FakeApis() as apis:
        apis.script("/bomb", Reply(200, gzip_bomb, {"Content-Encoding": "gzip"}))
        done = subprocess.run(
            [sys.executable, "-c", _BOMB_CLIENT, f"{apis.url}/bomb"],
            env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    peak_mb, outcome = done.stdout.strip().splitlines()
    assert "budget (after decompression)" in outcome
    assert int(peak_mb) < 200, f"peak RSS {peak_mb} MB"
