"""The quality gates computed column-wise: the same flags as a row-by-row reading of the rule would give."""

from datetime import datetime

import numpy as np
import pandas as pd

from analytics.offers import _flag_spot_above_on_demand, add_flag
from analytics.refresh_writes import _flag_large_moves
from analytics.store.writes import upsert


def _offers(rows):
    frame = pd.DataFrame(
        rows, columns=["provider", "instance_type", "region", "pricing_kind", "price_per_gpu_hour_usd"]
    )
    frame["flags"] = [["partial_model"] if i == 0 else [] for i in range(len(frame))]
    return frame


def test_spot_above_on_demand_matches_the_same_listing_only():
    frame = _offers(
        [
            ("aws", "p5", "us-east-1", "spot", 5.0),  # above its on-demand 4.0
            ("aws", "p5", "us-east-1", "on_demand", 4.0),
            ("aws", "p5", "eu-west-1", "spot", 5.0),  # no on-demand in this region
            ("gcp", "a3", None, "on_demand", 3.0),
            ("gcp", "a3", None, "spot", 2.0),  # below
            ("gcp", "a3", None, "spot", 3.5),  # above, listing with no region
            ("aws", "p5", "us-east-1", "on_demand", 9.0),  # a second on-demand row: the first one counts
        ]
    )
    _flag_spot_above_on_demand(frame)
    flagged = ["spot_above_on_demand" in f for f in frame["flags"]]
    assert flagged == [True, False, False, False, False, True, False]
    assert frame["flags"][0] == ["partial_model", "spot_above_on_demand"]  # earlier flags are kept


def test_add_flag_touches_only_the_chosen_rows():
    frame = pd.DataFrame({"flags": [[], ["a"], []]})
    add_flag(frame, np.array([False, True, False]), "b")
    add_flag(frame, np.array([False, False, False]), "c")
    assert frame["flags"].tolist() == [[], ["a", "b"], []]


def test_large_moves_compare_with_the_latest_stored_price(empty_store):
    empty_store.migrate()
    base = {"source": "t", "provider": "p", "provider_category": "neocloud", "market_model": "centralized",
            "gpu_name_raw": "H100", "gpu_model_status": "exact", "gpu_count": 1,
            "pricing_kind": "on_demand"}  # fmt: skip
    stored = pd.DataFrame(
        [
            {**base, "offer_id": "a", "observed_at": datetime(2026, 1, 1), "price_per_gpu_hour_usd": 1.0},
            {**base, "offer_id": "a", "observed_at": datetime(2026, 1, 2), "price_per_gpu_hour_usd": 2.0},
            {**base, "offer_id": "b", "observed_at": datetime(2026, 1, 2), "price_per_gpu_hour_usd": 2.0},
        ]
    )
    stored["price_usd_per_hour"] = stored["price_per_gpu_hour_usd"]
    with empty_store.writer() as conn:
        upsert(conn, "gpu_offer_observations", stored)
    batch = pd.DataFrame(
        {
            "offer_id": ["a", "b", "c"],  # a: 2.0 -> 2.5 (+25 %), b: 2.0 -> 0.9 (-55 %), c: new offer
            "price_per_gpu_hour_usd": [2.5, 0.9, 50.0],
            "flags": [[], ["x"], []],
        }
    )
    _flag_large_moves(empty_store, batch)
    assert batch["flags"].tolist() == [[], ["x", "moved_over_40pct"], []]


def test_a_flag_after_many_unflagged_rows_is_stored(empty_store):
    """DuckDB guesses a list column's type from its first rows; all empty there must not fail the batch."""
    empty_store.migrate()
    n = 3_000
    frame = pd.DataFrame(
        {
            "offer_id": [f"o{i}" for i in range(n)], "observed_at": datetime(2026, 1, 1), "source": "t",
            "provider": "p", "provider_category": "neocloud", "market_model": "centralized", "gpu_name_raw": "H100",
            "gpu_model_status": "exact", "gpu_count": 1, "pricing_kind": "on_demand", "price_usd_per_hour": 2.0,
            "price_per_gpu_hour_usd": 2.0, "flags": [[] for _ in range(n)],
        }
    )  # fmt: skip
    add_flag(frame, np.arange(n) == n - 1, "moved_over_40pct")
    with empty_store.writer() as conn:
        assert upsert(conn, "gpu_offer_observations", frame) == n
    flagged = empty_store.query_rows("SELECT offer_id FROM gpu_offer_observations WHERE len(flags) > 0")
    assert flagged == [(f"o{n - 1}",)]
