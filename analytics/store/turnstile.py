"""A writer-priority turnstile in front of DuckDB's file lock.

DuckDB's own lock is all-or-nothing and non-blocking: a writer process cannot open the file while any
reader has it open. With many short readers (a busy dashboard) their opens can overlap without pause and a
refresh would never get in. So before opening the database a reader takes a shared `flock` on
`<db>.rwlock` and drops it as soon as its connection is open; a writer holds the exclusive lock for its
whole transaction. A waiting writer therefore only waits for the readers already inside (one query each),
and readers arriving meanwhile queue behind it for the length of one write.

flock is per open file, so this works between processes and between threads. Where fcntl is missing
(Windows), or the lock file can neither be created nor opened (a read-only mount, a dashboard user other than
the refresh user), the turnstile does nothing, says so once in the log, and the bounded lock retries alone
apply; a lock file that exists but is not writable is still used, read-only.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

log = logging.getLogger("depin.store")
_held = threading.local()
_warned: set[str] = set()  # paths this thread holds exclusively: its own reads must not queue behind itself


class TurnstileTimeout(TimeoutError):
    pass


def _open_lock_file(key: str) -> int | None:
    """The lock file, read-write (created if needed); read-only on a read-only mount or when another user
    owns it (flock works on a read-only descriptor); None when it cannot be opened at all, said once."""
    try:
        return os.open(key, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as first:
        try:
            return os.open(key, os.O_RDONLY)
        except OSError:
            if key not in _warned:
                _warned.add(key)
                log.warning(
                    "cannot open %s (%s): reading without the writer-priority turnstile; "
                    "only DuckDB's bounded lock retries apply",
                    key,
                    first.strerror or first,
                )
            return None


def turnstile_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".rwlock")


@contextmanager
def turnstile(db_path: Path, *, exclusive: bool, timeout_s: float) -> Iterator[None]:
    key = str(turnstile_path(db_path))
    owned = getattr(_held, "paths", set())
    if fcntl is None or key in owned or not db_path.parent.exists():
        yield
        return
    fd = _open_lock_file(key)
    if fd is None:  # cannot even read it: the bounded lock retries alone apply
        yield
        return
    try:
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        deadline = time.monotonic() + timeout_s
        delay = 0.001
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TurnstileTimeout(key) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.02)
        if exclusive:
            _held.paths = owned | {key}
        try:
            yield
        finally:
            if exclusive:
                _held.paths = owned - {key}
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
