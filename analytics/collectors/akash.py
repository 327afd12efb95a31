"""Akash Console API `GET /v1/gpu-prices` (no key): per-GPU prices derived from on-chain bids.

`price` is USD per hour for ONE GPU, statistics over the bids of the last 14 days (min/max/avg/median/
weighted average); `null` when there were no bids. We store the median as a `bid_derived` price and keep
every statistic and the availability counts in `attributes`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from analytics.collectors.base import Collector, ParseResult, validate_payload
from analytics.collectors.http import request_json

STATS = ("min", "max", "avg", "weightedAverage", "med")


class _Models(BaseModel):
    models: list[Any]


class AkashCollector(Collector):
    name = "akash"
    description = "Akash Network: bid-derived per-GPU prices (Console API)"

    def fetch(self) -> Any:
        return request_json(
            self.session, "GET", f"{self.base_url}/v1/gpu-prices", timeout_s=self.settings.http_timeout_s
        )

    def parse(self, raw: Any, observed_at: datetime) -> ParseResult:
        payload = validate_payload(_Models, raw, self.name)
        result = ParseResult()
        no_bids = 0
        for model in payload.models:
            with result.record(model):
                price = model.get("price")
                if price is None:
                    no_bids += 1
                    continue
                if not isinstance(price, dict):
                    result.rejected.append((model, "price: expected an object with min/med/max"))
                    continue
                ram = str(model.get("ram") or "")
                ram_match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(Gi|G|GB|GiB)?\s*$", ram)
                availability = model.get("availability") or {}
                providers = model.get("providerAvailability") or {}
                result.add(
                    model,
                    {
                        "provider": "akash",
                        "instance_type": " ".join(
                            str(model.get(k) or "") for k in ("vendor", "model", "ram", "interface")
                        ).strip(),
                        "gpu_name_raw": str(model.get("model") or ""),
                        "hint": model.get("interface"),
                        "gpu_count": 1,
                        "gpu_memory_gb": float(ram_match.group(1)) if ram_match else None,
                        "pricing_kind": "bid_derived",
                        "price_usd_per_hour": price.get("med"),
                        "available": (availability.get("available") or 0) > 0,
                        "attributes": {
                            "price_stats_usd": {k: price.get(k) for k in STATS},
                            "gpus_total": availability.get("total"),
                            "gpus_available": availability.get("available"),
                            "providers_total": providers.get("total"),
                            "providers_available": providers.get("available"),
                            "sample_size": providers.get("total"),
                            "vendor": model.get("vendor"),
                        },
                    },
                )
        if no_bids:
            result.notes.append(f"{no_bids} GPU model(s) without bids (price null), not priced")
        return result
