"""One comparison for every consumer: `depin compare`, the Overview headline, Cost comparison, notebook 01."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from analytics import queries
from analytics.comparison.compare import Definition, Discount, segment_table, select, side_discount, size_class_of
from analytics.comparison.conflicts import Distrust, distrust
from analytics.comparison.robustness import robustness_table
from analytics.comparison.segments import DEFAULT_LENS, OVERVIEW_LENS
from analytics.store import Store


@dataclass
class ComparisonReport:
    definition: Definition
    selected: pd.DataFrame  # the offers compared
    segments: pd.DataFrame
    discount: Discount
    robustness: pd.DataFrame
    conflicts: pd.DataFrame
    distrust: Distrust

    def as_dict(self) -> dict:
        d = self.definition
        return {
            "gpu": d.gpu,
            "definition": d.describe(),
            "lens": {"datacenter_marketplace_side": d.lens.datacenter_marketplace_side, "mapping": d.lens.describe()},
            "segments": _records(self.segments),
            "centralized_vs_decentralized": asdict(self.discount),
            "robustness": _records(self.robustness),
            "conflicts": _records(
                self.conflicts[
                    [
                        "provider",
                        "instance_type",
                        "region",
                        "pricing_kind",
                        "source_a",
                        "price_a",
                        "source_b",
                        "price_b",
                        "first_overlap",
                        "last_overlap",
                        "trusted_source",
                        "reason",
                    ]
                ]
            )
            if len(self.conflicts)
            else [],
            "same_outdated_listing": _records(self.distrust.listings) if len(self.distrust.listings) else [],
        }


def _records(frame: pd.DataFrame) -> list[dict]:
    out = frame.astype(object).where(frame.notna(), None)
    return [
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()} for r in out.to_dict("records")
    ]


def definition_for(
    gpu: str,
    *,
    gpus: int | None = None,
    pricing_kind: str | None = None,
    runpod_secure_decentralized: bool = False,
    pool_family: bool = False,
) -> Definition:
    kwargs = {}
    if gpus is not None:
        kwargs["size_classes"] = (size_class_of(gpus),)
    if pricing_kind is not None:
        kwargs["pricing_kinds"] = (pricing_kind,)
    lens = OVERVIEW_LENS if runpod_secure_decentralized else DEFAULT_LENS
    return Definition(gpu=gpu, pool_family=pool_family, lens=lens, **kwargs)


def compare(store: Store, definition: Definition, *, offers: pd.DataFrame | None = None) -> ComparisonReport:
    offers = queries.latest_offers(store) if offers is None else offers
    conflicts = queries.source_conflicts(store)
    distrusted = distrust(conflicts, offers)
    selected = select(offers, definition, distrusted)
    return ComparisonReport(
        definition=definition,
        selected=selected,
        segments=segment_table(selected, two_stage_method=definition.two_stage),
        discount=side_discount(selected, definition),
        robustness=robustness_table(offers, definition, distrusted),
        conflicts=conflicts,
        distrust=distrusted,
    )


def history_report(
    store: Store, gpu: str, *, provider: str | None = None, segment: str | None = None, pricing_kind: str | None = None
) -> dict:
    """The series `depin history` prints and the Cost comparison page draws."""
    from analytics.comparison import history
    from analytics.comparison.compare import FIRM_KINDS

    kinds = (pricing_kind,) if pricing_kind else FIRM_KINDS
    observations = queries.offer_observations(store, gpu_model=gpu, provider=provider)
    if segment:
        observations = observations[observations["segment"] == segment]
    out: dict = {"gpu": gpu, "provider": provider, "segment": segment, "pricing_kinds": list(kinds)}
    if provider:
        series = history.provider_series(observations, provider, kinds)
        out["series"] = _records(series.assign(date=series["date"].dt.strftime("%Y-%m-%d")))
        moves = history.price_moves(series)
        out["price_moves"] = _records(moves.assign(date=moves["date"].dt.strftime("%Y-%m-%d"))) if len(moves) else []
        return out
    daily = history.segment_daily(observations, kinds)
    per_provider = history.provider_daily(observations, kinds)
    out["series"] = _records(daily.assign(date=daily["date"].dt.strftime("%Y-%m-%d"))) if len(daily) else []
    changes = []
    for seg, group in daily.groupby("segment") if len(daily) else ():
        last = group["date"].max()
        for days in (7, 30):
            changes.append({"segment": seg, **history.matched_change(per_provider, seg, last, days)})
    out["changes"] = changes
    index = queries.price_index_points(store, gpu)
    out["published_index"] = (
        _records(index.assign(date=index["date"].astype(str))[["date", "series", "usd_per_gpu_hour", "index_name"]])
        if len(index)
        else []
    )
    return out
