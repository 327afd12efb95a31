"""Daily price histories: cherielilili/gpu-pricing-tracker (43 providers, 2026-02-11..07-20) and
amorton45/aws-gpu-price-tracker (AWS Price List API, p5.48xlarge us-east-1, 2025-04..2026-08).

gpu-pricing-tracker quirks (data/prices2026/README.md):
- Two regimes. Until 2026-05-08 the rows are back-filled from the getdeploying.com aggregator (region
  `global`); from 2026-05-08 direct collectors (Vast.ai API per country, RunPod GraphQL, Lambda, ...).
- In getdeploying rows dated up to 2026-02-18 the price is for the WHOLE instance (AWS H100 8 x = 55.04);
  from 2026-02-19 it is per GPU and gpu_count is unreliable (mostly 1). So the per-GPU price is the price / count
  before 2026-02-19 and the price itself after, where the row is stored as one GPU flagged `gpu_count_unreliable`
  (its size class is unknown, not "single GPU").
- Each row is a median over `n_offers` (min/median/max kept in attributes); n_offers of getdeploying rows is
  an echoed count, not market depth.
The AWS series has empty prices for failed back-fill attempts: they are rejected with the reason.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

from analytics.bundled.base import number
from analytics.collectors.base import ParseResult

WHOLE_INSTANCE_UNTIL = date(2026, 2, 18)
_GETDEPLOYING = "getdeploying.com"


def parse_tracker(paths: list[Path]) -> ParseResult:
    result = ParseResult()
    with open(paths[0], newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            day = _date(row.get("date"))
            count = int(number(row.get("gpu_count")) or 0)
            median = number(row.get("price_median_usd"))
            aggregated = _GETDEPLOYING in (row.get("source_url") or "")
            whole_instance = aggregated and day is not None and day <= WHOLE_INSTANCE_UNTIL
            flags = []
            if aggregated:
                flags.append("gpu_count_unreliable" if not whole_instance else "whole_instance_price")
            per_gpu = median / count if (whole_instance and median is not None and count) else median
            gpu = row.get("gpu_model") or ""
            result.add(
                row,
                {
                    "provider": row.get("provider") or "",
                    "via": "getdeploying" if aggregated else None,
                    "instance_type": f"{count}x {gpu}",
                    "gpu_name_raw": gpu,
                    "gpu_count": count if (whole_instance or not aggregated) else 1,
                    "region": row.get("region") or None,
                    # RunPod's direct rows use the region column for the cloud: secure / community / any
                    "listing": (row.get("region") or "").upper(),
                    "pricing_kind": "spot" if row.get("rental_type") == "spot" else "on_demand",
                    "price_usd_per_hour": (per_gpu * (count if (whole_instance or not aggregated) else 1))
                    if per_gpu is not None
                    else None,
                    "observed_at": _fetched(row.get("fetched_at"))
                    or (datetime.combine(day, datetime.min.time()) if day else None),
                    "price_date": day,
                    "flags": flags,
                    "attributes": {
                        "min_usd": number(row.get("price_min_usd")),
                        "max_usd": number(row.get("price_max_usd")),
                        "n_offers": number(row.get("n_offers")),
                        "reported_gpu_count": count,
                        "source_url": row.get("source_url"),
                    },
                },
            )
    return result


def parse_aws_p5(paths: list[Path]) -> ParseResult:
    result = ParseResult()
    with open(paths[0], newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            moment = _fetched(row.get("timestamp"))
            price = number(row.get("price_usd"))
            if price is None:
                result.rejected.append((row, "empty price: a failed back-fill attempt in the source"))
                continue
            result.add(
                row,
                {
                    "provider": "aws",
                    "instance_type": row.get("instance") or "",
                    "gpu_name_raw": "H100",
                    "hint": "SXM5",  # p5.48xlarge: 8 x H100 SXM5 80 GB
                    "gpu_count": 8,
                    "gpu_memory_gb": 80,
                    "region": "us-east-1",
                    "pricing_kind": "on_demand",
                    "price_usd_per_hour": price,
                    "observed_at": moment,
                    "price_date": moment.date() if moment else None,
                    "attributes": {"os": "Linux", "source": "AWS Price List API"},
                },
            )
    return result


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _fetched(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None
