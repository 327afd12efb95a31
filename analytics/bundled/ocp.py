"""OpenComputePrices (thatkavish/OpenComputePrices, MIT): one dated scrape of many sources, 2026-03-21..23.

One 31-column schema for every file. Quirks handled here (data/prices2026/README.md):
- skypilot.csv also lists TPUs, Inferentia/Trainium and FPGAs: not GPUs, skipped and counted;
  its AWS rows put a JSON-ish dict in gpu_memory_gb (the per-GPU MiB are read from it).
- akash.csv has up to four rows per GPU model (min, max, avg, weightedAverage of the Console's bid-derived
  prices): they are statistics of ONE offer, not four offers. Stored as one bid-derived offer priced at the
  weighted average (the price a randomly chosen available GPU asks), the other statistics in attributes.
- coreweave.csv records 8-GPU node prices with gpu_count=1 (GB200 NVL72: per 4-GPU node): the node is
  stored with its real GPU count so the per-GPU price is the node price / 8 (or / 4).
- getdeploying.csv: `cheapest_<GPU>` rows name the cheapest provider for a GPU; they are that provider's real
  price, kept and flagged (a selection of the cheapest, not a sample). Reserved (commitment) prices skipped.
- azure.csv lists Windows meters (licence included) and retired Low Priority meters: skipped, Linux compared.
- aethir.csv is a parse error upstream (T4 at $19/h) and is not bundled.
"""

from __future__ import annotations

import ast
import csv
import json
import re
from datetime import datetime
from pathlib import Path

from analytics.bundled.base import number
from analytics.collectors.base import ParseResult
from analytics.normalize.gpus import instance_spec

_NOT_GPUS = re.compile(r"tpu|inferentia|trainium|virtex|gaudi|fpga|radeon pro v520|mi25", re.IGNORECASE)
_KINDS = {"on_demand": "on_demand", "spot": "spot"}
_NODE_GPUS = {"coreweave": {"GB200": 4}}  # per-node GPU count when not 8
_AKASH_TIERS = ("weightedAverage", "avg", "min", "max")


def _memory_gb(value: str) -> float | None:
    if not value:
        return None
    plain = number(value)
    if plain is not None:
        return plain
    try:
        info = ast.literal_eval(value)
        gpus = info["Gpus"]
        count = sum(int(g.get("Count", 1)) for g in gpus)
        total = info.get("TotalGpuMemoryInMiB")
        per_gpu = total / count if total else float(gpus[0]["MemoryInfo"]["SizeInMiB"])
        return per_gpu / 1024
    except (ValueError, SyntaxError, KeyError, IndexError, TypeError, AttributeError, ZeroDivisionError):
        return None


def _extra(row: dict) -> dict:
    try:
        return json.loads(row.get("raw_extra") or "{}")
    except json.JSONDecodeError:
        return {}


def _rows(paths: list[Path]):
    for path in paths:
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                yield path.stem, row


def parse_ocp(paths: list[Path]) -> ParseResult:
    result = ParseResult()
    skipped = {"not a GPU": 0, "reserved price": 0, "Windows licence included": 0, "Azure Low Priority meter": 0}
    akash: dict[str, list[dict]] = {}
    for stem, row in _rows(paths):
        if stem == "akash":
            akash.setdefault(re.sub(r"_(min|max|avg|weightedAverage)$", "", row["instance_type"]), []).append(row)
            continue
        name = row.get("gpu_name") or ""
        if _NOT_GPUS.search(name):
            skipped["not a GPU"] += 1
            continue
        kind = _KINDS.get(row.get("pricing_type") or "")
        if kind is None:
            skipped["reserved price"] += 1
            continue
        if (row.get("os") or "").lower() == "windows":
            skipped["Windows licence included"] += 1  # compare Linux prices: the licence is not compute
            continue
        if "low priority" in (row.get("raw_extra") or "").lower():
            skipped["Azure Low Priority meter"] += 1  # Azure's retired predecessor of Spot
            continue
        provider = row["provider"]
        count = int(number(row.get("gpu_count")) or 0)
        price = number(row.get("price_per_hour"))
        flags = []
        if stem == "coreweave":
            count = _NODE_GPUS["coreweave"].get(name, 8)
            flags.append("node_price_divided_by_gpus")
        spec = instance_spec(row.get("instance_type"))
        if spec and spec[1] and spec[1] != count:
            count = spec[1]  # the cloud's documentation of the instance beats the scrape's count
            flags.append("gpu_count_from_instance_docs")
        if stem == "oracle" and count == 0:
            count = 1  # OCI's price list prices one GPU (gpu_count 0 in this file)
            flags.append("per_gpu_price_list")
        if provider == "gcp" and not row.get("instance_type"):
            flags.append("accelerator_only_price")  # the GPU alone, without the VM it must attach to
        cheapest = (row.get("instance_type") or "").startswith("cheapest_")
        if cheapest:
            flags.append("cheapest_provider_listing")
        region = row.get("region") or None  # zones of one region share its price: one offer per region
        observed = _timestamp(row)
        result.add(
            row,
            {
                "provider": provider.removesuffix("_sponsored"),
                "via": "getdeploying" if row.get("source") == "getdeploying" else None,
                "instance_type": row.get("instance_type") or name,
                "gpu_name_raw": name,
                "hint": row.get("instance_type")
                if instance_spec(row.get("instance_type"))
                else " ".join(filter(None, [row.get("gpu_variant"), row.get("instance_type")])),
                "gpu_count": count,
                "gpu_memory_gb": _memory_gb(row.get("gpu_memory_gb") or ""),
                "vcpus": number(row.get("vcpus")),
                "memory_gib": number(row.get("ram_gb")),
                "region": region,
                "pricing_kind": kind,
                "price_usd_per_hour": price,
                "available": _bool(row.get("available")),
                "observed_at": observed,
                "price_date": observed.date() if observed else None,
                "flags": flags,
                "attributes": {"scraped_from": row.get("source"), **_extra(row)} if cheapest else {},
            },
        )
    for instance, tiers in akash.items():
        _add_akash(result, instance, tiers)
    for reason, n in skipped.items():
        if n:
            result.notes.append(f"{n:,} row(s) skipped: {reason}.")
    return result


def _add_akash(result: ParseResult, instance: str, tiers: list[dict]) -> None:
    by_tier = {_extra(r).get("price_tier"): number(r.get("price_per_gpu_hour")) for r in tiers}
    chosen = next((t for t in _AKASH_TIERS if by_tier.get(t) is not None), None)
    first = tiers[0]
    extra = _extra(first)
    observed = _timestamp(first)
    result.add(
        tiers,
        {
            "provider": "akash",
            "instance_type": instance,
            "gpu_name_raw": first.get("gpu_name") or "",
            "hint": first.get("gpu_variant"),
            "gpu_count": 1,
            "gpu_memory_gb": number(first.get("gpu_memory_gb")),
            "pricing_kind": "bid_derived",
            "price_usd_per_hour": by_tier.get(chosen) if chosen else None,
            "available": _bool(first.get("available")),
            "observed_at": observed,
            "price_date": observed.date() if observed else None,
            "flags": [] if chosen == "weightedAverage" else [f"akash_price_is_{chosen}"],
            "attributes": {
                "price_stats_usd": by_tier,
                "price_statistic": chosen,
                "gpus_total": extra.get("total_gpus"),
                "gpus_available": number(first.get("available_count")),
                "providers_total": extra.get("total_providers"),
                "providers_available": extra.get("available_providers"),
            },
        },
    )


def _timestamp(row: dict) -> datetime | None:
    text = row.get("snapshot_ts") or row.get("snapshot_date")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None) if text else None
    except ValueError:
        return None


def _bool(value: str | None) -> bool | None:
    return {"true": True, "false": False}.get((value or "").strip().lower())
