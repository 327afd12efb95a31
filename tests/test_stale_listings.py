"""A third-party catalogue that a first-party price list contradicts in one region is an outdated copy of the
listing: its other regions (dated no later) are left out too, and the robustness table shows the difference."""

from datetime import date

import pandas as pd

from analytics.comparison.compare import Definition, segment_table, select
from analytics.comparison.conflicts import FIRST_PARTY_WINS, distrust
from analytics.comparison.report import compare
from analytics.queries import latest_offers, source_conflicts


def _offer(offer_id, source, region, price, day, kind="on_demand", instance="p5.48xlarge"):
    return {
        "offer_id": offer_id,
        "source": source,
        "provider": "aws",
        "instance_type": instance,
        "pricing_kind": kind,
        "region": region,
        "price_date": day,
        "price_per_gpu_hour_usd": price,
    }


def _conflict(loser="catalog-east", reason=FIRST_PARTY_WINS, trusted="aws_price_list"):
    return pd.DataFrame(
        [
            {
                "provider": "aws",
                "instance_type": "p5.48xlarge",
                "region": "us-east-1",
                "pricing_kind": "on_demand",
                "offer_id_a": "list-east",
                "source_a": "aws_price_list",
                "offer_id_b": "catalog-east",
                "source_b": "opencomputeprices",
                "newest_a": date(2026, 8, 22),
                "newest_b": date(2026, 3, 21),
                "trusted_source": trusted,
                "distrusted_offer_id": loser,
                "reason": reason,
            }
        ]
    )


OFFERS = pd.DataFrame(
    [
        _offer("list-east", "aws_price_list", "us-east-1", 6.88, date(2026, 8, 22)),
        _offer("list-west", "aws_price_list", "us-west-2", 6.88, date(2026, 8, 22)),
        _offer("catalog-east", "opencomputeprices", "us-east-1", 12.29, date(2026, 3, 21)),
        _offer("catalog-frankfurt", "opencomputeprices", "eu-central-1", 14.44, date(2026, 3, 21)),
        _offer("catalog-tokyo-old", "opencomputeprices", "ap-northeast-1", 15.10, date(2026, 2, 1)),
        _offer("catalog-seoul-newer", "opencomputeprices", "ap-northeast-2", 7.10, date(2026, 4, 2)),
        _offer("catalog-west", "opencomputeprices", "us-west-2", 12.29, date(2026, 3, 21)),
        _offer("catalog-spot", "opencomputeprices", "eu-central-1", 3.10, date(2026, 3, 21), kind="spot"),
        _offer("catalog-other-instance", "opencomputeprices", "eu-central-1", 9.0, date(2026, 3, 21), instance="p4d"),
    ]
)


def test_other_regions_of_the_contradicted_listing_are_left_out_and_nothing_else():
    result = distrust(_conflict(), OFFERS)
    assert result.contradicted == {"catalog-east"}
    # same source, provider, instance and pricing kind, dated no later than the contradicted price
    assert result.same_listing == {"catalog-frankfurt", "catalog-tokyo-old"}
    # a newer catalogue price, a region the first party prices itself, spot, another instance: kept
    listing = result.listings.iloc[0]
    assert (listing["source"], listing["contradicted_region"], listing["offers_left_out"]) == (
        "opencomputeprices",
        "us-east-1",
        2,
    )
    assert result.offers(extend=False) == {"catalog-east"}


def test_a_conflict_between_equals_never_spreads_to_other_regions():
    result = distrust(_conflict(reason="newer observation wins"), OFFERS)
    assert result.contradicted == {"catalog-east"} and not result.same_listing


def test_the_bundled_aws_p5_catalogue_rows_are_left_out_in_every_region(snapshot_store):
    offers = latest_offers(snapshot_store)
    result = distrust(source_conflicts(snapshot_store), offers)
    left_out = offers[offers["offer_id"].isin(result.same_listing)]
    assert len(left_out) >= 5
    assert set(left_out["source"]) == {"opencomputeprices"}
    assert set(left_out["instance_type"]) == {"p5.48xlarge"}
    assert "us-east-1" not in set(left_out["region"])
    # every one of them is priced at the pre-cut level AWS's own list no longer shows
    assert left_out["price_per_gpu_hour_usd"].min() > 10


def test_the_hyperscaler_median_moves_only_through_the_stale_rows_and_robustness_says_so(snapshot_store):
    report = compare(snapshot_store, Definition(gpu="H100-SXM-80GB"))
    kept = select(
        latest_offers(snapshot_store), Definition(gpu="H100-SXM-80GB", extend_conflicts=False), report.distrust
    )
    hyperscaler = segment_table(report.selected).set_index("segment").loc["hyperscaler"]
    with_stale = segment_table(kept).set_index("segment").loc["hyperscaler"]
    assert hyperscaler["median_usd"] < with_stale["median_usd"]
    assert with_stale["offers"] - hyperscaler["offers"] == len(report.distrust.same_listing & set(kept["offer_id"]))
    labels = list(report.robustness["definition"])
    assert any("only where contradicted" in label for label in labels)
    assert report.as_dict()["same_outdated_listing"][0]["offers_left_out"] >= 5
