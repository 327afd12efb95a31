"""The bundled 2026 price datasets (data/prices2026/, copied from public repositories with provenance).

Each dataset module turns its files into collector rows (OfferRow, validated by pydantic) and goes through
the same normalisation, quality gates and quarantine as the live collectors (analytics/offers.py). Every row
keeps the date its source observed it; a copy or load date is never an observation date.
"""

from analytics.bundled.base import BundledBatch, BundledDataset
from analytics.bundled.registry import DATASETS, load_all, trust_rank

__all__ = ["DATASETS", "BundledBatch", "BundledDataset", "load_all", "trust_rank"]
