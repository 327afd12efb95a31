"""Load the bundled offline snapshot (data/snapshot, data/published_prices.csv) into the store.

Pure functions turn each file into the rows the store wants; `load_snapshot` writes them all in one
transaction and records provenance and an `init` run. Loading twice changes nothing: observations of the
snapshot carry the fixed date the snapshot was taken, and every table upserts on its primary key.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from analytics.bundled import load_all as load_bundled_2026
from analytics.collectors.published import PublishedCollector, is_market_overview_claim
from analytics.network.bundled import load_network_files
from analytics.normalize import normalize_gpu, provider_info
from analytics.offers import offer_frame, offer_id
from analytics.paths import bundled_data_dir
from analytics.settings import Settings
from analytics.store import Store
from analytics.store.writes import upsert

# The day the snapshot files were copied from their public repositories into this project. The SkyPilot
# catalog itself carries no date (see data/snapshot/README.md), so this is when we observed it.
SNAPSHOT_CAPTURED_ON = datetime(2026, 11, 24)
SNAPSHOT_SOURCE = "skypilot_snapshot"
PUBLISHED_SOURCE = "published"
_AGGREGATOR_SPLIT = {"primeintellect": "__", "shadeform": "_"}


@dataclass
class LoadReport:
    rows_added: dict[str, int] = field(default_factory=dict)
    rows_seen: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0

    @property
    def total_added(self) -> int:
        return sum(self.rows_added.values())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def attribute_provider(listed_by: str, instance_type: str) -> tuple[str, str | None, list[str]]:
    """(provider, via, flags): aggregator rows belong to the upstream cloud named in the instance type."""
    info = provider_info(listed_by)
    if info.category != "aggregator":
        return info.provider, None, []
    separator = _AGGREGATOR_SPLIT.get(info.provider, "_")
    upstream = instance_type.split(separator, 1)[0] if separator in instance_type else ""
    upstream_info = provider_info(upstream) if upstream else None
    if upstream_info is None:
        return info.provider, info.provider, ["upstream_provider_missing"]
    flags = ["upstream_provider_unknown"] if upstream_info.category == "unknown" else []
    return upstream_info.provider, info.provider, flags


def skypilot_offer_rows(csv_path: Path, observed_at: datetime = SNAPSHOT_CAPTURED_ON) -> pd.DataFrame:
    """One observation per (listing, pricing kind) from the SkyPilot catalog snapshot."""
    raw = pd.read_csv(csv_path, dtype={"source_commit": str})
    records = []
    for row in raw.itertuples(index=False):
        provider, via, provider_flags = attribute_provider(row.provider, row.instance_type)
        info = provider_info(provider)
        reported = None if pd.isna(row.gpu_memory_gib) else float(row.gpu_memory_gib)
        gpu = normalize_gpu(row.gpu_model, reported, row.instance_type)
        prices = {"on_demand": row.on_demand_usd_per_hour, "spot": row.spot_usd_per_hour}
        for kind, price in prices.items():
            if pd.isna(price):
                continue
            flags = [*provider_flags, *gpu.flags]
            if kind == "spot" and not pd.isna(row.on_demand_usd_per_hour) and price > row.on_demand_usd_per_hour:
                flags.append("spot_above_on_demand")
            records.append(
                {
                    "offer_id": offer_id(SNAPSHOT_SOURCE, row.provider, row.instance_type, row.region, kind),
                    "observed_at": observed_at,
                    "source": SNAPSHOT_SOURCE,
                    "dataset_id": f"skypilot_catalog:{row.provider}",
                    "provider": provider,
                    "via": via,
                    "provider_category": info.category,
                    "market_model": info.market_model,
                    "instance_type": row.instance_type,
                    "gpu_name_raw": row.gpu_model,
                    "gpu_model": gpu.key,
                    "gpu_family": gpu.family,
                    "gpu_model_status": gpu.status,
                    "gpu_memory_gb": float(gpu.vram_gb) if gpu.vram_gb else reported,
                    "gpu_count": int(row.gpu_count),
                    "vcpus": float(row.vcpus),
                    "memory_gib": float(row.memory_gib),
                    "region": row.region,
                    "pricing_kind": kind,
                    "price_usd_per_hour": float(price),
                    "price_per_gpu_hour_usd": float(price) / int(row.gpu_count),
                    "price_as_of": None,
                    "price_date": None,  # the catalog's own date is unknown; the copy date is not it
                    "segment": info.segment_of_listing(row.instance_type),
                    "available": None,
                    "flags": flags,
                    "attributes": None,
                }
            )
    return pd.DataFrame.from_records(records)


def skypilot_datasets(csv_path: Path, loaded_at: datetime) -> pd.DataFrame:
    raw = pd.read_csv(csv_path, dtype=str)
    rows = []
    for (provider, repo, path, commit), group in raw.groupby(
        ["provider", "source_repo", "source_path", "source_commit"]
    ):
        rows.append(
            {
                "dataset_id": f"skypilot_catalog:{provider}",
                "kind": "gpu_offers",
                "title": f"SkyPilot catalog: {provider} GPU instances",
                "publisher": f"SkyPilot catalog, commit {commit[:7]}",
                "source_repo": repo,
                "source_path": path,
                "source_commit": commit,
                "source_url": f"https://github.com/{repo}/blob/{commit}/{path}",
                "as_of": None,
                "notes": "Catalog date unknown (lists RTX 5090 and B200, so 2025 or later); copied into the "
                f"bundled snapshot on {SNAPSHOT_CAPTURED_ON:%Y-%m-%d}. Prices USD/hour per whole instance.",
                "file_sha256": hashlib.sha256(group.to_csv(index=False).encode()).hexdigest(),
                "row_count": len(group),
                "first_ts": None,
                "last_ts": None,
                "loaded_at": loaded_at,
            }
        )
    return pd.DataFrame.from_records(rows)


def _split_symbol(symbol: str) -> tuple[str, str]:
    for sep in ("-", "/"):
        if sep in symbol:
            base, quote = symbol.split(sep, 1)
            return base, quote.split(":")[0]
    for quote in ("USDT", "USDC", "USD", "BTC", "ETH"):
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return symbol[: -len(quote)], quote
    raise ValueError(f"cannot split symbol {symbol!r} into base and quote")


def _instrument(exchange: str) -> str:
    if "perp" in exchange:
        return "perpetual"
    if "spot" in exchange:
        return "spot"
    return "aggregate"


def candle_rows(csv_path: Path) -> tuple[pd.DataFrame, dict]:
    """Candles of one snapshot file, de-duplicated on the primary key, plus the file's dataset record."""
    raw = pd.read_csv(csv_path, dtype={"source_commit": str})
    timeframe = csv_path.stem.split("_")[2] if csv_path.stem.count("_") >= 2 else "1d"
    exchange, symbol = raw["exchange"].iloc[0], raw["symbol"].iloc[0]
    token, quote = _split_symbol(symbol)
    dataset_id = f"ohlcv:{exchange}:{symbol}:{timeframe}"
    frame = pd.DataFrame(
        {
            "exchange": raw["exchange"],
            "symbol": raw["symbol"],
            "timeframe": timeframe,
            "ts": pd.to_datetime(raw["timestamp_utc"], utc=True).dt.tz_localize(None).astype("datetime64[us]"),
            "open": raw["open"].astype(float),
            "high": raw["high"].astype(float),
            "low": raw["low"].astype(float),
            "close": raw["close"].astype(float),
            "volume": raw["volume"].astype(float),
            "token": token,
            "quote": quote,
            "instrument": _instrument(exchange),
            "dataset_id": dataset_id,
        }
    )
    duplicates = int(frame.duplicated(subset=["exchange", "symbol", "timeframe", "ts"]).sum())
    frame = frame.drop_duplicates(subset=["exchange", "symbol", "timeframe", "ts"], keep="last")
    first = raw.iloc[0]
    dataset = {
        "dataset_id": dataset_id,
        "kind": "ohlcv",
        "title": f"{token}/{quote} {timeframe} candles ({exchange.replace('_', ' ')})",
        "publisher": exchange.split("_")[0].capitalize(),
        "source_repo": first["source_repo"],
        "source_path": first["source_path"],
        "source_commit": first["source_commit"],
        "source_url": f"https://github.com/{first['source_repo']}/blob/{first['source_commit']}/{first['source_path']}",
        "as_of": frame["ts"].max().strftime("%Y-%m-%d"),
        "notes": (f"{duplicates} duplicate row(s) in the source dropped on load. " if duplicates else "")
        + ("USDT-margined perpetual futures, not spot. " if _instrument(exchange) == "perpetual" else "")
        + ("Volume in USD. " if exchange == "yahoo_finance" else ""),
        "file_sha256": _sha256(csv_path),
        "row_count": len(frame),
        "first_ts": frame["ts"].min(),
        "last_ts": frame["ts"].max(),
    }
    return frame, dataset


def published_rows(csv_path: Path, observed_at: datetime = SNAPSHOT_CAPTURED_ON) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(published_prices rows, offer observations). The market overview's own table is kept as claims to
    check, not as prices; dated rate cards become `published_list` offers."""
    raw = pd.read_csv(csv_path, dtype=str)
    published = []
    for row in raw.itertuples(index=False):
        count = int(row.gpu_count)
        low, high = float(row.usd_per_hour_low), float(row.usd_per_hour_high)
        gpu = normalize_gpu(row.gpu_model)
        claim = is_market_overview_claim(row.source)
        published.append(
            {
                "provider": row.provider,
                "provider_type_as_published": row.provider_type_as_published,
                "gpu_name_raw": row.gpu_model,
                "gpu_model": gpu.key,
                "gpu_family": gpu.family,
                "gpu_count": count,
                "usd_per_hour_low": low,
                "usd_per_hour_high": high,
                "price_unit": row.price_unit,
                "usd_per_gpu_hour_low": low / count,
                "usd_per_gpu_hour_high": high / count,
                "sla_or_reliability": row.sla_or_reliability,
                "source": row.source,
                "as_of": row.as_of,
                "is_market_overview_claim": claim,
                "dataset_id": "published_prices",
            }
        )
    collector = PublishedCollector(Settings(_env_file=None))
    parsed = collector.parse(csv_path.read_text(encoding="utf-8"), observed_at)
    offers, _ = offer_frame(parsed, PUBLISHED_SOURCE, observed_at, dataset_id="published_prices")
    return pd.DataFrame.from_records(published), offers


def load_snapshot(store: Store, data_dir: Path | None = None) -> LoadReport:
    """Create/upgrade the schema and load every bundled dataset in one transaction (idempotent)."""
    started = time.perf_counter()
    data_dir = data_dir or bundled_data_dir()
    snapshot_dir = data_dir / "snapshot"
    now = datetime.now(UTC).replace(tzinfo=None)
    report = LoadReport()

    offers_csv = snapshot_dir / "gpu_offers_skypilot.csv"
    offers = skypilot_offer_rows(offers_csv)
    datasets = skypilot_datasets(offers_csv, now)
    candle_frames, candle_datasets = [], []
    for path in sorted(snapshot_dir.glob("ohlcv_*.csv")):
        frame, dataset = candle_rows(path)
        candle_frames.append(frame)
        candle_datasets.append({**dataset, "loaded_at": now})
    candles = pd.concat(candle_frames, ignore_index=True)
    published, published_offers = published_rows(data_dir / "published_prices.csv")
    published_dataset = {
        "dataset_id": "published_prices",
        "kind": "published_prices",
        "title": "Published GPU list prices (no machine-readable source)",
        "publisher": "CoreWeave rate card (third-party snapshot); the market overview's H100 table",
        "source_repo": None,
        "source_path": "data/published_prices.csv",
        "source_commit": None,
        "source_url": "https://www.coreweave.com/pricing",
        "as_of": ", ".join(sorted(set(published.loc[~published["is_market_overview_claim"], "as_of"]))),
        "notes": "Market overview rows are claims to check and are not counted as offers.",
        "file_sha256": _sha256(data_dir / "published_prices.csv"),
        "row_count": len(published),
        "first_ts": None,
        "last_ts": None,
        "loaded_at": now,
    }
    all_datasets = pd.concat(
        [datasets, pd.DataFrame.from_records([*candle_datasets, published_dataset])], ignore_index=True
    )
    bundled, index_points, index_record = load_bundled_2026(now, data_dir)
    all_datasets = pd.concat(
        [all_datasets, pd.DataFrame.from_records([*(b.record for b in bundled), index_record])], ignore_index=True
    )
    all_offers = pd.concat([offers, published_offers, *(b.offers for b in bundled)], ignore_index=True)

    store.migrate()
    run_id = f"init-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    with store.writer() as conn:
        report.rows_added["gpu_offer_observations"] = upsert(conn, "gpu_offer_observations", all_offers)
        report.rows_added["ohlcv_candles"] = upsert(conn, "ohlcv_candles", candles)
        report.rows_added["published_prices"] = upsert(conn, "published_prices", published)
        report.rows_added["price_index_points"] = upsert(conn, "price_index_points", index_points)
        for batch in bundled:
            _replace_quarantine(conn, run_id, batch.dataset.source, batch.quarantined, now)
        report.rows_added["network_metrics"] = load_network_files(conn, data_dir, now)
        # Dataset records are refreshed only when their content changed, so `loaded_at` keeps its first date.
        changed = _changed_datasets(conn, all_datasets)
        report.rows_added["datasets"] = upsert(conn, "datasets", changed)
        report.duration_s = time.perf_counter() - started
        finished = datetime.now(UTC).replace(tzinfo=None)
        upsert(
            conn,
            "refresh_runs",
            pd.DataFrame(
                [
                    {
                        "run_id": run_id,
                        "trigger": "init",
                        "started_at": now,
                        "finished_at": finished,
                        "status": "ok",
                    }
                ]
            ),
        )
        upsert(
            conn,
            "source_status",
            pd.DataFrame(
                [
                    {
                        "run_id": run_id,
                        "source": "bundled_snapshot",
                        "status": "ok",
                        "rows_added": report.total_added - report.rows_added["datasets"],
                        "rows_quarantined": 0,
                        "started_at": now,
                        "finished_at": finished,
                        "duration_ms": report.duration_s * 1000,
                        "message": "bundled offline snapshot",
                    }
                ]
            ),
        )
    report.rows_seen = {
        "gpu_offer_observations": len(all_offers),
        "ohlcv_candles": len(candles),
        "published_prices": len(published),
        "datasets": len(all_datasets),
        "price_index_points": len(index_points),
    }
    report.duration_s = time.perf_counter() - started
    return report


def _replace_quarantine(conn, run_id: str, source: str, records: list, now: datetime) -> None:
    """A bundled dataset's rejected records, replaced on every load so `depin init` stays idempotent."""
    import json

    conn.execute("DELETE FROM quarantined_records WHERE source = ?", [source])
    if not records:
        return
    frame = pd.DataFrame(
        {
            "run_id": run_id,
            "source": source,
            "recorded_at": now,
            "reason": [reason for _, reason in records],
            "raw_record": [json.dumps(raw, default=str) for raw, _ in records],
        }
    )
    conn.register("_quarantine_batch", frame)
    try:
        conn.execute(
            "INSERT INTO quarantined_records SELECT run_id, source, recorded_at, reason, raw_record "
            "FROM _quarantine_batch"
        )
    finally:
        conn.unregister("_quarantine_batch")


def _changed_datasets(conn, datasets: pd.DataFrame) -> pd.DataFrame:
    stored = dict(conn.execute("SELECT dataset_id, file_sha256 FROM datasets").fetchall())
    mask = [stored.get(d) != sha for d, sha in zip(datasets["dataset_id"], datasets["file_sha256"], strict=True)]
    return datasets[mask]
