"""Vast.ai bundles search `POST /api/v0/bundles/`: individual host offers (marketplace).

Units: `gpu_ram` and `cpu_ram` are MB; `dph_total` is USD/hour for the WHOLE offer (all `num_gpus`, storage
included); `min_bid` is the interruptible (spot) price, also per whole offer. `reliability2` (0-1) and
`dlperf` are kept per offer for reliability-adjusted costs and benchmarks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from analytics.collectors.base import Collector, ParseResult, validate_payload
from analytics.collectors.http import request_json

QUERY = {
    "rentable": {"eq": True},
    "rented": {"eq": False},
    "num_gpus": {"gte": 1},
    "order": [["score", "desc"]],
    "type": "on-demand",
    "limit": 3000,
}


class _Offers(BaseModel):
    offers: list[Any]


class VastaiCollector(Collector):
    name = "vastai"
    description = "Vast.ai: host offers, on-demand and interruptible (min bid), with reliability"

    def fetch(self) -> Any:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        return request_json(
            self.session,
            "POST",
            f"{self.base_url}/api/v0/bundles/",
            json=QUERY,
            headers=headers,
            timeout_s=self.settings.http_timeout_s,
        )

    def parse(self, raw: Any, observed_at: datetime) -> ParseResult:
        payload = validate_payload(_Offers, raw, self.name)
        result = ParseResult()
        for offer in payload.offers:
            with result.record(offer):
                gpu_ram_mb = offer.get("gpu_ram")
                cpu_ram_mb = offer.get("cpu_ram")
                common = {
                    "provider": "vastai",
                    "instance_type": f"vast-{offer.get('id')}",
                    "gpu_name_raw": str(offer.get("gpu_name") or ""),
                    "gpu_count": offer.get("num_gpus"),
                    "gpu_memory_gb": gpu_ram_mb / 1024 if isinstance(gpu_ram_mb, int | float) and gpu_ram_mb else None,
                    "vcpus": offer.get("cpu_cores_effective"),
                    "memory_gib": cpu_ram_mb / 1024 if isinstance(cpu_ram_mb, int | float) else None,
                    "region": offer.get("geolocation"),
                    "available": offer.get("rentable"),
                    "attributes": {
                        "reliability": offer.get("reliability2", offer.get("reliability")),
                        "dlperf": offer.get("dlperf"),
                        "verification": offer.get("verification"),
                        "machine_id": offer.get("machine_id"),
                        "host_id": offer.get("host_id"),
                        "datacenter": offer.get("hosting_type"),
                    },
                }
                result.add(offer, {**common, "pricing_kind": "on_demand", "price_usd_per_hour": offer.get("dph_total")})
                if offer.get("min_bid") is not None:
                    result.add(offer, {**common, "pricing_kind": "spot", "price_usd_per_hour": offer.get("min_bid")})
        return result
