"""ewyluda/gpu-price-index (MIT): an independent index's published daily medians per GPU and segment,
2026-09-29..10-05. Series, not offers: stored in price_index_points and drawn beside our own history,
labelled as theirs. Their method: on-demand list prices per GPU-hour, median per provider, then the median of
provider medians per segment (hyperscaler = AWS, Azure, Google Cloud, Oracle; neocloud = CoreWeave, Nebius,
Crusoe, Lambda, Hyperstack, RunPod Secure; marketplace = RunPod Community, Vast.ai). Coverage changed during
the week (providers added 2026-10-04 and 10-05): level jumps on those days are coverage, not price moves.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from analytics.bundled.base import PRICES_2026, number
from analytics.normalize import normalize_gpu
from analytics.paths import bundled_data_dir

INDEX_NAME = "ewyluda_gpu_price_index"
DATASET_ID = "gpu_price_index:ewyluda"
FILE = "gpu-price-index/index-history.csv"
# The index's model names, spelled for our normaliser (its "H100" is the SXM part, per its methodology).
_NAMES = {"H100": "H100 SXM", "A100-80GB": "A100 SXM 80GB", "A100-80GB-PCIe": "A100 PCIe 80GB"}


def index_points(data_dir: Path | None = None) -> tuple[pd.DataFrame, dict, list[tuple]]:
    path = (data_dir or bundled_data_dir()) / PRICES_2026 / FILE
    rows, rejected = [], []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            price = number(row.get("usd_per_gpu_hour"))
            try:
                day = date.fromisoformat(row.get("date") or "")
            except ValueError:
                day = None
            gpu = normalize_gpu(_NAMES.get(row.get("gpu_model") or "", row.get("gpu_model") or ""))
            if price is None or price <= 0 or day is None or gpu.key is None:
                rejected.append((row, "unreadable date, price or GPU name"))
                continue
            rows.append(
                {
                    "index_name": INDEX_NAME,
                    "date": day,
                    "gpu_model": gpu.key,
                    "gpu_name_raw": row["gpu_model"],
                    "series": row["series"],
                    "usd_per_gpu_hour": price,
                    "dataset_id": DATASET_ID,
                }
            )
    frame = pd.DataFrame(rows)
    record = {
        "dataset_id": DATASET_ID,
        "kind": "price_index",
        "title": "GPU price index: published daily segment medians (theirs, not ours)",
        "publisher": "ewyluda/gpu-price-index (methodology 1.3)",
        "source_repo": "ewyluda/gpu-price-index",
        "source_path": "site/data/index-history.csv",
        "source_commit": "0b49da203f7cc6de2f09017cce4b4f458ecc3994",
        "source_url": "https://github.com/ewyluda/gpu-price-index",
        "as_of": f"{frame['date'].min():%Y-%m-%d} to {frame['date'].max():%Y-%m-%d}" if len(frame) else None,
        "notes": "Licence: MIT (prices remain the publishers' information). Re-typed from the stored file "
        "(11,622 characters, 354 lines, verified). Derived medians, not offers; coverage grew on 2026-10-04 and "
        "2026-10-05 (CoreWeave, Nebius, Crusoe, Hyperstack; then Google Cloud, Oracle).",
        "file_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "row_count": len(frame),
        "first_ts": datetime.combine(frame["date"].min(), datetime.min.time()) if len(frame) else None,
        "last_ts": datetime.combine(frame["date"].max(), datetime.min.time()) if len(frame) else None,
    }
    return frame, record, rejected
