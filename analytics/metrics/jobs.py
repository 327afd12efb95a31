"""What a job costs where: list-price cost, and the expected cost once interruptions are priced in.

Reliability model (documented in README "Reliability-adjusted cost"): interruptions arrive at random
(Poisson) at rate `lam` per instance-hour. A job of `hours` compute hours checkpoints every `checkpoint_h`
hours; after an interruption it loses the work since the last checkpoint and needs `restart_h` hours to come
back. With exponential inter-arrival times the expected wall time to finish one checkpoint interval C is
(1/lam + R)(e^(lam*C) - 1), so the expected total is

    E[wall hours] = (hours / C) * (1/lam + R) * (e^(lam*C) - 1)           (-> hours when lam -> 0)

and the probability that a job without checkpoints finishes without any interruption is e^(-lam*hours).
A job spread over k instances fails when any of them does: its rate is k * lam.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from analytics.paths import bundled_data_dir


class JobInputError(ValueError):
    """An input a person typed is not possible (negative hours, zero GPUs...); the message says which."""


@dataclass(frozen=True)
class JobSpec:
    gpus: int
    hours: float
    checkpoint_h: float = 1.0
    restart_h: float = 0.25

    def __post_init__(self) -> None:
        if not isinstance(self.gpus, int) or self.gpus < 1:
            raise JobInputError(f"GPU count must be a whole number of at least 1, got {self.gpus!r}")
        if self.gpus > 4096:
            raise JobInputError(f"GPU count {self.gpus} is larger than any offer could serve")
        if not self.hours > 0:
            raise JobInputError(f"hours must be more than 0, got {self.hours!r}")
        if not self.checkpoint_h > 0:
            raise JobInputError(f"checkpoint interval must be more than 0 hours, got {self.checkpoint_h!r}")
        if self.restart_h < 0:
            raise JobInputError(f"restart overhead cannot be negative, got {self.restart_h!r}")


def expected_wall_hours(hours: float, lam: float, checkpoint_h: float, restart_h: float) -> float:
    """Expected wall-clock hours to finish `hours` of work (see module docstring)."""
    if lam < 0:
        raise JobInputError(f"interruption rate cannot be negative, got {lam}")
    interval = min(checkpoint_h, hours)
    if lam == 0:
        return hours
    exponent = lam * interval
    if exponent > 50:  # an interval essentially never completes
        return math.inf
    return (hours / interval) * (1.0 / lam + restart_h) * math.expm1(exponent)


def completion_probability(hours: float, lam: float) -> float:
    """Probability that `hours` of uninterrupted work see no interruption."""
    return math.exp(-lam * hours)


@lru_cache(maxsize=1)
def default_interruption_rates() -> tuple[tuple[str, str, float, str], ...]:
    with open(bundled_data_dir() / "reliability_assumptions.csv", newline="", encoding="utf-8") as fh:
        return tuple(
            (r["provider_category"], r["pricing_kind"], float(r["interruptions_per_hour"]), r["rationale"])
            for r in csv.DictReader(fh)
        )


def assumptions_frame() -> pd.DataFrame:
    return pd.DataFrame(
        default_interruption_rates(),
        columns=["provider_category", "pricing_kind", "interruptions_per_hour", "rationale"],
    )


def interruption_rate(offer: pd.Series, assumptions: pd.DataFrame) -> tuple[float, str]:
    """(rate per instance-hour, where it came from) for one offer.

    The offer's own data wins: a Vast.ai reliability score r (0-1) is read as the probability that the host
    runs a day without failure, so lam = -ln(r) / 24. Otherwise the most specific assumption applies.
    """
    reliability = _attribute(offer, "reliability")
    if reliability is not None and 0 < reliability <= 1 and offer.get("pricing_kind") != "spot":
        return -math.log(reliability) / 24.0, f"offer reliability {reliability:.4f}"
    for category, kind in (
        (offer.get("provider_category"), offer.get("pricing_kind")),
        ("*", offer.get("pricing_kind")),
        (offer.get("provider_category"), "*"),
        ("*", "*"),
    ):
        match = assumptions[(assumptions["provider_category"] == category) & (assumptions["pricing_kind"] == kind)]
        if not match.empty:
            return float(match["interruptions_per_hour"].iloc[0]), f"assumption {category}/{kind}"
    return 0.01, "fallback"


def _attribute(offer: pd.Series, name: str):
    import json

    raw = offer.get("attributes")
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return json.loads(raw).get(name)
    except (ValueError, AttributeError):
        return None


def job_costs(
    offers: pd.DataFrame,
    job: JobSpec,
    assumptions: pd.DataFrame | None = None,
    measured_rates: dict[str, tuple[float, str]] | None = None,
) -> pd.DataFrame:
    """Cost of `job` on every offer, cheapest expected cost first.

    `measured_rates` ({provider: (rate, source)}, e.g. analytics.network.reliability.measured_interruption_rates)
    replaces the assumed per-category rate for those providers; an offer's own reliability score still wins.

    Each offer is rented as ceil(gpus / offer GPUs) instances (idle GPUs are paid for and reported).
    """
    assumptions = assumptions if assumptions is not None else assumptions_frame()
    if offers.empty:
        return pd.DataFrame()
    rows = []
    for _, offer in offers.iterrows():
        per_instance = int(offer["gpu_count"])
        instances = math.ceil(job.gpus / per_instance)
        hourly = instances * float(offer["price_usd_per_hour"])
        lam, lam_source = interruption_rate(offer, assumptions)
        if measured_rates and offer["provider"] in measured_rates and not lam_source.startswith("offer"):
            lam, lam_source = measured_rates[offer["provider"]]
        job_lam = lam * instances
        wall = expected_wall_hours(job.hours, job_lam, job.checkpoint_h, job.restart_h)
        rows.append(
            {
                "provider": offer["provider"],
                "via": offer.get("via"),
                "provider_category": offer["provider_category"],
                "market_model": offer["market_model"],
                "gpu_model": offer["gpu_model"],
                "pricing_kind": offer["pricing_kind"],
                "region": offer.get("region"),
                "instance_type": offer.get("instance_type"),
                "instances": instances,
                "idle_gpus": instances * per_instance - job.gpus,
                "usd_per_hour": hourly,
                "list_cost_usd": hourly * job.hours,
                "interruptions_per_hour": job_lam,
                "rate_source": lam_source,
                "expected_wall_hours": wall,
                "expected_lost_hours": wall - job.hours,
                "expected_cost_usd": hourly * wall,
                "p_finish_without_checkpoints": completion_probability(job.hours, job_lam),
                "source": offer["source"],
                "observed_at": offer["observed_at"],
            }
        )
    return pd.DataFrame(rows).sort_values(["expected_cost_usd", "list_cost_usd"], ignore_index=True)


def market_model_job_summary(costs: pd.DataFrame) -> pd.DataFrame:
    """Per market model: cheapest and median list and expected cost of the job, with counts.

    Only offers that fit the job without idle GPUs count, where there are any (renting an 8-GPU node for a
    one-GPU job is a choice the table shows, not a market price)."""
    if costs.empty:
        return pd.DataFrame()
    fitting = costs[costs["idle_gpus"] == 0]
    costs = fitting if not fitting.empty else costs
    grouped = costs[costs["market_model"].isin(["centralized", "decentralized"])].groupby("market_model")
    return grouped.agg(
        offers=("list_cost_usd", "count"),
        cheapest_list_usd=("list_cost_usd", "min"),
        median_list_usd=("list_cost_usd", "median"),
        cheapest_expected_usd=("expected_cost_usd", "min"),
        median_expected_usd=("expected_cost_usd", "median"),
        median_p_finish_no_ckpt=("p_finish_without_checkpoints", "median"),
    ).reset_index()


# The market overview's example: "A typical 100-hour training run on a centralized cloud can cost upwards of
# $300, whereas the same workload on a decentralized network might drop to under $100."
OVERVIEW_CLAIMS = {
    "centralized": ("upwards of $300", lambda cost: cost >= 300),
    "decentralized": ("under $100", lambda cost: cost < 100),
}


def hundred_hour_example(
    offers: pd.DataFrame,
    *,
    family: str = "H100",
    hours: float = 100.0,
    checkpoint_h: float = 1.0,
    restart_h: float = 0.25,
    assumptions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The overview's 100-hour, one-GPU run priced from the data, list and reliability-adjusted.

    Uses the offers that rent exactly one GPU (as the job calculator does for a one-GPU job; all offers when
    there are none), each for `hours`; the offer counts are reported next to every figure.
    """
    JobSpec(gpus=1, hours=hours, checkpoint_h=checkpoint_h, restart_h=restart_h)  # validates the inputs
    assumptions = assumptions if assumptions is not None else assumptions_frame()
    subset = offers[(offers["gpu_family"] == family) & offers["market_model"].isin(list(OVERVIEW_CLAIMS))]
    # The job calculator's rule for a one-GPU job: only offers that fit it without idle GPUs, where any exist,
    # so that the calculator at 1 GPU x 100 h and this check give one answer from the same offers.
    single = subset[subset["gpu_count"] == 1]
    subset = single if not single.empty else subset
    rows = []
    for model, group in subset.groupby("market_model"):
        rates = [interruption_rate(offer, assumptions)[0] for _, offer in group.iterrows()]
        walls = [expected_wall_hours(hours, lam, checkpoint_h, restart_h) for lam in rates]
        list_costs = group["price_per_gpu_hour_usd"] * hours
        expected = group["price_per_gpu_hour_usd"].to_numpy() * pd.Series(walls).to_numpy()
        claim, holds = OVERVIEW_CLAIMS[model]
        median_list = float(list_costs.median())
        rows.append(
            {
                "market_model": model,
                "offers": len(group),
                "median_usd_per_gpu_hour": float(group["price_per_gpu_hour_usd"].median()),
                "cheapest_usd_per_gpu_hour": float(group["price_per_gpu_hour_usd"].min()),
                "median_list_cost_usd": median_list,
                "cheapest_list_cost_usd": float(list_costs.min()),
                "median_expected_cost_usd": float(pd.Series(expected).median()),
                "median_interruptions_per_hour": float(pd.Series(rates).median()),
                "median_p_finish_without_checkpoints": float(
                    pd.Series([completion_probability(hours, lam) for lam in rates]).median()
                ),
                "overview_claim": claim,
                "claim_holds_at_median": bool(holds(median_list)),
                "claim_holds_at_cheapest": bool(holds(float(list_costs.min()))),
            }
        )
    return pd.DataFrame(rows)
