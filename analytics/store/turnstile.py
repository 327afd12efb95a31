"""A writer-priority turnstile in front of DuckDB's file lock.

DuckDB's own lock is all-or-nothing and non-blocking: a writer process cannot open the file while any
reader has it open. With many short readers (a busy dashboard) their opens can overlap without pause and a
refresh would never get in. So before opening the database a reader takes a shared `flock` on
`<db>.rwlock` and drops it as soon as its connection is open; a writer holds the exclusive lock for its
whole transaction. A waiting writer therefore only waits for the readers already inside (one query each),
and readers arriving meanwhile queue behind it for the length of one write.

flock is per open file, so this works between processes and between threads. Where fcntl is missing
(Windows) the turnstile does nothing and the bounded lock retries alone apply.
"""

from __future__ import annotations

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

_held = threading.local()  # paths this thread holds exclusively: its own reads must not queue behind itself


class TurnstileTimeout(TimeoutError):
    pass


def turnstile_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".rwlock")


@contextmanager
def turnstile(db_path: Path, *, exclusive: bool, timeout_s: float) -> Iterator[None]:
    key = str(turnstile_path(db_path))
    owned = getattr(_held, "paths", set())
    if fcntl is None or key in owned or not db_path.parent.exists():
        yield
        return
    fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o644)
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
