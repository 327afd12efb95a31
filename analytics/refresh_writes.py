"""The store side of a refresh: each source's rows, quarantined records, provenance and status in one
transaction; a source whose rows cannot be written fails alone; the run row."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from analytics.offers import MAX_PLAUSIBLE_MOVE, add_flag
from analytics.sanitize import clean_text, finite_or_none
from analytics.store import Store
from analytics.store.writes import upsert

if TYPE_CHECKING:
    from analytics.refresh import Batch, SourceOutcome

log = logging.getLogger("depin.refresh")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def store_source(store: Store, run_id: str, outcome: SourceOutcome, batch: Batch, source_started) -> None:
    """Write one source; when its rows cannot be written (a record the store refuses, a full disk) that
    source fails alone with the reason, and the others carry on."""
    try:
        _write_source(store, run_id, outcome, batch, source_started)
        return
    except Exception as exc:
        reason = f"could not store its rows: {type(exc).__name__}: {clean_text(str(exc))[0][:300]}"
    outcome.status, outcome.rows_added, outcome.rows_quarantined = "failed", batch.rows_already_written, 0
    outcome.message = f"{reason}; {outcome.message}" if outcome.message else reason
    try:
        _write_source(store, run_id, outcome, type(batch)(), source_started)
    except Exception as exc:  # not even the status row fits: say so in the log, keep going
        log.error("%s: could not record its status either: %s", outcome.source, exc)


def write_run(store: Store, run_id: str, trigger: str, started, finished, status: str) -> None:
    row = {"run_id": run_id, "trigger": trigger, "started_at": started, "finished_at": finished, "status": status}
    with store.writer() as conn:
        upsert(conn, "refresh_runs", pd.DataFrame([row]))


def _flag_large_moves(store: Store, frame: pd.DataFrame) -> None:
    """Flag observations that moved more than MAX_PLAUSIBLE_MOVE against the offer's stored latest price.

    Runs before the write transaction (one short read, then column arithmetic), so no per-row Python work
    happens while the database is locked for writing."""
    if frame.empty:
        return
    with store.reader() as conn:
        conn.register("_batch_ids", frame[["offer_id"]].drop_duplicates())
        try:
            # offer_latest (the read model of each offer's newest observation), not a scan of all history
            previous = conn.execute(
                """
                SELECT o.offer_id, o.price_per_gpu_hour_usd AS before
                FROM offer_latest o SEMI JOIN _batch_ids b USING (offer_id)
                """
            ).df()
        finally:
            conn.unregister("_batch_ids")
    before = frame["offer_id"].map(previous.set_index("offer_id")["before"]).astype(float)
    moved = (before > 0) & ((frame["price_per_gpu_hour_usd"] / before - 1).abs() > MAX_PLAUSIBLE_MOVE)
    add_flag(frame, moved.to_numpy(), "moved_over_40pct")


_PER_DATASET = ("gpu_offer_observations", "network_metrics")  # tables shared with bundled datasets


def _write_source(store: Store, run_id: str, outcome: SourceOutcome, batch: Batch, source_started) -> None:
    if outcome.status == "ok" and batch.table == "gpu_offer_observations":
        _flag_large_moves(store, batch.frame)
    with store.writer() as conn:
        if outcome.status == "ok":
            outcome.rows_added = batch.rows_already_written
            if batch.table is not None:
                outcome.rows_added += upsert(conn, batch.table, batch.frame)
            if batch.quarantined:
                conn.executemany(
                    "INSERT INTO quarantined_records VALUES (?, ?, ?, ?, ?)",
                    [
                        [run_id, outcome.source, source_started, clean_text(reason)[0], raw_json(raw)]
                        for raw, reason in batch.quarantined
                    ],
                )
            outcome.rows_quarantined = len(batch.quarantined)
            if batch.dataset is not None:
                table = batch.table
                # offers are counted from their read model (offer_stats, kept in this transaction), not history
                count = f"count(*) FROM {table}"  # table names come from this module
                if table == "gpu_offer_observations":
                    count = "coalesce(sum(rows), 0) FROM offer_stats"
                stored = conn.execute(
                    f"SELECT {count}"
                    + (" WHERE dataset_id = ?" if table in _PER_DATASET else ""),
                    [batch.dataset["dataset_id"]] if table in _PER_DATASET else [],
                ).fetchall()[0][0]
                upsert(conn, "datasets", pd.DataFrame([{**batch.dataset, "row_count": int(stored)}]))
        status = {
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
        upsert(conn, "source_status", pd.DataFrame([status]))


def raw_json(raw: Any) -> str:
    """A quarantined record as JSON text the store accepts: ASCII-escaped (lone surrogates included),
    non-finite numbers as null."""
    try:
        return json.dumps(finite_or_none(raw), default=str, allow_nan=False)
    except (ValueError, RecursionError):
        return json.dumps(repr(raw)[:10_000])
