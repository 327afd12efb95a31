"""Refreshes writing while the dashboard's query functions read, in separate processes, on 127.0.0.1.

    python -m benchmarks.concurrency [--refreshes 20] [--readers 4] [--min-reads 1000] [--json]
    python -m benchmarks.concurrency --sessions 20 [--duration 120] [--refresh-every 20] [--think 5] [--servers 2]

With --sessions, measures page time with that many dashboard sessions at once instead (see
benchmarks/page_sessions.py).

A writer process runs `--refreshes` refreshes of akash + ionet against a local server replaying the test
fixtures; this process runs `--readers` threads calling the dashboard's queries in a loop until the writer
is done and at least `--min-reads` reads completed. Every read also checks that no source batch is seen
half-written (each (source, observed_at) has the full batch size). Reports failed reads, inconsistent reads
and read latency (median, p99, worst; worst while a write was in progress).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from analytics import queries
from analytics.snapshot import load_snapshot
from analytics.store import Store

BATCH_SIZES = {"akash": 3, "ionet": 4}  # rows per refresh from the replayed fixtures
_CONSISTENCY = """
SELECT source, observed_at, count(*) AS n FROM gpu_offer_observations
WHERE source IN ('akash', 'ionet') GROUP BY ALL
"""


def writer(db: Path, refreshes: int) -> None:
    from analytics.refresh import run_refresh
    from analytics.settings import Settings
    from tests.fakeserver import FakeApis

    with FakeApis() as apis:
        urls = {k.removeprefix("DEPIN_").lower(): v for k, v in apis.base_urls().items()}
        settings = Settings(_env_file=None, db=db, http_timeout_s=5, **urls)
        store = Store(db, lock_timeout_s=30)
        for i in range(refreshes):
            report = run_refresh(store, settings, only=["akash", "ionet"])
            print(json.dumps({"refresh": i, "status": report.status}), flush=True)


def run(refreshes: int, readers: int, min_reads: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "concurrency.duckdb"
        load_snapshot(Store(db))
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.concurrency",
                "--role",
                "writer",
                "--db",
                str(db),
                "--refreshes",
                str(refreshes),
            ],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        statuses: list[str] = []
        done = threading.Event()

        def follow_writer() -> None:
            for line in proc.stdout:
                statuses.append(json.loads(line)["status"])
            done.set()

        threading.Thread(target=follow_writer, daemon=True).start()
        store = Store(db, lock_timeout_s=30)
        latencies: list[float] = []
        failures: list[str] = []
        inconsistent: list[str] = []
        lock = threading.Lock()

        def read_loop() -> None:
            while True:
                with lock:
                    if done.is_set() and len(latencies) >= min_reads:
                        return
                start = time.perf_counter()
                try:
                    offers = queries.latest_offers(store)
                    batches = store.query_rows(_CONSISTENCY)
                except Exception as exc:  # a failed read is what this benchmark counts
                    with lock:
                        failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                elapsed = time.perf_counter() - start
                bad = [b for b in batches if b[2] != BATCH_SIZES[b[0]]]
                with lock:
                    latencies.append(elapsed)
                    if bad or offers.empty:
                        inconsistent.append(str(bad))

        started = time.perf_counter()
        threads = [threading.Thread(target=read_loop) for _ in range(readers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        proc.wait(timeout=60)
        wall = time.perf_counter() - started
        ordered = sorted(latencies)
        return {
            "refreshes": len(statuses),
            "refresh_statuses": sorted(set(statuses)),
            "reads": len(latencies),
            "failed_reads": len(failures),
            "failure_examples": failures[:3],
            "inconsistent_reads": len(inconsistent),
            "read_latency_ms": {
                "median": statistics.median(ordered) * 1000 if ordered else None,
                "p99": ordered[int(len(ordered) * 0.99) - 1] * 1000 if ordered else None,
                "worst": ordered[-1] * 1000 if ordered else None,
            },
            "wall_s": wall,
            "readers": readers,
            "writer_exit": proc.returncode,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--role", choices=["bench", "writer"], default="bench")
    parser.add_argument("--db", type=Path)
    parser.add_argument("--refreshes", type=int, default=20)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--min-reads", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--sessions", type=int, default=None, help="Measure page time with N dashboard sessions.")
    parser.add_argument("--duration", type=float, default=120.0, help="Seconds the sessions run (with --sessions).")
    parser.add_argument("--refresh-every", type=float, default=20.0, help="Seconds between refreshes (--sessions).")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="Mean seconds a session reads a page before the next (--sessions; 0: no pause, a stress test).",
    )
    parser.add_argument(
        "--servers", type=int, default=1, help="Dashboard processes the sessions are spread over (--sessions)."
    )
    args = parser.parse_args()
    if args.role == "writer":
        writer(args.db, args.refreshes)
        return
    if args.sessions:
        from benchmarks.page_sessions import describe, run_sessions

        result = run_sessions(args.sessions, args.duration, args.refresh_every, args.think, args.servers)
        print(json.dumps(result, indent=2) if args.json else "\n".join(describe(result)))
        return
    result = run(args.refreshes, args.readers, args.min_reads)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    lat = result["read_latency_ms"]
    print(
        f"python -m benchmarks.concurrency --refreshes {args.refreshes} --readers {args.readers} "
        f"--min-reads {args.min_reads}"
    )
    print(
        f"refreshes: {result['refreshes']} ({', '.join(result['refresh_statuses'])}), writer exit "
        f"{result['writer_exit']}"
    )
    print(f"reads: {result['reads']}, failed: {result['failed_reads']}, inconsistent: {result['inconsistent_reads']}")
    print(
        f"read latency: median {lat['median']:.1f} ms, p99 {lat['p99']:.1f} ms, worst {lat['worst']:.1f} ms "
        f"({result['wall_s']:.1f} s wall)"
    )


if __name__ == "__main__":
    main()
