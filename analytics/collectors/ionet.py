"""io.net public hardware catalogue `GET /v1/io-cloud/vmaas/hardware` (no key).

`price` is USD per hour for the WHOLE config (`num_cards` GPUs). CPU-only rows (`num_cards` 0) are not GPU
offers and are skipped (counted in the status); a price of 0 is a placeholder and goes to quarantine.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from analytics.collectors.base import Collector, ParseResult, validate_payload
from analytics.collectors.http import request_json


class _Hardware(BaseModel):
    hardware: list[Any]


class _Payload(BaseModel):
    data: _Hardware


class IonetCollector(Collector):
    name = "ionet"
    description = "io.net: per-config GPU prices and sold-out flags (hardware catalogue)"

    def fetch(self) -> Any:
        headers = {"x-api-key": self.api_key} if self.api_key else {}
        return request_json(
            self.session,
            "GET",
            f"{self.base_url}/v1/io-cloud/vmaas/hardware",
            timeout_s=self.settings.http_timeout_s,
            headers=headers,
        )

    def parse(self, raw: Any, observed_at: datetime) -> ParseResult:
        payload = validate_payload(_Payload, raw, self.name)
        result = ParseResult()
        cpu_only = 0
        for item in payload.data.hardware:
            with result.record(item):
                if item.get("num_cards") == 0:
                    cpu_only += 1
                    continue
                result.add(
                    item,
                    {
                        "provider": "ionet",
                        "instance_type": str(item.get("id") or item.get("deploy_id") or ""),
                        "gpu_name_raw": str(item.get("name") or ""),
                        "hint": item.get("interconnect"),
                        "gpu_count": item.get("num_cards"),
                        "gpu_memory_gb": item.get("vram_per_card"),
                        "vcpus": item.get("vcpu"),
                        "memory_gib": item.get("memory"),
                        "region": item.get("location"),
                        "pricing_kind": "on_demand",
                        "price_usd_per_hour": item.get("price"),
                        "available": None if item.get("sold_out") is None else not item["sold_out"],
                        "attributes": {
                            "supplier": item.get("supplier"),
                            "nvlink": item.get("nvlink"),
                            "storage_gb": item.get("storage"),
                        },
                    },
                )
        if cpu_only:
            result.notes.append(f"{cpu_only} CPU-only config(s) skipped")
        return result
