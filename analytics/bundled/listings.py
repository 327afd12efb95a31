"""Single-date listings: tardellirs/gpu-pricing (2026-05-24: Akash, Salad, Spheron, Vast ...) and
hemgo-lexsi/gpu-price-dashboard (2026-08-22, live and list prices, India and US).

tardellirs: hand-curated from pricing pages in one pass; prices per GPU-hour; `marketplace` rows (Akash,
Spheron, Vast ...) are the market's floor: a minimum live offer or the low end of a range (flagged
`min_live_offer`, priced as bid-derived); `tier` community/secure selects
RunPod's segment. hemgo-lexsi: `usd_per_hr` per GPU; `source_kind=list` rows are published list prices;
AWS rows are Mumbai (ap-south-1) prices and GCP/Azure rows the cheapest region: both kept with their region.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from analytics.bundled.base import number
from analytics.collectors.base import ParseResult, PayloadError


def parse_tardellirs(paths: list[Path]) -> ParseResult:
    offers = json.loads(paths[0].read_text(encoding="utf-8"))
    if not isinstance(offers, list):
        raise PayloadError("tardellirs offerings.json: expected a list of offerings")
    result = ParseResult()
    for item in offers:
        if not isinstance(item, dict):
            result.rejected.append((item, "offering is not an object"))
            continue
        tier = str(item.get("tier") or "")
        # Marketplace rows (Akash, Spheron, Vast ...) give the floor of the market: "min live offer", "cheapest
        # live offer" or the low end of "$0.17-$0.48 across providers". A floor is not a typical price: such rows
        # are bid-derived and flagged `min_live_offer`, and comparisons leave them out unless asked.
        floor = tier == "marketplace"
        kind = "bid_derived" if floor else "spot" if (item.get("is_spot") and tier == "spot") else "on_demand"
        if item.get("is_spot") and kind == "on_demand" and tier != "community":
            kind = "spot"
        collected = _day(item.get("collected_at"))
        result.add(
            item,
            {
                "provider": str(item.get("provider_id") or ""),
                "instance_type": str(item.get("id") or ""),
                "gpu_name_raw": str(item.get("gpu_model") or ""),
                "hint": item.get("interconnect"),
                "listing": tier.upper(),
                "gpu_count": 1,
                "gpu_memory_gb": number(item.get("vram_gb")),
                "vcpus": number(item.get("vcpu")),
                "memory_gib": number(item.get("ram_gb")),
                "pricing_kind": kind,
                "price_usd_per_hour": number(item.get("price_usd_hour")),
                "observed_at": datetime.combine(collected, datetime.min.time()) if collected else None,
                "price_date": collected,
                "flags": ["min_live_offer"] if floor else [],
                "attributes": {"tier": tier, "source_url": item.get("source_url"), "caveats": item.get("caveats")},
            },
        )
    return result


def parse_hemgo(paths: list[Path]) -> ParseResult:
    payload = json.loads(paths[0].read_text(encoding="utf-8"))
    if not isinstance(payload, dict) or not isinstance(payload.get("prices"), list):
        raise PayloadError("gpu-price-dashboard prices.json: expected an object with a `prices` list")
    result = ParseResult()
    for item in payload["prices"]:
        if not isinstance(item, dict):
            result.rejected.append((item, "price row is not an object"))
            continue
        if (item.get("currency") or "USD") not in ("USD", "INR"):
            result.rejected.append((item, f"unexpected currency {item.get('currency')!r}"))
            continue
        billing = str(item.get("billing") or "")
        count = int(number(item.get("num_gpus")) or 0)
        per_gpu = number(item.get("usd_per_hr"))
        moment = _moment(item.get("fetched_at")) or _moment(payload.get("generated_at"))
        kind = "spot" if billing == "spot" else "published_list" if item.get("source_kind") == "list" else "on_demand"
        result.add(
            item,
            {
                "provider": str(item.get("provider") or ""),
                "instance_type": f"{count}x {item.get('gpu_label') or item.get('gpu')} {billing}".strip(),
                "gpu_name_raw": str(item.get("gpu_label") or item.get("gpu") or ""),
                "listing": billing.upper(),
                "gpu_count": count,
                "gpu_memory_gb": number(item.get("vram_gb")),
                "region": item.get("region"),
                "pricing_kind": kind,
                "price_usd_per_hour": per_gpu * count if per_gpu is not None else None,
                "observed_at": moment,
                "price_date": moment.date() if moment else None,
                "attributes": {
                    "reliability": number(item.get("reliability")),
                    "provider_type_as_published": item.get("provider_type"),
                    "source_kind": item.get("source_kind"),
                    "country": item.get("country"),
                },
            },
        )
    return result


def _day(text) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def _moment(text) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).replace(tzinfo=None) if text else None
    except ValueError:
        return None
