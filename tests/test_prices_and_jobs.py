"""Price statistics, the job-cost and reliability model, against hand-computed values."""

import json
import math

import pandas as pd
import pytest

from analytics.metrics.jobs import (
    JobInputError,
    JobSpec,
    assumptions_frame,
    completion_probability,
    expected_wall_hours,
    hundred_hour_example,
    interruption_rate,
    job_costs,
)


def offer(provider, model, category, price, gpus=1, kind="on_demand", family="H100", attributes=None):
    return {
        "provider": provider,
        "via": None,
        "provider_category": category,
        "market_model": "centralized" if category in ("hyperscaler", "neocloud") else "decentralized",
        "gpu_model": model,
        "gpu_family": family,
        "gpu_count": gpus,
        "pricing_kind": kind,
        "price_usd_per_hour": price * gpus,
        "price_per_gpu_hour_usd": price,
        "region": "us",
        "instance_type": f"{gpus}x",
        "source": "test",
        "observed_at": pd.Timestamp("2026-11-24"),
        "attributes": json.dumps(attributes) if attributes else None,
    }


@pytest.fixture
def offers():
    return pd.DataFrame(
        [
            offer("aws", "H100-SXM-80GB", "hyperscaler", 4.0),
            offer("lambda", "H100-SXM-80GB", "neocloud", 3.0),
            offer("coreweave", "H100-SXM-80GB", "neocloud", 6.0, gpus=8),
            offer("vastai", "H100-SXM-80GB", "marketplace", 2.0, attributes={"reliability": 0.99}),
            offer("runpod", "H100-SXM-80GB", "marketplace", 2.5),
            offer("akash", "H100-SXM-80GB", "depin_network", 1.5, kind="bid_derived"),
            offer("akash", "A100-80GB", "depin_network", 1.0, family="A100", kind="bid_derived"),
        ]
    )


def test_expected_wall_hours_by_hand():
    # (T/C) * (1/lam + R) * (e^(lam*C) - 1) = 100 * 100.5 * (e^0.01 - 1)
    assert expected_wall_hours(100, 0.01, 1.0, 0.5) == pytest.approx(100 * 100.5 * (math.exp(0.01) - 1))
    assert expected_wall_hours(100, 0.01, 1.0, 0.5) == pytest.approx(101.00418, abs=1e-4)
    assert expected_wall_hours(100, 0.0, 1.0, 0.5) == 100
    assert expected_wall_hours(10, 0.5, 100.0, 0.0) == pytest.approx((1 / 0.5) * (math.exp(5) - 1))  # no checkpoint
    assert completion_probability(100, 0.01) == pytest.approx(math.exp(-1))


def test_interruption_rate_prefers_the_offers_own_reliability(offers):
    assumptions = assumptions_frame()
    vast = offers.iloc[3]
    rate, source = interruption_rate(vast, assumptions)
    assert rate == pytest.approx(-math.log(0.99) / 24) and source == "offer reliability 0.9900"
    aws_rate, aws_source = interruption_rate(offers.iloc[0], assumptions)
    assert (aws_rate, aws_source) == (0.0005, "assumption hyperscaler/on_demand")
    spot = offers.iloc[1].copy()
    spot["pricing_kind"] = "spot"
    assert interruption_rate(spot, assumptions) == (0.05, "assumption */spot")


def test_job_costs_rent_whole_instances(offers):
    costs = job_costs(offers[offers["gpu_family"] == "H100"], JobSpec(gpus=2, hours=10, checkpoint_h=1, restart_h=0))
    coreweave = costs[costs["provider"] == "coreweave"].iloc[0]
    assert (coreweave["instances"], coreweave["idle_gpus"]) == (1, 6)
    assert coreweave["list_cost_usd"] == pytest.approx(48.0 * 10)
    aws = costs[costs["provider"] == "aws"].iloc[0]
    assert aws["instances"] == 2 and aws["list_cost_usd"] == pytest.approx(80.0)
    lam = 2 * 0.0005  # two instances double the rate
    assert aws["expected_cost_usd"] == pytest.approx(8.0 * expected_wall_hours(10, lam, 1, 0))
    assert list(costs["expected_cost_usd"]) == sorted(costs["expected_cost_usd"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"gpus": 0, "hours": 10}, "GPU count"),
        ({"gpus": -2, "hours": 10}, "GPU count"),
        ({"gpus": 1, "hours": -5}, "hours must be more than 0"),
        ({"gpus": 1, "hours": 5, "checkpoint_h": 0}, "checkpoint interval"),
        ({"gpus": 1, "hours": 5, "restart_h": -1}, "restart overhead"),
    ],
)
def test_bad_job_inputs_are_refused(kwargs, message):
    with pytest.raises(JobInputError, match=message):
        JobSpec(**kwargs)


def test_hundred_hour_example(offers):
    example = hundred_hour_example(offers).set_index("market_model")
    central = example.loc["centralized"]
    # one-GPU offers only, as the job calculator prices a one-GPU job: aws 4.0 and lambda 3.0, not the 8-GPU node
    assert central["offers"] == 2
    assert central["median_list_cost_usd"] == pytest.approx(350.0)
    assert bool(central["claim_holds_at_median"]) is True  # 350 >= 300
    decentral = example.loc["decentralized"]
    assert decentral["median_list_cost_usd"] == pytest.approx(200.0)
    assert bool(decentral["claim_holds_at_median"]) is False  # 200 is not under 100
    assert decentral["median_expected_cost_usd"] > decentral["median_list_cost_usd"]


def test_overview_price_table_is_checked_against_the_data(snapshot_store):
    from analytics import queries
    from analytics.metrics.prices import check_published_claims

    offers = queries.latest_offers(snapshot_store, pricing_kinds=queries.FIRM_PRICING_KINDS)
    checked = check_published_claims(offers, queries.published_prices(snapshot_store)).set_index("provider")
    assert set(checked.index) == {"CoreWeave", "Lambda Labs", "RunPod", "Dataoorts", "AWS EC2"}
    runpod = offers[(offers["provider"] == "runpod") & (offers["gpu_family"] == "H100")]["price_per_gpu_hour_usd"]
    assert checked.loc["RunPod", "observed_median_usd"] == pytest.approx(runpod.median())
    assert checked.loc["RunPod", "verdict"] == ("data above" if runpod.median() > 1.29 else "within")
    coreweave = offers[(offers["provider"] == "coreweave") & (offers["gpu_family"] == "H100")]
    expected = coreweave["price_per_gpu_hour_usd"].median()
    assert checked.loc["CoreWeave", "observed_median_usd"] == pytest.approx(expected)
    assert (coreweave["source"] == "published").any()  # its own rate card counts beside the 2026 data
    dataoorts = offers[(offers["provider"] == "dataoorts") & (offers["gpu_family"] == "H100")]
    assert checked.loc["Dataoorts", "offers"] == len(dataoorts)
