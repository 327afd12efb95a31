"""Hyperscaler GPU prices from SkyPilot's public catalog CSVs (`<base>/v7/<cloud>/vms.csv`).

Reusing a maintained catalogue instead of scraping each cloud: SkyPilot's CI refreshes these files from
the clouds' own pricing APIs. Columns: InstanceType, AcceleratorName, AcceleratorCount, vCPUs, MemoryGiB,
GpuInfo, Price, SpotPrice, Region, AvailabilityZone; prices are USD/hour per whole instance, spot per zone.
We keep one row per instance type and region (the cheapest zone for spot).
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

import pandas as pd

from analytics.collectors.base import Collector, ParseResult, PayloadError
from analytics.collectors.http import request_text

CLOUDS = ("aws", "gcp", "azure", "oci")
_GPU_MIB = re.compile(r"SizeInMiB['\"]?\s*:\s*(\d+)")
REQUIRED = {"InstanceType", "AcceleratorName", "AcceleratorCount", "Price", "SpotPrice", "Region"}


class SkypilotCollector(Collector):
    name = "skypilot"
    description = "AWS, GCP, Azure, OCI: on-demand and spot GPU instance prices (SkyPilot catalog)"

    def fetch(self) -> dict[str, str]:
        return {
            cloud: request_text(
                self.session, "GET", f"{self.base_url}/v7/{cloud}/vms.csv", timeout_s=self.settings.http_timeout_s
            )
            for cloud in CLOUDS
        }

    def parse(self, raw: Any, observed_at: datetime) -> ParseResult:
        if not isinstance(raw, dict):
            raise PayloadError("skypilot: expected one CSV per cloud")
        result = ParseResult()
        for cloud, text in raw.items():
            try:
                frame = pd.read_csv(io.StringIO(text))
            except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
                raise PayloadError(f"skypilot: {cloud}/vms.csv is not a readable CSV: {exc}") from exc
            missing = REQUIRED - set(frame.columns)
            if missing:
                raise PayloadError(f"skypilot: {cloud}/vms.csv lacks column(s) {sorted(missing)}")
            gpus = _numeric_or_quarantined(frame[frame["AcceleratorName"].notna()].copy(), cloud, result)
            count = gpus["AcceleratorCount"]
            fractional = gpus[(count < 1) | (count % 1 != 0)]
            if len(fractional):
                result.notes.append(f"{cloud}: {len(fractional)} fractional-GPU row(s) skipped")
            gpus = gpus[(count >= 1) & (count % 1 == 0) & (count <= 1024)]
            grouped = gpus.groupby(["InstanceType", "Region"], dropna=False).agg(
                accelerator=("AcceleratorName", "first"),
                count=("AcceleratorCount", "first"),
                vcpus=("vCPUs", "first") if "vCPUs" in gpus else ("AcceleratorCount", "first"),
                memory=("MemoryGiB", "first") if "MemoryGiB" in gpus else ("AcceleratorCount", "first"),
                gpu_info=("GpuInfo", "first") if "GpuInfo" in gpus else ("AcceleratorName", "first"),
                price=("Price", "min"),
                spot=("SpotPrice", "min"),
            )
            for (instance, region), row in grouped.iterrows():
                record = {"cloud": cloud, "instance": instance, "region": region, **row.to_dict()}
                with result.record(record):
                    self._add(result, cloud, instance, region, row, record)
        return result

    @staticmethod
    def _add(result: ParseResult, cloud: str, instance: Any, region: Any, row: pd.Series, record: dict) -> None:
        common = {
            "provider": cloud,
            "instance_type": str(instance),
            "gpu_name_raw": str(row["accelerator"]),
            "hint": str(instance),
            "gpu_count": int(row["count"]),
            "gpu_memory_gb": _gpu_memory_gb(row["gpu_info"]),
            "vcpus": None if pd.isna(row["vcpus"]) else float(row["vcpus"]),
            "memory_gib": None if pd.isna(row["memory"]) else float(row["memory"]),
            "region": None if pd.isna(region) else str(region),
        }
        if not pd.isna(row["price"]):
            result.add(record, {**common, "pricing_kind": "on_demand", "price_usd_per_hour": row["price"]})
        if not pd.isna(row["spot"]):
            result.add(record, {**common, "pricing_kind": "spot", "price_usd_per_hour": row["spot"]})


NUMERIC = ("AcceleratorCount", "Price", "SpotPrice", "vCPUs", "MemoryGiB")


def _numeric_or_quarantined(gpus: pd.DataFrame, cloud: str, result: ParseResult) -> pd.DataFrame:
    """Numeric columns as numbers; a row with text where a number belongs is quarantined, not guessed."""
    for column in [c for c in NUMERIC if c in gpus.columns]:
        numeric = pd.to_numeric(gpus[column], errors="coerce")
        bad = numeric.isna() & gpus[column].notna() if column != "AcceleratorCount" else numeric.isna()
        for _, row in gpus[bad].iterrows():
            result.rejected.append(({"cloud": cloud, **row.to_dict()}, f"{column}: not a number ({row[column]!r})"))
        gpus = gpus[~bad].copy()
        gpus[column] = numeric[~bad]
    return gpus


def _gpu_memory_gb(gpu_info: object) -> float | None:
    """Memory per GPU from SkyPilot's GpuInfo column ("...'MemoryInfo': {'SizeInMiB': 40960}...")."""
    match = _GPU_MIB.search(str(gpu_info)) if isinstance(gpu_info, str) else None
    return int(match.group(1)) / 1024 if match else None
