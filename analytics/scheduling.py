"""Unattended refreshes: one refresh at a time (a lock file, whoever starts them), and a long-lived
scheduler process that stops cleanly.

The lock is a `filelock.FileLock` on `<database>.lock`, separate from DuckDB's own file lock: it keeps two
refreshes (from cron, systemd, `depin schedule` or a person) from overlapping, and the operating system
releases it when a process dies, even by kill -9.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from filelock import FileLock, Timeout

from analytics.refresh import RefreshReport, run_refresh
from analytics.settings import Settings
from analytics.store import Store, StoreError

log = logging.getLogger("depin.schedule")
EXIT_LOCKED = 5
_INTERVAL = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$")


class RefreshLocked(StoreError):
    pass


def lock_path(store: Store) -> Path:
    return store.path.with_name(store.path.name + ".lock")


@contextmanager
def refresh_lock(store: Store, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the refresh lock, or raise RefreshLocked at once (or after `wait_s`).

    A DuckLake has no such lock: its refreshes may run at the same time, on any host (the lake serialises
    their write transactions itself), so there is nothing for a file on one host to guard.
    """
    if not store.single_host:
        yield
        return
    store.ensure_writable_location()
    lock = FileLock(str(lock_path(store)), timeout=wait_s)
    try:
        lock.acquire()
    except Timeout as exc:
        raise RefreshLocked(
            f"another refresh is already running on {store.path} (lock {lock_path(store)} is held); "
            "this one exits without doing anything"
        ) from exc
    try:
        yield
    finally:
        lock.release()


def parse_interval(text: str) -> timedelta:
    """'1h', '30m', '1h30m', '45s', '1d' -> timedelta (at least one second)."""
    match = _INTERVAL.match(text or "")
    if not match or not any(match.groups()):
        raise ValueError(f"cannot read interval {text!r}: use forms like 1h, 30m, 1h30m, 90s or 1d")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    interval = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if interval.total_seconds() < 1:
        raise ValueError("the interval must be at least 1 second")
    return interval


def locked_refresh(store: Store, settings: Settings, **kwargs) -> RefreshReport | None:
    """One refresh under the lock; None (logged) when another refresh holds it."""
    try:
        with refresh_lock(store):
            return run_refresh(store, settings, **kwargs)
    except RefreshLocked as exc:
        log.warning("%s", exc)
        return None


def run_schedule(
    store: Store,
    settings: Settings,
    every: timedelta,
    *,
    only: list[str] | None = None,
    run_now: bool = True,
    on_report: Callable[[RefreshReport], None] | None = None,
) -> None:
    """Refresh every `every` until SIGINT or SIGTERM. Runs never overlap (max_instances=1) and missed runs
    are coalesced into one; a run in progress finishes before the process exits."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    def job() -> None:
        report = locked_refresh(store, settings, only=only, trigger="schedule")
        if report is None:
            return
        for outcome in report.outcomes:
            log.info(
                "  %-10s %-7s +%d rows, %d quarantined, %.1f s %s",
                outcome.source,
                outcome.status,
                outcome.rows_added,
                outcome.rows_quarantined,
                outcome.duration_ms / 1000,
                f"({outcome.message})" if outcome.status != "ok" and outcome.message else "",
            )
        log.info("refresh %s: %s", report.run_id, report.status)
        if on_report:
            on_report(report)

    scheduler = BlockingScheduler(
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": int(every.total_seconds())}
    )
    scheduler.add_job(job, "interval", seconds=every.total_seconds(), id="refresh", next_run_time=_now_if(run_now))
    stopping = threading.Event()

    def stop(signum, _frame) -> None:
        if not stopping.is_set():
            stopping.set()
            log.info("received %s: stopping after the run in progress", signal.Signals(signum).name)
            scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "refreshing %s every %s into %s (Ctrl+C or SIGTERM stops)",
        ", ".join(only or ["all sources"]),
        every,
        store.display_name,
    )
    scheduler.start()
    log.info("scheduler stopped")


def _now_if(run_now: bool):
    from datetime import datetime

    return datetime.now().astimezone() if run_now else None
