"""Lambda `GET /api/v1/instance-types` (Bearer API key; without one the source is skipped, not failed).

`price_cents_per_hour` is integer cents for the WHOLE instance; GPU count, model and memory come from the
description ("8x A100 (80 GB SXM4)"). `regions_with_capacity_available` empty means sold out.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from analytics.collectors.base import Collector, ParseResult, validate_payload
from analytics.collectors.http import request_json

_DESCRIPTION = re.compile(r"^(\d+)x (?:Tesla )?(.+?) \((\d+) GB(?: ([A-Za-z0-9]+))?")


class _Payload(BaseModel):
    data: dict[str, Any]


class LambdaCollector(Collector):
    name = "lambda"
    description = "Lambda: on-demand instance prices and capacity (API key required)"
    needs_api_key = True

    def fetch(self) -> Any:
        return request_json(
            self.session,
            "GET",
            f"{self.base_url}/api/v1/instance-types",
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout_s=self.settings.http_timeout_s,
        )

    def parse(self, raw: Any, observed_at: datetime) -> ParseResult:
        payload = validate_payload(_Payload, raw, self.name)
        result = ParseResult()
        cpu_only = 0
        for name, entry in payload.data.items():
            with result.record(entry):
                itype = entry.get("instance_type") or {}
                match = _DESCRIPTION.match(str(itype.get("description") or ""))
                if match is None:
                    if (itype.get("specs") or {}).get("gpus") == 0:
                        cpu_only += 1
                        continue
                    result.rejected.append((entry, "instance_type.description: not '<n>x <GPU> (<mem> GB ...)'"))
                    continue
                count, gpu, memory, form = match.groups()
                cents = itype.get("price_cents_per_hour")
                specs = itype.get("specs") or {}
                regions = [r.get("name") for r in entry.get("regions_with_capacity_available") or []] or [None]
                for region in regions:
                    result.add(
                        entry,
                        {
                            "provider": "lambda",
                            "instance_type": name,
                            "gpu_name_raw": gpu,
                            "hint": f"{form or ''} {name}",
                            "gpu_count": int(count),
                            "gpu_memory_gb": float(memory),
                            "vcpus": specs.get("vcpus"),
                            "memory_gib": specs.get("memory_gib"),
                            "region": region,
                            "pricing_kind": "on_demand",
                            "price_usd_per_hour": cents / 100 if isinstance(cents, int | float) else cents,
                            "available": region is not None,
                        },
                    )
        if cpu_only:
            result.notes.append(f"{cpu_only} CPU-only instance type(s) skipped")
        return result
