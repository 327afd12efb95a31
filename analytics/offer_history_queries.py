"""Offer history queries: source conflicts and a model's dated observations, from the offer_daily read model
(analytics/store/read_models.py), each with its raw-history reference (`reference=True`) for tests and checks.
Re-exported by analytics/queries.py, where every other read-side query lives.
"""

from __future__ import annotations

import pandas as pd

from analytics.store import Store

# Pairs of dated observations of one listing from two sources, a few days apart, priced apart. The read-model
# version joins offer_daily's compressed rows (each standing for `observations` observations), then repeats
# each surviving pair as often as the raw join would have produced it, so the medians and counts are the
# raw query's own.
_CONFLICT_OBSERVATIONS = """
    SELECT offer_id, source, provider, instance_type, coalesce(region, '') AS region, pricing_kind, gpu_model,
           price_date, price_per_gpu_hour_usd, sum(observations)::BIGINT AS weight
    FROM offer_daily
    GROUP BY ALL
"""
_CONFLICT_OBSERVATIONS_REFERENCE = """
    SELECT offer_id, source, provider, instance_type, coalesce(region, '') AS region, pricing_kind, gpu_model,
           price_date, price_per_gpu_hour_usd, 1 AS weight
    FROM gpu_offer_observations
    WHERE price_date IS NOT NULL
"""
_CONFLICT_PAIRS = """
WITH obs AS ({observations}),
pairs AS (
    SELECT a.provider, a.instance_type, a.region, a.pricing_kind, a.gpu_model,
           a.offer_id AS offer_id_a, a.source AS source_a, b.offer_id AS offer_id_b, b.source AS source_b,
           a.price_per_gpu_hour_usd AS price_a, b.price_per_gpu_hour_usd AS price_b,
           a.price_date AS date_a, b.price_date AS date_b, a.weight * b.weight AS weight
    FROM obs a JOIN obs b
      ON a.provider = b.provider AND a.instance_type = b.instance_type AND a.region = b.region
     AND a.pricing_kind = b.pricing_kind AND a.source < b.source
     AND abs(date_diff('day', a.price_date, b.price_date)) <= $days
    WHERE abs(a.price_per_gpu_hour_usd - b.price_per_gpu_hour_usd)
          > $tolerance * least(a.price_per_gpu_hour_usd, b.price_per_gpu_hour_usd)
),
repeated AS (SELECT * EXCLUDE (copy) FROM (SELECT *, unnest(range(weight)) AS copy FROM pairs))
SELECT provider, instance_type, region, pricing_kind, gpu_model, offer_id_a, source_a, offer_id_b, source_b,
       median(price_a) AS price_a, median(price_b) AS price_b,
       min(least(date_a, date_b)) AS first_overlap, max(greatest(date_a, date_b)) AS last_overlap,
       max(date_a) AS newest_a, max(date_b) AS newest_b, count(*) AS overlapping_pairs
FROM repeated
GROUP BY ALL
ORDER BY ALL
"""


def source_conflicts(store: Store, *, reference: bool = False) -> pd.DataFrame:
    """Listings two datasets price differently on overlapping dates, with the trusted side (see
    analytics/comparison/conflicts.py). From offer_daily; `reference=True` joins raw history."""
    from analytics.comparison.conflicts import MAX_DAYS_APART, MIN_DIFFERENCE, resolve

    observations = _CONFLICT_OBSERVATIONS_REFERENCE if reference else _CONFLICT_OBSERVATIONS
    sql = _CONFLICT_PAIRS.format(observations=observations)
    pairs = store.query_df(sql, {"days": MAX_DAYS_APART, "tolerance": MIN_DIFFERENCE})
    return resolve(pairs)


def offer_observations(
    store: Store, *, gpu_model: str, provider: str | None = None, reference: bool = False
) -> pd.DataFrame:
    """The dated observations of one canonical model (optionally one provider), for history.

    From offer_daily: one row per offer, day and distinct price (with its flags and listing), `observations`
    saying how many observations it stands for; analytics/comparison/history.py weighs rows by it.
    `reference=True` returns every raw observation instead (one row each, no `observations` column)."""
    if reference:
        return store.query_df(
            """
            SELECT offer_id, price_date, observed_at, source, dataset_id, provider, segment, gpu_model, gpu_count,
                   pricing_kind, price_per_gpu_hour_usd, flags, instance_type, region
            FROM gpu_offer_observations
            WHERE gpu_model = $gpu AND price_date IS NOT NULL AND ($provider IS NULL OR provider = $provider)
            ORDER BY price_date
            """,
            {"gpu": gpu_model, "provider": provider},
        )
    return store.query_df(
        """
        SELECT offer_id, price_date, source, provider, segment, gpu_model, gpu_count, pricing_kind,
               price_per_gpu_hour_usd, flags, instance_type, region, observations
        FROM offer_daily
        WHERE gpu_model = $gpu AND ($provider IS NULL OR provider = $provider)
        ORDER BY price_date
        """,
        {"gpu": gpu_model, "provider": provider},
    )
