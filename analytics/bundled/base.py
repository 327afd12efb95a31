"""What every bundled dataset declares (provenance, trust) and produces (a batch for the store)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.collectors.base import ParseResult
from analytics.offers import offer_frame
from analytics.paths import bundled_data_dir

PRICES_2026 = "prices2026"


@dataclass(frozen=True)
class BundledDataset:
    dataset_id: str
    title: str
    publisher: str
    source_repo: str
    source_paths: tuple[str, ...]  # in the source repository
    source_commit: str
    files: tuple[str, ...]  # under data/prices2026/
    licence: str
    notes: str
    # Trust when two datasets price the same listing differently: first-party price lists beat third-party
    # catalogues and scrapers; between equals the newer observation wins.
    first_party: bool
    parse: Callable[[list[Path]], ParseResult]
    id_parts: tuple[str, ...] = ("provider", "via", "instance_type", "region", "pricing_kind")

    @property
    def source(self) -> str:
        return self.dataset_id.split(":", 1)[0]

    def paths(self, data_dir: Path | None = None) -> list[Path]:
        root = (data_dir or bundled_data_dir()) / PRICES_2026
        return [root / f for f in self.files]


@dataclass
class BundledBatch:
    dataset: BundledDataset
    offers: pd.DataFrame
    quarantined: list[tuple[Any, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    record: dict = field(default_factory=dict)


def build_batch(dataset: BundledDataset, loaded_at: datetime, data_dir: Path | None = None) -> BundledBatch:
    paths = dataset.paths(data_dir)
    result = dataset.parse(paths)
    offers, quarantined = offer_frame(
        result, dataset.source, loaded_at, dataset_id=dataset.dataset_id, id_parts=dataset.id_parts
    )
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    dates = pd.to_datetime(offers["price_date"]) if not offers.empty else pd.Series(dtype="datetime64[ns]")
    first, last = (dates.min(), dates.max()) if len(dates) else (None, None)
    as_of = None if first is None else f"{first:%Y-%m-%d}" + ("" if first == last else f" to {last:%Y-%m-%d}")
    record = {
        "dataset_id": dataset.dataset_id,
        "kind": "gpu_offers",
        "title": dataset.title,
        "publisher": dataset.publisher,
        "source_repo": dataset.source_repo,
        "source_path": ", ".join(dataset.source_paths),
        "source_commit": dataset.source_commit,
        "source_url": f"https://github.com/{dataset.source_repo}/tree/{dataset.source_commit}",
        "as_of": as_of,
        "notes": " ".join([f"Licence: {dataset.licence}.", dataset.notes, *result.notes]).strip(),
        "file_sha256": digest.hexdigest(),
        "row_count": len(offers),
        "first_ts": None if first is None else first.to_pydatetime(),
        "last_ts": None if last is None else last.to_pydatetime(),
        "loaded_at": loaded_at,
    }
    return BundledBatch(dataset, offers, quarantined, list(result.notes), record)


def number(value: Any) -> float | None:
    """A finite float from a CSV/JSON cell, else None (empty cells, text)."""
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if result == result and result not in (float("inf"), float("-inf")) else None
