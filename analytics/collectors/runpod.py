"""RunPod GraphQL `POST /graphql`: secure and community cloud prices per GPU type.

Prices are USD/hour PER GPU (`securePrice`, `communityPrice`; spot: `secureSpotPrice`,
`communitySpotPrice`, else `lowestPrice.minimumBidPrice`). `lowestPrice.stockStatus` is null when out of
stock. We store one-GPU offers: price_usd_per_hour is then the per-GPU price.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from analytics.collectors.base import Collector, ParseResult, validate_payload
from analytics.collectors.http import request_json

QUERY = """
query GpuTypes($lowestPriceInput: GpuLowestPriceInput) {
  gpuTypes {
    lowestPrice(input: $lowestPriceInput) {
      minimumBidPrice uninterruptablePrice minVcpu minMemory stockStatus countryCode
    }
    id displayName memoryInGb securePrice communityPrice secureSpotPrice communitySpotPrice maxGpuCount
  }
}
"""


class _GpuTypes(BaseModel):
    gpuTypes: list[Any]


class _Payload(BaseModel):
    data: _GpuTypes


class RunpodCollector(Collector):
    name = "runpod"
    description = "RunPod: secure and community cloud on-demand and spot prices per GPU"

    def fetch(self) -> Any:
        # The key goes in a header (as the runpod SDK sends it), never in the URL where logs and proxies see it.
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {"query": QUERY, "variables": {"lowestPriceInput": {"gpuCount": 1}}}
        raw = request_json(
            self.session,
            "POST",
            f"{self.base_url}/graphql",
            json=body,
            headers=headers,
            timeout_s=self.settings.http_timeout_s,
        )
        if isinstance(raw, dict) and raw.get("errors") and not raw.get("data"):
            from analytics.collectors.base import PayloadError

            raise PayloadError(f"runpod: GraphQL errors: {raw['errors'][0].get('message', raw['errors'][0])}")
        return raw

    def parse(self, raw: Any, observed_at: datetime) -> ParseResult:
        payload = validate_payload(_Payload, raw, self.name)
        result = ParseResult()
        for gpu in payload.data.gpuTypes:
            with result.record(gpu):
                lowest = gpu.get("lowestPrice") or {}
                in_stock = lowest.get("stockStatus") is not None
                name = str(gpu.get("displayName") or gpu.get("id") or "")
                common = {
                    "provider": "runpod",
                    "gpu_name_raw": name,
                    "hint": str(gpu.get("id") or ""),
                    "gpu_count": 1,
                    "gpu_memory_gb": gpu.get("memoryInGb"),
                    "vcpus": lowest.get("minVcpu"),
                    "memory_gib": lowest.get("minMemory"),
                    "region": lowest.get("countryCode"),
                    "available": in_stock,
                    "attributes": {"gpu_type_id": gpu.get("id"), "stock_status": lowest.get("stockStatus")},
                }
                prices = {
                    ("SECURE", "on_demand"): gpu.get("securePrice"),
                    ("COMMUNITY", "on_demand"): gpu.get("communityPrice"),
                    ("SECURE", "spot"): gpu.get("secureSpotPrice"),
                    ("COMMUNITY", "spot"): gpu.get("communitySpotPrice"),
                }
                if prices[("SECURE", "spot")] is None and prices[("COMMUNITY", "spot")] is None:
                    prices[("ANY", "spot")] = lowest.get("minimumBidPrice")
                for (cloud, kind), price in prices.items():
                    if price is None:
                        continue
                    result.add(
                        gpu,
                        {
                            **common,
                            "instance_type": f"1x {name} {cloud}",
                            "pricing_kind": kind,
                            "price_usd_per_hour": price,
                        },
                    )
        return result
