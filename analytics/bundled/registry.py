"""Every bundled 2026 dataset, with its provenance and trust, and the loader that writes them all."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from analytics.bundled import daily, listings, ocp, price_index
from analytics.bundled.base import BundledBatch, BundledDataset, build_batch

_OCP_FILES = (
    "skypilot", "azure", "akash", "getdeploying", "oracle", "tensordock", "coreweave", "vultr", "massedcompute",
    "linode", "jarvislabs", "cudo", "crusoe", "lightningai", "e2e", "denvr", "gmicloud", "latitude",
    "thundercompute", "paperspace", "voltagepark",
)  # fmt: skip

DATASETS: tuple[BundledDataset, ...] = (
    BundledDataset(
        dataset_id="opencomputeprices:2026-03",
        title="OpenComputePrices scrape: SkyPilot catalog (AWS, GCP, OCI, RunPod, ...), Azure Retail API, "
        "Akash Console, getdeploying (incl. Salad), CoreWeave and others",
        publisher="thatkavish/OpenComputePrices",
        source_repo="thatkavish/OpenComputePrices",
        source_paths=tuple(f"data/{f}.csv" for f in _OCP_FILES),
        source_commit="9cf337b452b9b3758ff267eeb90fef431ae18e80",
        files=tuple(f"opencomputeprices/{f}.csv" for f in _OCP_FILES),
        licence="MIT",
        notes="skypilot.csv and azure.csv at commit 079e5f2047c91d32f6b88634c51232b7c9319c22. Snapshot dates "
        "2026-03-21 to 2026-03-23. aethir.csv left out (an upstream parse error: T4 at $19/h).",
        first_party=False,
        parse=ocp.parse_ocp,
    ),
    BundledDataset(
        dataset_id="gpu_pricing_tracker:daily",
        title="Daily GPU prices of 43 providers (getdeploying back-fill, then direct collectors)",
        publisher="cherielilili/gpu-pricing-tracker",
        source_repo="cherielilili/gpu-pricing-tracker",
        source_paths=("data/observations.csv",),
        source_commit="04891eb3c80202d7cf135a17b266482e301195d7",
        files=("gpu-pricing-tracker/observations.csv",),
        licence="none (all rights reserved; cited, not ours)",
        notes="Whole-instance prices in getdeploying rows up to 2026-02-18 divided by the GPU count.",
        first_party=False,
        parse=daily.parse_tracker,
        id_parts=("provider", "via", "instance_type", "region", "pricing_kind"),
    ),
    BundledDataset(
        dataset_id="aws_price_list:p5",
        title="AWS Price List API: p5.48xlarge (8 x H100 SXM) on-demand, us-east-1, Linux, daily",
        publisher="amorton45/aws-gpu-price-tracker (AWS's own price list)",
        source_repo="amorton45/aws-gpu-price-tracker",
        source_paths=("gpu_prices.csv",),
        source_commit="b81b52d09be8a9c9dcc8fad26adeee559004c23e",
        files=("aws-gpu-price-tracker/gpu_prices.csv",),
        licence="none (all rights reserved; cited, not ours)",
        notes="First-party prices (AWS Price List API), whole instance USD/hour; shows the June-2025 cut "
        "from $98.32 to $55.04.",
        first_party=True,
        parse=daily.parse_aws_p5,
    ),
    BundledDataset(
        dataset_id="tardellirs:2026-05-24",
        title="Curated single-GPU offerings of 21 providers incl. Akash, Salad, Spheron",
        publisher="tardellirs/gpu-pricing",
        source_repo="tardellirs/gpu-pricing",
        source_paths=("offerings.json", "providers.json"),
        source_commit="8f09a68030967f5c269c304493abf0911dd19858",
        files=("tardellirs-gpu-pricing/offerings.json",),
        licence="MIT",
        notes="Hand-curated from pricing pages in one pass; Akash and Spheron prices are the minimum live offer.",
        first_party=False,
        parse=listings.parse_tardellirs,
    ),
    BundledDataset(
        dataset_id="gpu_price_dashboard:2026-08-22",
        title="Live and list GPU prices of 17 providers (India and US focus)",
        publisher="hemgo-lexsi/gpu-price-dashboard",
        source_repo="hemgo-lexsi/gpu-price-dashboard",
        source_paths=("prices.json",),
        source_commit="9dabad1954f65bf361bc11461343f72b4d2e1f74",
        files=("gpu-price-dashboard/prices.json",),
        licence="none (all rights reserved; cited, not ours)",
        notes="AWS rows are Mumbai (ap-south-1) prices; GCP/Azure rows the cheapest region per GPU.",
        first_party=False,
        parse=listings.parse_hemgo,
    ),
)

_BY_SOURCE = {d.source: d for d in DATASETS}


def trust_rank(source: str) -> int:
    """Higher is more trusted: live collectors and first-party price lists (2) over third-party data (1)."""
    dataset = _BY_SOURCE.get(source)
    if dataset is None:
        return 0 if source == "skypilot_snapshot" else 2  # live collectors read the provider's own API
    return 2 if dataset.first_party else 1


def load_all(loaded_at: datetime, data_dir: Path | None = None) -> tuple[list[BundledBatch], pd.DataFrame, dict]:
    """Every bundled dataset as store-ready batches, plus the price index points and their dataset record."""
    batches = [build_batch(d, loaded_at, data_dir) for d in DATASETS]
    points, record, rejected = price_index.index_points(data_dir)
    record = {**record, "loaded_at": loaded_at}
    if rejected:
        record["notes"] += f" {len(rejected)} unreadable row(s) skipped."
    return batches, points, record


_LABELS = {
    "opencomputeprices": "OpenComputePrices 2026-03",
    "gpu_pricing_tracker": "GPU pricing tracker (daily)",
    "aws_price_list": "AWS price list (daily)",
    "tardellirs": "tardellirs curated 2026-05",
    "gpu_price_dashboard": "GPU price dashboard 2026-08",
    "skypilot_snapshot": "SkyPilot catalog 2025 (undated)",
    "published": "Published rate card",
}


def source_label(source: str) -> str:
    """A reader's name for a dataset or collector ('AWS price list (daily)', 'akash (live)')."""
    return _LABELS.get(source, f"{source} (live)")
