"""A deterministic SYNTHETIC scale database for `benchmarks.scale`: never bundled, never real prices.

The bundled snapshot is loaded first (so every page has its usual inputs); then `observations` synthetic
offer observations (up to 5,000 offers, copied from the bundled offers' shapes, observed hourly with a slow
downward drift, daily noise and rare jumps) and `candles` synthetic one-minute candles on the bundled token
series are written through the project's own write path (`Store.writer` + `upsert`) in large batches.
Every synthetic row carries a `synthetic:` dataset id whose provenance says what it is.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import queries
from analytics.snapshot import SNAPSHOT_CAPTURED_ON, load_snapshot
from analytics.store import Store
from analytics.store.migrations import MIGRATIONS
from analytics.store.writes import upsert

OFFERS_DATASET = "synthetic:scale_offers"
SYNTHETIC_SOURCE = "synthetic_scale"
CANDLE_SYMBOLS = ("RENDERUSDT", "AKTUSDT", "IOUSDT", "TAOUSDT", "BTCUSDT")
CANDLE_EXCHANGE = "bybit_usdt_perpetual"
# The synthetic history ends with the bundled offers' observation, so the latest prices include both.
HISTORY_END = SNAPSHOT_CAPTURED_ON
MAX_OFFERS = 5_000
BATCH_ROWS = 500_000
SEED = 15

_OFFER_COLUMNS = [
    "source", "provider", "via", "provider_category", "market_model", "instance_type", "gpu_name_raw",
    "gpu_model", "gpu_family", "gpu_model_status", "gpu_memory_gb", "gpu_count", "vcpus", "memory_gib",
    "region", "pricing_kind", "price_as_of", "attributes",
]  # fmt: skip


@dataclass(frozen=True)
class ScalePlan:
    observations: int
    candles: int
    seed: int = SEED

    @property
    def offers(self) -> int:
        if self.observations <= 0:
            return 0
        return int(min(MAX_OFFERS, max(10, self.observations // 200), self.observations))

    @property
    def refreshes(self) -> int:
        return -(-self.observations // self.offers) if self.offers else 0

    @property
    def first_observed_at(self) -> datetime:
        return HISTORY_END - timedelta(hours=max(self.refreshes - 1, 0))

    def fingerprint(self) -> str:
        """What the file holds; the schema version too, so a database built by older code is not reused."""
        return (
            f"observations={self.observations} candles={self.candles} seed={self.seed} schema={MIGRATIONS[-1].version}"
        )


def offer_templates(store: Store, plan: ScalePlan) -> pd.DataFrame:
    """`plan.offers` synthetic listings shaped like the bundled ones, with stable ids and a base price."""
    bundled = queries.latest_offers(store)
    rng = np.random.default_rng(plan.seed)
    picks = rng.integers(0, len(bundled), plan.offers)
    templates = bundled.iloc[picks][_OFFER_COLUMNS + ["price_per_gpu_hour_usd"]].reset_index(drop=True)
    templates["source"] = SYNTHETIC_SOURCE
    templates["instance_type"] = [f"{t or 'synthetic'}#{i}" for i, t in enumerate(templates["instance_type"])]
    templates["offer_id"] = [
        hashlib.sha1(f"{SYNTHETIC_SOURCE}|{plan.seed}|{i}".encode(), usedforsecurity=False).hexdigest()[:20]
        for i in range(plan.offers)
    ]
    templates["base_price"] = templates.pop("price_per_gpu_hour_usd") * rng.lognormal(0.0, 0.15, plan.offers)
    return templates


def offer_observations(templates: pd.DataFrame, hours: np.ndarray, plan: ScalePlan, *, flags: bool) -> pd.DataFrame:
    """Observations of every template at each hour index (0 = first refresh); prices depend only on the
    seed, the offer and the hour, so any slice is reproducible on its own."""
    n_offers, n_hours = len(templates), len(hours)
    offer_ix = np.tile(np.arange(n_offers), n_hours)
    hour_ix = np.repeat(hours, n_offers)
    # Drift: -10 % a year, a daily cycle of +-2 %, noise per observation, and rare jumps that persist.
    noise = np.random.default_rng([plan.seed, int(hours[0]), n_hours]).normal(0.0, 0.01, len(offer_ix))
    jump = ((offer_ix * 7919 + (hour_ix // 97) * 104729) % 211 == 0) * 0.55
    log_price = -0.10 * hour_ix / 8760 + 0.02 * np.sin(2 * np.pi * (hour_ix % 24) / 24) + noise + jump
    base = templates["base_price"].to_numpy()[offer_ix]
    frame = templates.iloc[offer_ix].drop(columns="base_price").reset_index(drop=True)
    frame["observed_at"] = pd.to_datetime(plan.first_observed_at) + pd.to_timedelta(hour_ix, unit="h")
    frame["dataset_id"] = OFFERS_DATASET
    frame["price_per_gpu_hour_usd"] = np.round(base * np.exp(log_price), 4)
    frame["price_usd_per_hour"] = frame["price_per_gpu_hour_usd"] * frame["gpu_count"]
    frame["available"] = (offer_ix + hour_ix) % 5 != 0
    if flags:  # the refresh path's frames carry a flags list per row, as offer_frame builds them
        frame["flags"] = [[] for _ in range(len(frame))]
    return frame


def synthetic_candles(store: Store, plan: ScalePlan) -> list[tuple[str, pd.DataFrame]]:
    """One-minute candles per bundled series, ending at the series' last daily close."""
    if plan.candles <= 0:
        return []
    per_series = -(-plan.candles // len(CANDLE_SYMBOLS))
    series = queries.candle_series(store)
    out = []
    for k, symbol in enumerate(CANDLE_SYMBOLS):
        n = min(per_series, plan.candles - k * per_series)
        if n <= 0:
            break
        row = series[(series["exchange"] == CANDLE_EXCHANGE) & (series["symbol"] == symbol)].iloc[0]
        last_close = store.query_rows(
            "SELECT close FROM ohlcv_candles WHERE exchange = ? AND symbol = ? AND timeframe = '1d' "
            "ORDER BY ts DESC LIMIT 1",
            [CANDLE_EXCHANGE, symbol],
        )[0][0]
        rng = np.random.default_rng([plan.seed, k])
        returns = rng.normal(0.0, 0.9 / np.sqrt(365 * 1440), n)  # ~90 % annualised volatility
        close = last_close * np.exp(np.cumsum(returns) - returns.sum())
        open_ = np.concatenate([[close[0]], close[:-1]])
        wick = np.abs(rng.normal(0.0, 0.0008, (2, n)))
        ts = pd.date_range(end=pd.Timestamp(row["last_ts"]) + pd.Timedelta(hours=23, minutes=59), periods=n, freq="min")
        dataset_id = f"synthetic:ohlcv:{CANDLE_EXCHANGE}:{symbol}:1m"
        frame = pd.DataFrame(
            {
                "exchange": CANDLE_EXCHANGE, "symbol": symbol, "timeframe": "1m", "ts": ts,
                "open": open_, "high": np.maximum(open_, close) * (1 + wick[0]),
                "low": np.minimum(open_, close) * (1 - wick[1]), "close": close,
                "volume": rng.lognormal(8.0, 1.0, n), "token": row["token"], "quote": row["quote"],
                "instrument": row["instrument"], "dataset_id": dataset_id,
            }
        )  # fmt: skip
        out.append((dataset_id, frame))
    return out


def _dataset(dataset_id: str, kind: str, title: str, plan: ScalePlan, rows: int, first, last) -> dict:
    return {
        "dataset_id": dataset_id,
        "kind": kind,
        "title": f"SYNTHETIC: {title} (scale benchmark, not real data)",
        "publisher": "benchmarks/scale.py (synthetic, generated)",
        "source_path": "benchmarks/scale_data.py",
        "as_of": f"{last:%Y-%m-%d}",
        "notes": f"Synthetic data for the performance benchmark ({plan.fingerprint()}); never bundled; "
        "not prices anyone published. Do not use for analysis.",
        "row_count": rows,
        "first_ts": first,
        "last_ts": last,
        "loaded_at": datetime.now(),
    }


def plan_file(path: Path) -> Path:
    return path.with_name(path.name + ".scale.json")


def existing_plan(path: Path) -> str | None:
    """The fingerprint of a completed build in `path`, if any (written last, so a killed build has none)."""
    marker = plan_file(path)
    if not path.exists() or not marker.exists():
        return None
    return json.loads(marker.read_text()).get("fingerprint")


def build(path: Path, plan: ScalePlan, progress=print) -> dict:
    """Write the scale database; returns what was written and how long each part took."""
    import time

    if path.exists():
        raise FileExistsError(f"{path} exists; remove it or pass the same --observations/--candles to reuse it")
    store = Store(path, lock_timeout_s=60)
    t0 = time.perf_counter()
    load_snapshot(store)
    timings = {"snapshot_s": time.perf_counter() - t0}
    t0 = time.perf_counter()
    if plan.offers:
        templates = offer_templates(store, plan)
        hours_per_batch = max(1, BATCH_ROWS // plan.offers)
        written = 0
        for start in range(0, plan.refreshes, hours_per_batch):
            hours = np.arange(start, min(start + hours_per_batch, plan.refreshes))
            frame = offer_observations(templates, hours, plan, flags=False)
            frame = frame.iloc[: plan.observations - written]
            with store.writer() as conn:
                written += upsert(conn, "gpu_offer_observations", frame)
            progress(f"offers: {written:,} / {plan.observations:,} observations")
        last = plan.first_observed_at + timedelta(hours=plan.refreshes - 1)
        meta = _dataset(OFFERS_DATASET, "gpu_offers", "GPU offer observations", plan, written,
                        plan.first_observed_at, last)  # fmt: skip
        with store.writer() as conn:
            upsert(conn, "datasets", pd.DataFrame([meta]))
    timings["offers_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    candles_written = 0
    for dataset_id, frame in synthetic_candles(store, plan):
        for start in range(0, len(frame), 2 * BATCH_ROWS):
            with store.writer() as conn:
                candles_written += upsert(conn, "ohlcv_candles", frame.iloc[start : start + 2 * BATCH_ROWS])
        symbol = frame["symbol"].iloc[0]
        meta = _dataset(dataset_id, "ohlcv", f"{symbol} 1m candles", plan, len(frame), frame["ts"].min(),
                        frame["ts"].max())  # fmt: skip
        with store.writer() as conn:
            upsert(conn, "datasets", pd.DataFrame([meta]))
        progress(f"candles: {candles_written:,} / {plan.candles:,}")
    timings["candles_s"] = time.perf_counter() - t0
    plan_file(path).write_text(json.dumps({"fingerprint": plan.fingerprint()}))
    return {"observations": plan.observations, "offers": plan.offers, "refreshes": plan.refreshes,
            "candles": candles_written, "timings": timings, "db_bytes": path.stat().st_size,
            "plan": json.loads(json.dumps(plan.__dict__))}  # fmt: skip
