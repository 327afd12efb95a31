"""The dashboard's long-lived read connection: reused between reads, closed for any writer (this process or
another), and reopened after it, so a refresh is visible on the next read and never waits on an idle reader."""

import bisect
import itertools
import subprocess
import sys
import threading
import time

import duckdb
import pytest

from analytics.store import shared_reader
from tests.conftest import REPO

SHARED_FILE_CONNECTION = "the shared read-only connection is the DuckDB file's; a lake keeps one instance per process"


@pytest.fixture
def sharing():
    shared_reader.share_read_connections(True)
    yield
    shared_reader.share_read_connections(False)


@pytest.fixture
def store(empty_store):
    empty_store.migrate()
    with empty_store.writer() as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.execute("INSERT INTO t VALUES (1)")
    return empty_store


def _count_opens(monkeypatch):
    opens = []
    real = duckdb.connect

    def counting(*args, **kwargs):
        opens.append(kwargs.get("read_only"))
        return real(*args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", counting)
    return opens


@pytest.mark.file_only(SHARED_FILE_CONNECTION)
def test_reads_share_one_connection(store, sharing, monkeypatch):
    opens = _count_opens(monkeypatch)
    for _ in range(5):
        assert store.query_rows("SELECT sum(x) FROM t") == [(1,)]
    assert opens == [True]


@pytest.mark.file_only(SHARED_FILE_CONNECTION)
def test_without_sharing_every_read_opens(store, monkeypatch):
    opens = _count_opens(monkeypatch)
    for _ in range(3):
        store.query_rows("SELECT 1")
    assert opens == [True, True, True]


def test_a_write_in_this_process_closes_it_and_the_next_read_sees_the_write(store, sharing):
    assert store.query_rows("SELECT count(*) FROM t") == [(1,)]
    with store.writer() as conn:  # would fail with a read-only connection to the file still open here
        conn.execute("INSERT INTO t VALUES (2)")
    assert store.query_rows("SELECT count(*) FROM t") == [(2,)]


@pytest.mark.file_only(SHARED_FILE_CONNECTION)
def test_a_writer_process_gets_in_while_this_process_holds_the_connection_idle(store, sharing):
    assert store.query_rows("SELECT count(*) FROM t") == [(1,)]  # the shared connection is now open
    script = (
        "import sys; from analytics.store import Store\n"
        "s = Store(sys.argv[1], lock_timeout_s=10)\n"
        "with s.writer() as c: c.execute('INSERT INTO t VALUES (3)')\n"
    )
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script, str(store.path)], cwd=REPO, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert time.perf_counter() - started < 8  # not a lock timeout: the idle reader stepped aside
    assert store.query_rows("SELECT count(*) FROM t") == [(2,)]


def test_threads_read_concurrently_while_writes_happen(store, sharing):
    errors, reads = [], []
    stop = threading.Event()

    def read():
        while not stop.is_set():
            try:
                started = time.monotonic()
                count = store.query_rows("SELECT count(*) FROM t")[0][0]
                reads.append((started, count, time.monotonic()))
            except Exception as exc:  # counted, not hidden
                errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(5):
        with store.writer() as conn:
            conn.execute("INSERT INTO t VALUES (?)", [10 + i])
        time.sleep(0.02)
    writes_done = time.monotonic()
    time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    assert reads and max(count for _, count, _ in reads) == 6
    # never a stale read: a read that started after another one finished sees at least what that one saw
    # (reads that overlap may finish in either order: threads append them as they finish)
    finished = sorted((end, count) for _, count, end in reads)
    ends, most = [end for end, _ in finished], list(itertools.accumulate((c for _, c in finished), max))
    for started, count, _ in reads:
        before = bisect.bisect_left(ends, started)
        assert before == 0 or count >= most[before - 1], (started, count)
        assert started < writes_done or count == 6  # a read after the last commit sees it
