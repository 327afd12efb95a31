"""The column-wise job pricing gives exactly what the per-offer definitions give, offer by offer."""

import json

import numpy as np
import pandas as pd
import pytest

from analytics.metrics.jobs import (
    JobSpec,
    assumptions_frame,
    completion_probability,
    expected_wall_hours,
    expected_wall_hours_array,
    interruption_rate,
    interruption_rates,
    job_costs,
)
from analytics.queries import latest_offers


@pytest.fixture
def mixed_offers(snapshot_store):
    offers = latest_offers(snapshot_store)
    extra = offers.head(6).copy()
    extra["attributes"] = [
        json.dumps({"reliability": 0.99}), json.dumps({"reliability": 1.0}), json.dumps({"reliability": 0}),
        json.dumps({"reliability": "high"}), "not json", json.dumps({"dlperf": 3}),
    ]  # fmt: skip
    extra["pricing_kind"] = ["on_demand", "on_demand", "on_demand", "spot", "on_demand", "spot"]
    odd = extra.head(2).assign(provider_category="no_such_category", pricing_kind="no_such_kind", attributes=None)
    return pd.concat([offers, extra, odd], ignore_index=True)


def test_rates_match_the_per_offer_rule(mixed_offers):
    edited = assumptions_frame()
    edited.loc[0, "interruptions_per_hour"] = 0.3  # an edited assumption is honoured too
    rates, sources = interruption_rates(mixed_offers, edited)
    for i, (_, offer) in enumerate(mixed_offers.iterrows()):
        rate, source = interruption_rate(offer, edited)
        assert rates[i] == pytest.approx(rate, rel=1e-12) and sources[i] == source, (i, source, sources[i])
    assert any(s.startswith("offer reliability") for s in sources)


def test_wall_hours_match_the_scalar_formula():
    lams = np.array([0.0, 1e-6, 0.01, 0.5, 60.0])
    for hours, ckpt, restart in ((100, 1.0, 0.5), (10, 100.0, 0.0), (3, 0.5, 2.0)):
        got = expected_wall_hours_array(hours, lams, ckpt, restart)
        want = [expected_wall_hours(hours, lam, ckpt, restart) for lam in lams]
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_job_costs_match_an_offer_by_offer_computation(mixed_offers):
    job = JobSpec(gpus=3, hours=72, checkpoint_h=2, restart_h=0.5)
    costs = job_costs(mixed_offers, job)
    assert len(costs) == len(mixed_offers)
    expected = []
    for _, offer in mixed_offers.iterrows():
        instances = -(-3 // int(offer["gpu_count"]))
        lam = interruption_rate(offer, assumptions_frame())[0] * instances
        wall = expected_wall_hours(72, lam, 2, 0.5)
        expected.append((instances * offer["price_usd_per_hour"] * wall, completion_probability(72, lam)))
    expected.sort()
    np.testing.assert_allclose(costs["expected_cost_usd"], [e[0] for e in expected], rtol=1e-12)
    assert (costs["expected_cost_usd"].diff().dropna() >= 0).all()
    assert (costs["idle_gpus"] >= 0).all() and costs["instances"].dtype.kind == "i"
