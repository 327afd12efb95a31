"""Two-stage medians by hand: one provider's many rows cannot decide the market median."""

import pandas as pd
import pytest

from analytics.comparison.medians import two_stage, two_stage_table
from analytics.comparison.segments import DEFAULT_LENS, OVERVIEW_LENS, Lens


def _offers(rows):
    return pd.DataFrame(rows, columns=["provider", "segment", "price_per_gpu_hour_usd"])


def test_two_stage_median_by_hand():
    # provider a: 1, 1, 1, 1, 9 -> median 1; b: 4, 6 -> 5; c: 3 -> 3. Across providers: median(1, 5, 3) = 3.
    offers = _offers([("a", "x", p) for p in (1, 1, 1, 1, 9)] + [("b", "x", 4), ("b", "x", 6), ("c", "x", 3)])
    result = two_stage(offers)
    assert result.median_usd == 3
    assert result.pooled_median_usd == 2  # the pooled median lets provider a decide: median of 8 rows = (1+3)/2
    assert (result.providers, result.offers, result.cheapest_usd, result.cheapest_provider) == (3, 8, 1, "a")
    assert result.withheld_reason is None


def test_two_stage_with_an_even_number_of_providers_takes_the_midpoint():
    offers = _offers([("a", "x", 1), ("b", "x", 2), ("c", "x", 4), ("d", "x", 10)])
    assert two_stage(offers).median_usd == 3


def test_fewer_than_three_providers_are_withheld_with_the_reason():
    result = two_stage(_offers([("a", "x", 1), ("a", "x", 2), ("b", "x", 5)]))
    assert result.median_usd is None
    assert result.withheld_reason == "only 2 providers (a median needs 3)"
    assert result.cheapest_usd == 1


def test_table_agrees_with_the_scalar_function():
    offers = _offers(
        [("a", "x", p) for p in (1, 1, 9)] + [("b", "x", 4), ("c", "x", 3)] + [("d", "y", 2), ("e", "y", 8)]
    )
    table = two_stage_table(offers, ["segment"]).set_index("segment")
    assert table.loc["x", "median_usd"] == two_stage(offers[offers.segment == "x"]).median_usd == 3
    assert pd.isna(table.loc["y", "median_usd"])
    assert table.loc["y", "withheld_reason"].startswith("only 2 providers")
    assert table.loc["x", "offers"] == 5 and table.loc["x", "providers"] == 3


def test_the_lens_puts_data_centre_marketplaces_where_the_user_says():
    assert DEFAULT_LENS.side("datacenter_marketplace") == "centralized"
    assert OVERVIEW_LENS.side("datacenter_marketplace") == "decentralized"
    assert DEFAULT_LENS.side("depin_network") == "decentralized"
    assert DEFAULT_LENS.side("hyperscaler") == "centralized"
    assert "Data-centre marketplace" in OVERVIEW_LENS.describe().split("decentralized =")[1]
    with pytest.raises(ValueError):
        Lens("sideways")
