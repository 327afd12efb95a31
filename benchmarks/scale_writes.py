"""Write-side measurements on the scale database: the refresh write path against a raw DuckDB insert of the
same frame into the same keyed table, and a warm page while refreshes commit in another process.

Every row written here lies after the synthetic history and is deleted again afterwards, so the database
can be measured again.

    python -m benchmarks.scale_writes writer DB ROWS BATCHES     (the writer process; used by reads_during_write)
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np

from analytics.refresh import Batch, SourceOutcome  # imported here: never inside a timing
from analytics.refresh_writes import _write_source
from analytics.store import Store, read_models
from analytics.store.shared_reader import write_intent
from benchmarks.scale_data import (
    OFFERS_DATASET,
    SYNTHETIC_SOURCE,
    ScalePlan,
    existing_plan,
    offer_observations,
    offer_templates,
)
from benchmarks.scale_pages import REPO, stats

RUN_PREFIX = "scale-bench-"
INGEST_ROWS = 100_000


def _plan_from(db: Path) -> ScalePlan:
    """The plan the database was built with (from its marker file), so new rows never collide with it."""
    fields = dict(part.split("=") for part in (existing_plan(db) or "").split())
    if not fields:
        raise RuntimeError(f"{db} was not built by benchmarks.scale (no {db.name}.scale.json)")
    return ScalePlan(int(fields["observations"]), int(fields["candles"]), int(fields["seed"]))


def ingest_frame(db: Path, rows: int, batch_index: int):
    """`rows` observations of the synthetic offers at hours after the history (a refresh's batch)."""
    plan = _plan_from(db)
    templates = offer_templates(Store(db), plan)
    hours_needed = -(-rows // len(templates))
    first = plan.refreshes + 1 + batch_index * hours_needed
    frame = offer_observations(templates, np.arange(first, first + hours_needed), plan, flags=True)
    return frame.iloc[:rows].reset_index(drop=True)


def project_write(db: Path, frame, run_id: str) -> float:
    """The refresh's own write of one source batch (flags, upsert, provenance, status); seconds."""
    store = Store(db, lock_timeout_s=120).for_writing_process()
    dataset = {
        "dataset_id": OFFERS_DATASET,
        "kind": "gpu_offers",
        "title": "SYNTHETIC: GPU offer observations (scale benchmark, not real data)",
        "publisher": "benchmarks/scale.py (synthetic, generated)",
        "notes": "Synthetic data for the performance benchmark; never bundled.",
        "loaded_at": datetime.now(),
    }
    batch = Batch("gpu_offer_observations", frame.copy(), [], [], dataset)
    start = time.perf_counter()
    _write_source(store, run_id, SourceOutcome(SYNTHETIC_SOURCE, "ok"), batch, datetime.now())
    return time.perf_counter() - start


def raw_insert(db: Path, frame) -> float:
    """The reference: the same frame inserted with plain DuckDB into the same keyed table, committed and
    checkpointed like the store does; seconds."""
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    start = time.perf_counter()
    with write_intent(db, 60):  # this process's shared read connection steps aside, as for any writer
        _raw_insert(db, frame, columns)
    return time.perf_counter() - start


def _raw_insert(db: Path, frame, columns: str) -> None:
    conn = duckdb.connect(str(db))
    try:
        conn.begin()
        conn.register("_raw_frame", frame)
        conn.execute(f"INSERT INTO gpu_offer_observations ({columns}) SELECT {columns} FROM _raw_frame")  # noqa: S608
        conn.commit()
        conn.execute("CHECKPOINT")
    finally:
        conn.close()


def cleanup(db: Path, after) -> None:
    with write_intent(db, 60):
        _cleanup(db, after)


def _cleanup(db: Path, after) -> None:
    conn = duckdb.connect(str(db))
    try:
        conn.execute(
            "DELETE FROM gpu_offer_observations WHERE dataset_id = ? AND observed_at > ?", [OFFERS_DATASET, after]
        )
        conn.execute("DELETE FROM source_status WHERE run_id LIKE ?", [RUN_PREFIX + "%"])
        count = conn.execute("SELECT count(*) FROM gpu_offer_observations WHERE dataset_id = ?", [OFFERS_DATASET])
        conn.execute("UPDATE datasets SET row_count = ? WHERE dataset_id = ?", [count.fetchall()[0][0], OFFERS_DATASET])
        # history was deleted behind the store's back (and the raw reference inserts bypassed it): recompute
        # the read models, so the next measurement starts from a consistent database
        read_models.rebuild(conn)
        conn.execute("CHECKPOINT")
    finally:
        conn.close()


def measure_ingest(db: Path, repeat: int) -> dict:
    plan = _plan_from(db)
    rows = min(INGEST_ROWS, max(plan.offers * 20, 1_000))
    project, raw = [], []
    try:
        for i in range(repeat):
            project.append(project_write(db, ingest_frame(db, rows, 2 * i), f"{RUN_PREFIX}ingest-{i}"))
            raw.append(raw_insert(db, ingest_frame(db, rows, 2 * i + 1)))
    finally:
        cleanup(db, plan.first_observed_at + (plan.refreshes - 1) * _hour())
    p, r = statistics.median(project), statistics.median(raw)
    return {
        "rows": rows,
        "project_write": stats(project),
        "raw_duckdb_insert": stats(raw),
        "ratio": r / p,
        "goal": "refresh write >= 0.5x a raw DuckDB insert (ratio = raw time / project time)",
        "meets_goal": r / p >= 0.5,
    }


def _hour():
    from datetime import timedelta

    return timedelta(hours=1)


def measure_reads_during_write(db: Path, repeat: int, samples: int = 5) -> dict:
    """A warm Overview (AppTest) and the Overview's uncached queries: idle, then while a writer process
    commits refresh batches of the ingest size."""
    import os

    from streamlit.testing.v1 import AppTest

    from analytics.metrics.overview import overview_kpis
    from benchmarks.scale_pages import ENTRY, serve_like_a_server

    os.environ["DEPIN_DB"] = str(db)
    serve_like_a_server()
    plan = _plan_from(db)
    rows = min(INGEST_ROWS, max(plan.offers * 20, 1_000))
    at = AppTest.from_file(str(ENTRY), default_timeout=600)
    at.run()

    def warm_page() -> float:
        start = time.perf_counter()
        at.run()
        return time.perf_counter() - start

    def query() -> float:
        start = time.perf_counter()
        overview_kpis(Store(db, lock_timeout_s=120))
        return time.perf_counter() - start

    idle_page = [warm_page() for _ in range(samples)]
    idle_query = [query() for _ in range(samples)]
    batches = max(2, repeat * 2)
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.scale_writes", "writer", str(db), str(rows), str(batches)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    busy_page, busy_query = [], []
    try:
        while proc.poll() is None:
            busy_page.append(warm_page())
            busy_query.append(query())
        writes = [json.loads(line)["write_s"] for line in proc.stdout.read().splitlines() if line.startswith("{")]
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=60)
        cleanup(db, plan.first_observed_at + (plan.refreshes - 1) * _hour())
    if not busy_page:  # the writer finished before one read: count the reads done right after it
        busy_page, busy_query = [warm_page()], [query()]
    page_ratio = statistics.median(busy_page) / statistics.median(idle_page)
    return {
        "rows_per_write": rows,
        "writes": writes,
        "writer_exit": proc.returncode,
        "warm_overview_idle": stats(idle_page),
        "warm_overview_during_write": stats(busy_page),
        "overview_queries_idle": stats(idle_query),
        "overview_queries_during_write": stats(busy_query),
        "ratio": page_ratio,
        "goal": "a warm page during a refresh write <= 3x its idle time",
        "meets_goal": page_ratio <= 3,
    }


def _writer(db: Path, rows: int, batches: int) -> None:
    for i in range(batches):
        frame = ingest_frame(db, rows, 100 + i)
        took = project_write(db, frame, f"{RUN_PREFIX}rdw-{i}")
        print(json.dumps({"batch": i, "write_s": took}), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "writer":
        _writer(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(__doc__)
