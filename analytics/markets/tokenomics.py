"""Tokenomics facts (data/tokenomics/*.toml) and the emission schedules they describe.

Each schedule segment is valid between its dates; a projection never carries a schedule past the date it
was replaced. Where no schedule is published, the projection says so and gives a range or nothing.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import pandas as pd

from analytics.paths import bundled_data_dir

HOURS_PER_YEAR = 8760


@dataclass(frozen=True)
class Fact:
    key: str
    label: str
    value: Any
    source_url: str
    as_of: str
    confidence: str
    unit: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class EmissionSegment:
    start: date
    end: date | None
    model: str  # fixed_annual | ionet_hourly | demand_linked | inflation_band
    label: str
    source_url: str
    confidence: str
    params: dict[str, Any] = field(default_factory=dict)

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Network:
    slug: str
    name: str
    token: str
    summary: str
    facts: tuple[Fact, ...]
    emissions: tuple[EmissionSegment, ...]

    def fact(self, key: str) -> Fact | None:
        return next((f for f in self.facts if f.key == key), None)


def _day(value: Any) -> date | None:
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@lru_cache(maxsize=1)
def networks() -> dict[str, Network]:
    result = {}
    for path in sorted((bundled_data_dir() / "tokenomics").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        facts = tuple(
            Fact(
                key=f["key"],
                label=f.get("label", f["key"]),
                value=f["value"],
                source_url=f["source_url"],
                as_of=str(f["as_of"]),
                confidence=f["confidence"],
                unit=f.get("unit"),
                note=f.get("note"),
            )
            for f in data.get("facts", [])
        )
        segments = []
        for e in data.get("emissions", []):
            known = {"start", "end", "model", "label", "source_url", "as_of", "confidence"}
            segments.append(
                EmissionSegment(
                    start=_day(e["start"]),
                    end=_day(e.get("end")),
                    model=e.get("model", "fixed_annual"),
                    label=e["label"],
                    source_url=e["source_url"],
                    confidence=e["confidence"],
                    params={k: v for k, v in e.items() if k not in known},
                )
            )
        result[path.stem] = Network(
            path.stem,
            data["network"],
            data["token"],
            data["summary"],
            facts,
            tuple(sorted(segments, key=lambda s: s.start)),
        )
    return result


def network_for_token(token: str) -> Network | None:
    return next((n for n in networks().values() if n.token == token), None)


# -- io.net's fixed hourly curve -------------------------------------------------------------------------


def ionet_emitted(segment: EmissionSegment, start: datetime, end: datetime) -> float:
    """IO emitted by the fixed curve between two moments (clipped to the segment's validity)."""
    origin = datetime.combine(segment.start, datetime.min.time())
    stop = datetime.combine(segment.end + timedelta(days=1), datetime.min.time()) if segment.end else end
    a = max(start, origin)
    b = min(end, stop)
    if b <= a:
        return 0.0
    first = int((a - origin).total_seconds() // 3600) + 1  # epoch numbers are 1-based
    last = int((b - origin).total_seconds() // 3600)
    if last < first:
        return 0.0
    base = float(segment.params["base_supply"])
    r1 = float(segment.params["initial_rate_per_year"]) / HOURS_PER_YEAR
    q = 1.0 - float(segment.params["hourly_decay"])
    # sum_{T=first}^{last} base * r1 * q^(T-1) = base * r1 * (q^(first-1) - q^last) / (1 - q)
    return base * r1 * (q ** (first - 1) - q**last) / (1.0 - q)


def ionet_first_hour(segment: EmissionSegment) -> float:
    return float(segment.params["base_supply"]) * float(segment.params["initial_rate_per_year"]) / HOURS_PER_YEAR


# -- emissions over a period, for any network ----------------------------------------------------------


@dataclass(frozen=True)
class EmissionEstimate:
    low: float | None  # tokens emitted in the period (None: unknown)
    high: float | None
    basis: str  # which segments / assumptions produced it
    complete: bool  # False when part of the period has no published schedule


def emissions_between(network: Network, start: date, end: date, supply: float | None = None) -> EmissionEstimate:
    """Tokens issued between two dates according to the published schedules (a range where they give one)."""
    low = high = 0.0
    basis, complete = [], True
    day = start
    while day < end:
        segment = next((s for s in network.emissions if s.covers(day)), None)
        if segment is None:
            complete = False
            nxt = next((s.start for s in network.emissions if s.start > day), end)
            basis.append(f"no published schedule {day} .. {min(nxt, end)}")
            day = min(nxt, end)
            continue
        seg_end = min(end, segment.end + timedelta(days=1) if segment.end else end)
        years = (seg_end - day).days / 365.0
        if segment.model == "fixed_annual":
            amount = float(segment.params["tokens_per_year"]) * years
            low += amount
            high += amount
        elif segment.model == "ionet_hourly":
            amount = ionet_emitted(
                segment, datetime.combine(day, datetime.min.time()), datetime.combine(seg_end, datetime.min.time())
            )
            low += amount
            high += amount
        elif segment.model == "inflation_band":
            if supply is None:
                return EmissionEstimate(None, None, f"{segment.label}: needs a supply figure", False)
            low += supply * (math.pow(1 + float(segment.params["min_rate"]), years) - 1)
            high += supply * (math.pow(1 + float(segment.params["max_rate"]), years) - 1)
        else:  # demand_linked: no schedule by design
            complete = False
        basis.append(f"{segment.label} ({segment.confidence} confidence)")
        day = seg_end
    return EmissionEstimate(low, high, "; ".join(dict.fromkeys(basis)), complete)


def supply_projection(
    network: Network, supply_now: float, today: date, months: tuple[int, ...] = (12, 24, 36)
) -> pd.DataFrame:
    """Projected supply after each horizon from the schedules valid on each day (no schedule: said so)."""
    rows = []
    for horizon in months:
        end = today + timedelta(days=round(horizon * 365 / 12))
        estimate = emissions_between(network, today, end, supply=supply_now)
        rows.append(
            {
                "months": horizon,
                "date": end,
                "supply_low": None if estimate.low is None else supply_now + estimate.low,
                "supply_high": None if estimate.high is None else supply_now + estimate.high,
                "complete": estimate.complete,
                "basis": estimate.basis,
            }
        )
    return pd.DataFrame(rows)


def schedule_dilution(network: Network, supply_now: float, today: date) -> EmissionEstimate:
    """Annual dilution from the schedule: next 12 months' emissions as a fraction of current supply."""
    estimate = emissions_between(network, today, today + timedelta(days=365), supply=supply_now)
    if estimate.low is None:
        return estimate
    return EmissionEstimate(estimate.low / supply_now, estimate.high / supply_now, estimate.basis, estimate.complete)


def issuance_coverage(value_burned_usd: float | None, value_emitted_usd: float | None) -> float | None:
    """Value burned or paid by users / value emitted (1.0 = demand covers issuance)."""
    if value_burned_usd is None or not value_emitted_usd:
        return None
    return value_burned_usd / value_emitted_usd


@dataclass(frozen=True)
class SupplyBasis:
    value: float
    label: str  # what the number is and where it comes from
    as_of: date


def supply_basis(network: Network, today: date, circulating: float | None = None, snapshot_day: date | None = None):
    """The supply a projection starts from: a CoinGecko circulating figure when we have one, else a figure
    derived from the facts plus the scheduled emissions since (io.net: genesis + the fixed curve)."""
    if circulating:
        return SupplyBasis(circulating, "circulating supply (CoinGecko)", snapshot_day or today)
    estimate = network.fact("total_supply_estimate")
    if estimate is not None:
        start = date.fromisoformat(estimate.as_of)
        since = emissions_between(network, start, today)
        if since.low is not None and since.complete:
            return SupplyBasis(
                float(estimate.value) + since.low,
                f"{estimate.label} of {estimate.as_of} plus scheduled emissions since (derived)",
                today,
            )
    genesis = network.fact("genesis_supply")
    hourly = next((s for s in network.emissions if s.model == "ionet_hourly"), None)
    if genesis is not None and hourly is not None:
        end = min(today, hourly.end or today)
        emitted = ionet_emitted(
            hourly, datetime.combine(hourly.start, datetime.min.time()), datetime.combine(end, datetime.min.time())
        )
        return SupplyBasis(
            float(genesis.value) + emitted,
            f"genesis supply plus the fixed curve's emissions to {end} (modelled total; later IDE emissions unknown)",
            today,
        )
    return None
