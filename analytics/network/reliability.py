"""Interruption rates from measured provider uptime (Akash Console `/v1/providers` uptime1d/7d/30d), for the
reliability-adjusted job cost in analytics/metrics/jobs.py, in place of the assumed per-category rate.

Uptime u is the fraction of the Console's checks that found a provider online. With outages of mean length D
hours, a provider up a fraction u of the time suffers (1 - u) / D outages per hour of wall time, i.e.
lam = (1 - u) / (u * D) per hour it is up (the hours a job runs). D is not published: we assume 1 hour and
say so in the rate's source. The network rate uses the median provider (a lease lands on one provider).
"""

from __future__ import annotations

import pandas as pd

from analytics.store import Store

ASSUMED_MEAN_OUTAGE_H = 1.0
UPTIME_METRICS = {"1d": "uptime_1d", "7d": "uptime_7d", "30d": "uptime_30d"}


def interruption_rate_from_uptime(uptime: float, mean_outage_h: float = ASSUMED_MEAN_OUTAGE_H) -> float:
    """Interruptions per running hour implied by an uptime fraction (see module docstring)."""
    if not 0 < uptime <= 1:
        raise ValueError(f"uptime must be in (0, 1], got {uptime}")
    if mean_outage_h <= 0:
        raise ValueError(f"mean outage must be more than 0 hours, got {mean_outage_h}")
    return (1 - uptime) / (uptime * mean_outage_h)


def latest_uptimes(store: Store, network: str = "akash", window: str = "30d") -> pd.DataFrame:
    """Per provider, the latest stored uptime over the window (columns dimension, value, date)."""
    return store.query_df(
        """
        SELECT dimension AS provider, value, date FROM network_metrics
        WHERE network = ? AND metric = ? AND dimension <> ''
        QUALIFY row_number() OVER (PARTITION BY dimension ORDER BY date DESC, observed_at DESC) = 1
        """,
        [network, UPTIME_METRICS[window]],
    )


def measured_interruption_rates(
    store: Store, window: str = "30d", mean_outage_h: float = ASSUMED_MEAN_OUTAGE_H
) -> dict[str, tuple[float, str]]:
    """{provider name as in offers: (rate per hour, where it came from)} for networks with measured uptime."""
    rates = {}
    uptimes = latest_uptimes(store, "akash", window)
    uptimes = uptimes[uptimes["value"] > 0]
    if not uptimes.empty:
        median = float(uptimes["value"].median())
        lam = interruption_rate_from_uptime(median, mean_outage_h)
        rates["akash"] = (
            lam,
            f"measured: median {window} uptime {median:.1%} of {len(uptimes)} Akash providers "
            f"(Console API, {pd.Timestamp(uptimes['date'].max()).date()}); {mean_outage_h:g} h mean outage assumed",
        )
    return rates
