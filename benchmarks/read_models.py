"""Readers of offer history: each query on its read model against the same query on raw history (the reference
the tests compare it with), uncached, on one database; plus a full rebuild of the read models.

    python -m benchmarks.read_models --db scale.duckdb [--repeat 3] [--rebuild]

Read-only unless --rebuild (which recomputes the read models in one write transaction; same content after).
Timings, not assertions.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from analytics import queries
from analytics.comparison import history
from analytics.store import Store, read_models


def _median_s(fn, reference: bool, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(reference)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def _history(store: Store, gpu: str, reference: bool) -> None:
    observations = queries.offer_observations(store, gpu_model=gpu, reference=reference)
    history.segment_daily(observations)


def readers(store: Store, gpu: str) -> dict:
    return {
        "latest_offers": lambda ref: queries.latest_offers(store, reference=ref),
        "offer_sources": lambda ref: queries.offer_sources(store, reference=ref),
        "datasets": lambda ref: queries.datasets(store, reference=ref),
        "source_conflicts": lambda ref: queries.source_conflicts(store, reference=ref),
        f"history ({gpu})": lambda ref: _history(store, gpu, ref),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--gpu", default="H100-SXM-80GB")
    parser.add_argument("--rebuild", action="store_true", help="also time a full rebuild of the read models")
    args = parser.parse_args()
    store = Store(args.db)
    store.check_readable()
    rows = store.query_rows("SELECT count(*) FROM gpu_offer_observations")[0][0]
    sizes = {t: store.query_rows(f"SELECT count(*) FROM {t}")[0][0] for t in read_models.TABLES}  # noqa: S608
    print(f"{args.db}: {rows:,} observations; " + ", ".join(f"{t} {n:,} rows" for t, n in sizes.items()))
    print(f"{'query':32s} {'read model':>12s} {'raw history':>12s} {'speed-up':>9s}")
    for name, run in readers(store, args.gpu).items():
        fast, slow = _median_s(run, False, args.repeat), _median_s(run, True, args.repeat)
        print(f"{name:32s} {fast:11.3f}s {slow:11.3f}s {slow / fast:8.1f}x")
    if args.rebuild:
        start = time.perf_counter()
        with store.writer() as conn:
            read_models.rebuild(conn)
        print(f"rebuild of every read model from raw history: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
