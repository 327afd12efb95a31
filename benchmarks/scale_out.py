"""DuckLake (PostgreSQL catalog, local data path) against the DuckDB file, on the bundled data or a given one.

    python -m benchmarks.scale_out [--repeat 3] [--transactions 20] [--rows 500] [--catalog-dsn DSN] [--json]
    python -m benchmarks.scale_out --db scale.duckdb ...   # e.g. the 10 M database of benchmarks.scale

With --db the file is copied (the benchmark's writes land in the copy) and copied into the lake with
`depin migrate-store`'s verified copy (its time is reported); it must be readable by this DuckDB version
(build it with the same environment: the lake extension pins DuckDB 1.4).

Measures, per backend: the Overview page script (AppTest, cold and warm caches); the wall time of
`depin prices --gpu H100 --json`, `depin status --json`, `depin compare --gpu H100-SXM-80GB --json` and
`depin history --gpu H100-SXM-80GB --json` (a fresh process each, as a person runs them); and write throughput
with 1 and with 2 concurrent writer processes (each writes --transactions transactions of --rows synthetic
observations, labelled source 'benchmark_synthetic'). Without --catalog-dsn a PostgreSQL is started in a
temporary folder (the test suite's helper) and stopped at the end. Timings only, never assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analytics.snapshot import load_snapshot
from analytics.store import Store
from analytics.store.lake import LakeStore, close_lake

REPO = Path(__file__).resolve().parent.parent

_WRITER = """
import sys, time, pandas as pd
from analytics.store import Store
from analytics.store.lake import LakeStore
from analytics.store.writes import upsert
kind, where, data_path, name, transactions, rows = sys.argv[1:7]
store = Store(where, lock_timeout_s=120) if kind == 'duckdb' else LakeStore(where, data_path, lock_timeout_s=120)
store = store.for_writing_process()
start = time.perf_counter()
for t in range(int(transactions)):
    frame = pd.DataFrame({
        'offer_id': [f'{name}-{t}-{i}' for i in range(int(rows))], 'observed_at': pd.Timestamp('2026-01-01'),
        'source': 'benchmark_synthetic', 'provider': 'synthetic', 'provider_category': 'unknown',
        'market_model': 'unknown', 'gpu_name_raw': 'H100', 'gpu_model_status': 'partial', 'gpu_count': 1,
        'pricing_kind': 'on_demand', 'price_usd_per_hour': 2.0, 'price_per_gpu_hour_usd': 2.0,
        'flags': [[] for _ in range(int(rows))]})
    with store.writer() as conn:
        upsert(conn, 'gpu_offer_observations', frame)
print(time.perf_counter() - start)
"""


def _stats(samples: list[float]) -> dict[str, float]:
    return {"median_s": round(statistics.median(samples), 3), "max_s": round(max(samples), 3), "runs": len(samples)}


def _env(store: Store) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DEPIN_")}
    return {**clean, **store.environment()}


def bench_overview(store: Store, repeat: int) -> dict:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    saved = dict(os.environ)
    os.environ.update(_env(store))
    cold, warm = [], []
    try:
        for _ in range(repeat):
            st.cache_data.clear()
            at = AppTest.from_file(str(REPO / "app" / "streamlit_app.py"), default_timeout=180)
            start = time.perf_counter()
            at.run()
            cold.append(time.perf_counter() - start)
            if at.exception:
                raise RuntimeError(at.exception[0].message)
            start = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - start)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {"cold": _stats(cold), "warm_cache": _stats(warm)}


def bench_cli(store: Store, args: list[str], repeat: int) -> dict:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "analytics.cli", *args], env=_env(store), capture_output=True, timeout=300
        )
        samples.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.decode()[-500:])
    return _stats(samples)


def bench_writes(store: Store, writers: int, transactions: int, rows: int) -> dict:
    if isinstance(store, LakeStore):
        where, data_path, kind = store.catalog, store.data_path, "ducklake"
    else:
        where, data_path, kind = str(store.path), "-", "duckdb"
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WRITER,
                kind,
                where,
                data_path,
                f"w{writers}-{i}-{time.time_ns()}",
                str(transactions),
                str(rows),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(store),
        )
        for i in range(writers)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=900)
        if proc.returncode != 0:
            raise RuntimeError(err[-800:])
    wall = time.perf_counter() - start
    total_tx = writers * transactions
    return {
        "writers": writers,
        "transactions": total_tx,
        "rows": total_tx * rows,
        "wall_s": round(wall, 2),
        "transactions_per_s": round(total_tx / wall, 1),
        "rows_per_s": round(total_tx * rows / wall),
    }


def run(args: argparse.Namespace, tmp: Path, catalog: str) -> dict:
    file_store = Store(tmp / "bench.duckdb")
    lake = LakeStore(catalog, str(tmp / "lake-data"))
    prepared: dict = {}
    if args.db:
        import shutil

        from analytics.store.copy import copy_store

        started = time.perf_counter()
        shutil.copyfile(args.db, file_store.path)
        prepared["copy_file_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        checks = copy_store(file_store, lake)
        prepared["copy_into_lake_s"] = round(time.perf_counter() - started, 1)
        prepared["rows"] = {c.table: c.rows for c in checks if c.rows}
        print(f"copied {args.db} into the lake in {prepared['copy_into_lake_s']} s (verified)", file=sys.stderr)
    else:
        load_snapshot(file_store)
        load_snapshot(lake)
    results: dict = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "settings": {"repeat": args.repeat, "transactions": args.transactions, "rows": args.rows},
        "data": {"db": str(args.db) if args.db else "bundled snapshot", **prepared},
    }
    for name, store in (("duckdb_file", file_store), ("ducklake_postgres", lake)):
        results[name] = {
            "overview_render_apptest": bench_overview(store, args.repeat),
            "cli_prices_h100_json": bench_cli(store, ["prices", "--gpu", "H100", "--json"], args.repeat),
            "cli_status_json": bench_cli(store, ["status", "--json"], args.repeat),
            "cli_compare_h100_json": bench_cli(store, ["compare", "--gpu", "H100-SXM-80GB", "--json"], args.repeat),
            "cli_history_h100_json": bench_cli(store, ["history", "--gpu", "H100-SXM-80GB", "--json"], args.repeat),
            "writes_1_writer": bench_writes(store, 1, args.transactions, args.rows),
            "writes_2_writers": bench_writes(store, 2, args.transactions, args.rows),
        }
    close_lake(lake)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--transactions", type=int, default=20)
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--catalog-dsn", default=None, help="an EMPTY PostgreSQL database, e.g. 'dbname=b host=h'")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--db", type=Path, default=None, help="measure on (a copy of) this DuckDB file")
    args = parser.parse_args()
    if args.db and not args.db.is_file():
        parser.error(f"--db {args.db}: no such file")
    if min(args.repeat, args.transactions, args.rows) < 1:
        parser.error("--repeat, --transactions and --rows must be at least 1")
    with tempfile.TemporaryDirectory() as tmp:
        if args.catalog_dsn:
            results = run(args, Path(tmp), f"postgres:{args.catalog_dsn}")
        else:
            from tests.pgserver import start_server

            server = start_server()
            try:
                results = run(args, Path(tmp), f"postgres:{server.dsn(server.create_database('bench'))}")
            finally:
                server.stop()
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"python -m benchmarks.scale_out --repeat {args.repeat} --transactions {args.transactions} "
        f"--rows {args.rows}" + (f" --db {args.db}" if args.db else "") + f"   ({results['machine']['cpus']} CPUs)"
    )
    data = results["data"]
    if args.db:
        observations = data["rows"].get("gpu_offer_observations", 0)
        print(f"data: {data['db']}, {observations:,} observations; copied into the lake in")
        print(f"  {data['copy_into_lake_s']} s (migrate-store's copy, verified per table)")
    for name in ("duckdb_file", "ducklake_postgres"):
        r = results[name]
        ov = r["overview_render_apptest"]
        print(f"{name}:")
        print(
            f"  Overview (AppTest) cold median {ov['cold']['median_s']:.2f} s, "
            f"warm {ov['warm_cache']['median_s']:.3f} s"
        )
        print(f"  depin prices --gpu H100 --json median {r['cli_prices_h100_json']['median_s']:.2f} s")
        print(f"  depin status --json median {r['cli_status_json']['median_s']:.2f} s")
        print(f"  depin compare --gpu H100-SXM-80GB --json median {r['cli_compare_h100_json']['median_s']:.2f} s")
        print(f"  depin history --gpu H100-SXM-80GB --json median {r['cli_history_h100_json']['median_s']:.2f} s")
        for key in ("writes_1_writer", "writes_2_writers"):
            w = r[key]
            print(
                f"  {w['writers']} writer(s): {w['transactions']} tx of {args.rows} rows in {w['wall_s']} s = "
                f"{w['transactions_per_s']} tx/s, {w['rows_per_s']:,} rows/s"
            )


if __name__ == "__main__":
    main()
