"""The offers the cost-per-work ranking leaves out are listed with a reason, never only counted."""

import pytest

from analytics.bench.unranked import unranked_offers
from analytics.bench.value import cost_per_work


@pytest.mark.parametrize("include_spec", [False, True])
def test_every_left_out_offer_is_listed_with_a_reason(snapshot_store, include_spec):
    ranking, left_out = cost_per_work(snapshot_store, include_spec_peaks=include_spec)
    unranked = unranked_offers(snapshot_store, include_spec_peaks=include_spec)
    assert unranked["offers"].sum() >= left_out  # also counts names that map to no model at all
    assert unranked["reason"].str.len().gt(10).all()
    assert not set(unranked["gpu"]) & set(ranking["gpu_model"])
    h100 = unranked.set_index("gpu").loc["H100-80GB", "reason"]
    assert "form factor not stated" in h100 and "H100-SXM-80GB" in h100
    spec_only = unranked["reason"].str.startswith("only a spec-sheet peak")
    assert spec_only.any() != include_spec  # ticking the box ranks spec-sheet-only GPUs


def test_bandwidth_cost_reads_per_petabyte(snapshot_store):
    ranking, _ = cost_per_work(snapshot_store)
    moved = ranking.dropna(subset=["usd_per_tb_moved"])
    assert list(moved["usd_per_pb_moved"]) == pytest.approx(list(1000 * moved["usd_per_tb_moved"]))
    assert moved["usd_per_pb_moved"].between(0.01, 100).all()  # dollars and cents, not $0.000167
