"""One long-lived read-only connection per database file in a process, that steps aside whenever a writer
wants the file.

Opening DuckDB costs 18-24 ms and starts with an empty buffer cache, so a dashboard that opens a connection
per query pays that on every read. Keeping one open would lock the refresh out (DuckDB: one writer process
OR many readers). So writers announce themselves first: while writing they hold a SHARED flock on
`<db>.write-intent` (any number of writers, released by the kernel if one crashes). A reader tests that lock
(a non-blocking exclusive try) before each use of the shared connection, and a watcher thread tests it every
`POLL_S`: as soon as a writer is announced, the shared connection is closed once its in-flight queries end,
and readers fall back to short-lived connections (which queue behind the writer at the turnstile). After the
write the next read reopens the file, so it sees the new data: the connection is always as fresh as the last
write. Nothing is held between reruns that a writer would wait on for longer than one query.

Enabled per process with `share_read_connections()` (the dashboard does); without fcntl (Windows) it is off.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

import duckdb

POLL_S = 0.02
IDLE_CLOSE_S = 60.0  # an idle process gives its buffer cache back after a minute

_enabled = False
_entries: dict[str, _Entry] = {}
_guard = threading.Lock()
_watcher: threading.Thread | None = None


def share_read_connections(enabled: bool = True) -> None:
    """Turn the shared read connection on (or off) for this process."""
    global _enabled
    _enabled = enabled and fcntl is not None
    if not _enabled:
        for entry in list(_entries.values()):
            entry.close_when_unused(timeout_s=30)


def sharing() -> bool:
    return _enabled


def intent_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".write-intent")


def writer_announced(db_path: Path) -> bool:
    """True while any process (this one included) holds the write intent."""
    if fcntl is None or not db_path.parent.exists():
        return False
    fd = os.open(intent_path(db_path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@contextmanager
def write_intent(db_path: Path, timeout_s: float) -> Iterator[None]:
    """Announce a writer for the whole write, and close this process's own shared connection first."""
    if fcntl is None or not db_path.parent.exists():
        yield
        return
    fd = os.open(intent_path(db_path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        while True:  # only a reader's momentary test holds it exclusively
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break  # a stuck test must not stop the write; DuckDB's own lock still protects the file
                time.sleep(0.001)
        entry = _entries.get(_key(db_path))
        if entry is not None:
            entry.close_when_unused(timeout_s)
        yield
    finally:
        os.close(fd)  # releases the flock


class _Entry:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn: duckdb.DuckDBPyConnection | None = None
        self.users = 0
        self.last_used = time.monotonic()
        self.cond = threading.Condition()

    def acquire(self, open_connection: Callable[[], duckdb.DuckDBPyConnection]) -> duckdb.DuckDBPyConnection | None:
        with self.cond:
            if self.conn is None:
                # Checked again under the condition a writer in this process takes to close the connection, so
                # nothing reopens the file once a writer has announced itself.
                if writer_announced(self.path):
                    return None
                self.conn = open_connection()
            self.users += 1
            return self.conn.cursor()

    def release(self, cursor: duckdb.DuckDBPyConnection) -> None:
        try:
            cursor.close()
        finally:
            with self.cond:
                self.users -= 1
                self.last_used = time.monotonic()
                self.cond.notify_all()

    def close_when_unused(self, timeout_s: float) -> None:
        with self.cond:
            self.cond.wait_for(lambda: self.users == 0, timeout=timeout_s)
            if self.users == 0 and self.conn is not None:
                self.conn.close()
                self.conn = None

    def maybe_close(self) -> None:
        """Close when a writer is announced or the connection sat idle; never under a running query."""
        with self.cond:
            if self.conn is None or self.users:
                return
            idle = time.monotonic() - self.last_used > IDLE_CLOSE_S
        if idle or writer_announced(self.path):
            with self.cond:
                if self.conn is not None and self.users == 0:
                    self.conn.close()
                    self.conn = None


def _key(path: Path) -> str:
    return str(Path(path).resolve())


def _watch() -> None:
    while True:
        time.sleep(POLL_S)
        for entry in list(_entries.values()):
            try:
                entry.maybe_close()
            except Exception:  # a failed close is retried on the next poll
                continue


@contextmanager
def shared_cursor(
    db_path: Path, open_connection: Callable[[], duckdb.DuckDBPyConnection]
) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A cursor on the shared connection, or None when sharing is off or a writer is announced (the caller
    then opens a short-lived connection as before)."""
    global _watcher
    if not _enabled or writer_announced(db_path):
        yield None
        return
    with _guard:
        entry = _entries.setdefault(_key(db_path), _Entry(Path(db_path)))
        if _watcher is None:
            _watcher = threading.Thread(target=_watch, name="duckdb-shared-reader", daemon=True)
            _watcher.start()
    cursor = entry.acquire(open_connection)
    if cursor is None:
        yield None
        return
    try:
        yield cursor
    finally:
        entry.release(cursor)
