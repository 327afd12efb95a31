"""Published list prices with no API (CoreWeave's rate card, ...): data/published_prices.csv.

Each row carries its source and as-of date. Rows taken from the market overview's own table are claims to
check, not prices, and are not turned into offers. A published range (low-high) becomes two offers, one per
end, so that neither end is invented as "the" price.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from analytics.collectors.base import Collector, ParseResult, PayloadError
from analytics.paths import bundled_data_dir

COLUMNS = {
    "provider",
    "provider_type_as_published",
    "gpu_model",
    "gpu_count",
    "usd_per_hour_low",
    "usd_per_hour_high",
    "price_unit",
    "sla_or_reliability",
    "source",
    "as_of",
}


def is_market_overview_claim(source: str) -> bool:
    return source.strip().lower().startswith("market overview")


class PublishedCollector(Collector):
    name = "published"
    description = "Published list prices with no API (data/published_prices.csv)"
    settings_source = "skypilot"  # no URL of its own: reads the versioned file in data/

    @property
    def base_url(self) -> str:
        return str(bundled_data_dir() / "published_prices.csv")

    def fetch(self) -> str:
        return (bundled_data_dir() / "published_prices.csv").read_text(encoding="utf-8")

    def parse(self, raw: Any, observed_at: datetime) -> ParseResult:
        reader = csv.DictReader(io.StringIO(raw))
        missing = COLUMNS - set(reader.fieldnames or [])
        if missing:
            raise PayloadError(f"published: published_prices.csv lacks column(s) {sorted(missing)}")
        result = ParseResult()
        claims = 0
        for row in reader:
            with result.record(row):
                if is_market_overview_claim(row["source"]):
                    claims += 1
                    continue
                try:
                    low, high, count = (
                        float(row["usd_per_hour_low"]),
                        float(row["usd_per_hour_high"]),
                        int(row["gpu_count"]),
                    )
                except ValueError as exc:
                    result.rejected.append((row, f"not a number: {exc}"))
                    continue
                ends = (("list", low),) if low == high else (("low end", low), ("high end", high))
                for end, price in ends:
                    result.add(
                        row,
                        {
                            "provider": row["provider"],
                            "instance_type": f"{count}x {row['gpu_model']} ({row['price_unit']}; {end})",
                            "gpu_name_raw": row["gpu_model"],
                            "gpu_count": count,
                            "pricing_kind": "published_list",
                            "price_usd_per_hour": price,
                            "price_as_of": row["as_of"],
                            "attributes": {
                                "source": row["source"],
                                "terms": row["sla_or_reliability"],
                                "range_end": end,
                            },
                        },
                    )
        if claims:
            result.notes.append(f"{claims} market-overview claim(s) kept as claims, not offers")
        return result
