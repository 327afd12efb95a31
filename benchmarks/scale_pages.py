"""Per page and page state: script time through AppTest, cold (Streamlit caches cleared) and warm, and the
process's peak memory while the page renders (Linux: VmHWM, reset before each state)."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ENTRY = REPO / "app" / "streamlit_app.py"


def stats(samples: list[float]) -> dict[str, float]:
    return {"median_s": statistics.median(samples), "max_s": max(samples), "runs": len(samples)}


def _rss_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> None:
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # hand freed heap back, so the next peak is the page's own
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()


def pages() -> list[str]:
    """The pages the navigation lists (app/streamlit_app.py PAGES), by file stem."""
    import re

    return re.findall(r'st\.Page\("views/(\w+)\.py"', ENTRY.read_text())


def page_states(db: Path, states: str) -> list[tuple[str, str, Callable | None]]:
    """(label, page file, widget setter) for the default state of every page, then every dataset on Data &
    sources and every timeframe of the default series on Token markets (states='some': the largest only)."""
    from analytics import queries
    from analytics.store import Store

    store = Store(db)
    out: list[tuple[str, str, Callable | None]] = [(page, f"views/{page}.py", None) for page in pages()]
    datasets = queries.datasets(store).sort_values("stored_rows", ascending=False)
    ids = datasets["dataset_id"].tolist()
    if states == "some":  # the largest of each kind, and every synthetic one
        some = set(datasets.drop_duplicates("kind")["dataset_id"]) | {i for i in ids if i.startswith("synthetic:")}
        ids = [i for i in ids if i in some]
    for dataset_id in ids:
        out.append((f"data_sources [{dataset_id}]", "views/data_sources.py", _select_dataset(dataset_id)))
    series = queries.candle_series(store)
    render = series[series["token"] == "RENDER"].iloc[0]
    timeframes = sorted(series[(series["exchange"] == render["exchange"]) & (series["symbol"] == render["symbol"])][
        "timeframe"
    ].unique())  # fmt: skip
    for timeframe in timeframes:
        out.append((f"token_markets [{timeframe}]", "views/token_markets.py", _select_timeframe(timeframe)))
    return out


def _select_dataset(dataset_id: str) -> Callable:
    def setter(at) -> None:
        box = next(b for b in at.selectbox if dataset_id in b.options)
        box.set_value(dataset_id)

    return setter


def _select_timeframe(timeframe: str) -> Callable:
    def setter(at) -> None:
        box = next(b for b in at.radio if b.label == "Timeframe")
        box.set_value(timeframe)

    return setter


def serve_like_a_server() -> None:
    """AppTest has no Streamlit runtime, so the app would not share its read connection as `depin dashboard`
    does; the benchmark turns it on itself (unless DEPIN_SHARED_READS=false) to measure what a server runs."""
    from analytics.settings import get_settings
    from analytics.store.shared_reader import share_read_connections

    share_read_connections(get_settings().shared_reads)


def measure_state(db: Path, page: str, setter: Callable | None, repeat: int) -> dict:
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    set_log_level("error")  # AppTest's bare-mode warnings, printed on every run
    os.environ["DEPIN_DB"] = str(db)
    serve_like_a_server()
    cold, warm, peaks, growth = [], [], [], []
    for _ in range(repeat):
        at = AppTest.from_file(str(ENTRY), default_timeout=600)
        at.switch_page(page)
        if setter is not None:
            at.run()
            _raise(at, page)
            setter(at)
        _clear_caches()
        _reset_peak()
        before = _rss_mb("VmRSS")
        start = time.perf_counter()
        at.run()
        cold.append(time.perf_counter() - start)
        _raise(at, page)
        start = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - start)
        _raise(at, page)
        peak = _rss_mb("VmHWM")
        if peak is not None and before is not None:
            peaks.append(peak)
            growth.append(peak - before)
        del at
    return {
        "cold": stats(cold),
        "warm": stats(warm),
        "peak_rss_mb": max(peaks) if peaks else None,
        "growth_mb": max(growth) if growth else None,
    }


def _raise(at, page: str) -> None:
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
