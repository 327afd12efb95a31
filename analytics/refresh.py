"""`depin refresh`: run collectors, validate and gate their rows, and write each source in one transaction.

Sources are fetched and parsed concurrently, each with a time limit; one failing never blocks the others.
Writes happen one source at a time (DuckDB has one writer), each source's rows, quarantined records and
status in a single transaction, so a source lands whole or not at all.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import pandas as pd
import requests

from analytics.collectors import COLLECTORS, Collector, SkipSource, SourceError
from analytics.offers import MAX_PLAUSIBLE_MOVE, offer_frame
from analytics.settings import Settings
from analytics.store import Store
from analytics.store.writes import upsert

EXIT_OK, EXIT_SOME_FAILED, EXIT_ALL_FAILED = 0, 3, 4


@dataclass
class SourceOutcome:
    source: str
    status: str  # ok | failed | skipped
    rows_added: int = 0
    rows_quarantined: int = 0
    duration_ms: float = 0.0
    message: str = ""


@dataclass
class RefreshReport:
    run_id: str
    started_at: str
    finished_at: str = ""
    outcomes: list[SourceOutcome] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        ran = [o for o in self.outcomes if o.status != "skipped"]
        failed = [o for o in ran if o.status == "failed"]
        if not failed:
            return EXIT_OK
        return EXIT_ALL_FAILED if len(failed) == len(ran) else EXIT_SOME_FAILED

    @property
    def status(self) -> str:
        return {EXIT_OK: "ok", EXIT_SOME_FAILED: "partial", EXIT_ALL_FAILED: "failed"}[self.exit_code]

    def as_dict(self) -> dict:
        return {**asdict(self), "status": self.status, "exit_code": self.exit_code}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _flag_large_moves(conn, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    conn.register("_batch_ids", frame[["offer_id"]])
    try:
        previous = dict(
            conn.execute(
                """
                SELECT o.offer_id, o.price_per_gpu_hour_usd FROM gpu_offer_observations o
                JOIN _batch_ids b USING (offer_id)
                QUALIFY row_number() OVER (PARTITION BY o.offer_id ORDER BY o.observed_at DESC) = 1
                """
            ).fetchall()
        )
    finally:
        conn.unregister("_batch_ids")
    for i, row in frame.iterrows():
        before = previous.get(row["offer_id"])
        if before and abs(row["price_per_gpu_hour_usd"] / before - 1) > MAX_PLAUSIBLE_MOVE:
            frame.at[i, "flags"] = [*row["flags"], "moved_over_40pct"]


def _collect(collector: Collector, observed_at: datetime) -> tuple[pd.DataFrame, list[tuple], list[str]]:
    collector.check_ready()
    raw = collector.fetch()
    result = collector.parse(raw, observed_at)
    frame, quarantined = offer_frame(result, collector.name, observed_at)
    return frame, quarantined, result.notes


def parse_only(only: str | Iterable[str] | None) -> list[str]:
    """Validate a --only list; unknown names raise ValueError naming the known ones."""
    if only is None:
        return list(COLLECTORS)
    names = [n.strip() for n in (only.split(",") if isinstance(only, str) else only) if n.strip()]
    unknown = [n for n in names if n not in COLLECTORS]
    if unknown or not names:
        raise ValueError(f"unknown source(s) {', '.join(unknown) or '(none given)'}; known: {', '.join(COLLECTORS)}")
    return names


def run_refresh(
    store: Store,
    settings: Settings,
    *,
    only: Iterable[str] | None = None,
    trigger: str = "cli",
    timeout_s: float | None = None,
    session_factory: Callable[[], requests.Session] = requests.Session,
    progress: Callable[[SourceOutcome], None] | None = None,
) -> RefreshReport:
    names = parse_only(only)
    started = _now()
    report = RefreshReport(
        run_id=f"{trigger}-{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}", started_at=started.isoformat()
    )
    store.migrate()
    with store.writer() as conn:
        upsert(
            conn,
            "refresh_runs",
            pd.DataFrame(
                [
                    {
                        "run_id": report.run_id,
                        "trigger": trigger,
                        "started_at": started,
                        "finished_at": None,
                        "status": "running",
                    }
                ]
            ),
        )
    limit = timeout_s if timeout_s is not None else settings.http_timeout_s * 4
    collectors = {name: COLLECTORS[name](settings, session_factory()) for name in names}
    pool = ThreadPoolExecutor(max_workers=max(len(collectors), 1), thread_name_prefix="collector")
    try:
        t0 = {name: time.perf_counter() for name in collectors}
        futures = {name: pool.submit(_collect, c, started) for name, c in collectors.items()}
        for name, future in futures.items():
            source_started = _now()
            outcome = SourceOutcome(name, "ok")
            frame, quarantined = pd.DataFrame(), []
            try:
                remaining = max(limit - (time.perf_counter() - t0[name]), 0.1)
                frame, quarantined, notes = future.result(timeout=remaining)
                outcome.message = "; ".join(notes)
            except SkipSource as exc:
                outcome.status, outcome.message = "skipped", str(exc)
            except FutureTimeout:
                outcome.status, outcome.message = "failed", f"timed out after {limit:.0f} s"
            except SourceError as exc:
                outcome.status, outcome.message = "failed", str(exc)
            except Exception as exc:  # a collector bug must not take the other sources down
                outcome.status, outcome.message = "failed", f"unexpected {type(exc).__name__}: {exc}"
            outcome.duration_ms = (time.perf_counter() - t0[name]) * 1000
            _write_source(store, report.run_id, outcome, frame, quarantined, source_started, collectors[name])
            report.outcomes.append(outcome)
            if progress:
                progress(outcome)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    finished = _now()
    report.finished_at = finished.isoformat()
    with store.writer() as conn:
        upsert(
            conn,
            "refresh_runs",
            pd.DataFrame(
                [
                    {
                        "run_id": report.run_id,
                        "trigger": trigger,
                        "started_at": started,
                        "finished_at": finished,
                        "status": report.status,
                    }
                ]
            ),
        )
    return report


def _write_source(store, run_id, outcome, frame, quarantined, source_started, collector: Collector) -> None:
    with store.writer() as conn:
        if outcome.status == "ok":
            stored = conn.execute(
                "SELECT count(*) FROM gpu_offer_observations WHERE dataset_id = ?", [f"live:{outcome.source}"]
            ).fetchall()[0][0]
            dataset = {
                "dataset_id": f"live:{outcome.source}",
                "kind": "gpu_offers",
                "title": collector.description,
                "publisher": f"{outcome.source} API",
                "source_url": collector.base_url,
                "as_of": source_started.strftime("%Y-%m-%d %H:%M"),
                "notes": "Live collector; every refresh appends observations.",
                "row_count": int(stored + len(frame)),
                "loaded_at": source_started,
            }
            upsert(conn, "datasets", pd.DataFrame([dataset]))
            _flag_large_moves(conn, frame)
            outcome.rows_added = upsert(conn, "gpu_offer_observations", frame)
            if quarantined:
                conn.executemany(
                    "INSERT INTO quarantined_records VALUES (?, ?, ?, ?, ?)",
                    [
                        [run_id, outcome.source, source_started, reason, json.dumps(raw, default=str)]
                        for raw, reason in quarantined
                    ],
                )
            outcome.rows_quarantined = len(quarantined)
        upsert(
            conn,
            "source_status",
            pd.DataFrame(
                [
                    {
                        "run_id": run_id,
                        "source": outcome.source,
                        "status": outcome.status,
                        "rows_added": outcome.rows_added,
                        "rows_quarantined": outcome.rows_quarantined,
                        "started_at": source_started,
                        "finished_at": _now(),
                        "duration_ms": outcome.duration_ms,
                        "message": outcome.message,
                    }
                ]
            ),
        )
