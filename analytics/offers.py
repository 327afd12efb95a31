"""From validated collector rows to stored observations: normalisation, stable ids and the quality gates."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import pandas as pd

from analytics.collectors.base import ParseResult
from analytics.normalize import normalize_gpu, provider_info

# Per-GPU-hour prices outside this band are not prices (placeholders, unit errors); they go to quarantine.
MIN_PLAUSIBLE_USD_PER_GPU_HOUR = 0.01
MAX_PLAUSIBLE_USD_PER_GPU_HOUR = 100.0
# A move larger than this against the previous observation of the same offer is flagged for review.
MAX_PLAUSIBLE_MOVE = 0.40


def offer_id(*parts: object) -> str:
    """Stable id of an offer: the same provider listing gets the same id in every refresh."""
    text = "|".join("" if p is None else str(p) for p in parts)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:20]


def offer_frame(
    result: ParseResult,
    source: str,
    observed_at: datetime,
    *,
    dataset_id: str | None = None,
    id_parts: tuple[str, ...] = ("provider", "via", "instance_type", "region", "pricing_kind"),
) -> tuple[pd.DataFrame, list[tuple]]:
    """Normalise validated rows into observations; returns (frame, quarantined (raw, reason) pairs).

    A row's own `observed_at` (dated history) wins over the batch's; its `price_date` is the day the source
    says the price was seen, else the day of its observation (a live fetch observes the price now)."""
    records, quarantined = [], list(result.rejected)
    for row in result.rows:
        per_gpu = row.price_usd_per_hour / row.gpu_count
        if not MIN_PLAUSIBLE_USD_PER_GPU_HOUR <= per_gpu <= MAX_PLAUSIBLE_USD_PER_GPU_HOUR:
            quarantined.append(
                (row.model_dump(), f"implausible price: ${per_gpu:.4f} per GPU-hour for {row.gpu_name_raw}")
            )
            continue
        gpu = normalize_gpu(row.gpu_name_raw, row.gpu_memory_gb, row.hint or row.instance_type)
        info = provider_info(row.provider)
        seen_at = row.observed_at or observed_at
        records.append(
            {
                "offer_id": offer_id(source, *(getattr(row, part) for part in id_parts)),
                "observed_at": seen_at,
                "source": source,
                "dataset_id": dataset_id or f"live:{source}",
                "provider": info.provider,
                "via": row.via,
                "provider_category": info.category,
                "market_model": info.market_model,
                "instance_type": row.instance_type,
                "gpu_name_raw": row.gpu_name_raw,
                "gpu_model": gpu.key,
                "gpu_family": gpu.family,
                "gpu_model_status": gpu.status,
                "gpu_memory_gb": float(gpu.vram_gb) if gpu.vram_gb else row.gpu_memory_gb,
                "gpu_count": row.gpu_count,
                "vcpus": row.vcpus,
                "memory_gib": row.memory_gib,
                "region": row.region,
                "pricing_kind": row.pricing_kind,
                "price_usd_per_hour": row.price_usd_per_hour,
                "price_per_gpu_hour_usd": per_gpu,
                "price_as_of": row.price_as_of,
                "price_date": row.price_date or _day(row.price_as_of) or seen_at.date(),
                "segment": info.segment_of_listing(row.instance_type, row.listing),
                "available": row.available,
                "flags": [
                    *row.flags,
                    *gpu.flags,
                    *(["text_sanitised"] if row.attributes.get("text_sanitised") else []),
                ],
                "attributes": json.dumps(row.attributes, default=str) if row.attributes else None,
            }
        )
    frame = pd.DataFrame.from_records(records)
    if not frame.empty:
        _flag_spot_above_on_demand(frame)
    return frame, quarantined


def _day(text: str | None):
    if not text:
        return None
    parsed = pd.to_datetime(text, errors="coerce")
    return None if pd.isna(parsed) else parsed.date()


def _flag_spot_above_on_demand(frame: pd.DataFrame) -> None:
    listing = ["provider", "instance_type", "region"]
    on_demand = frame[frame["pricing_kind"] == "on_demand"].set_index(listing)["price_per_gpu_hour_usd"]
    on_demand = on_demand[~on_demand.index.duplicated()]
    for i, row in frame[frame["pricing_kind"] == "spot"].iterrows():
        key = (row["provider"], row["instance_type"], row["region"])
        if key in on_demand.index and row["price_per_gpu_hour_usd"] > on_demand[key]:
            frame.at[i, "flags"] = [*row["flags"], "spot_above_on_demand"]


def offers_age_days(offers: pd.DataFrame, now: datetime | None = None) -> pd.Series:
    """Age of each price in days, from the day the price was observed (`price_date`); NaN when unknown.
    A copy, load or refresh time is never a price's date."""
    from datetime import UTC

    now_ts = pd.Timestamp(now or datetime.now(UTC).replace(tzinfo=None)).normalize()
    moment = pd.to_datetime(offers["price_date"], errors="coerce")
    return (now_ts - moment).dt.total_seconds() / 86400.0
