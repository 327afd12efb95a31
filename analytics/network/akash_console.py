"""`akash_network`: Akash demand, supply and burns from the Console API (no key), as dated network metrics.

Endpoints (base URL = DEPIN_AKASH_BASE_URL, the same Console API as the GPU-price collector):
- `/v1/graph-data/{name}` -> `{currentValue, compareValue, snapshots: [{date, value}]}`: one value per day;
  `dailyUUsdSpent` and `dailyUAktSpent` are micro-units (divided by 1e6). A day equal to the fetch day is
  still open and is flagged `partial_day`.
- `/v1/dashboard-data` -> `now` / `compare` readings (daily figures are the 24 h before each reading),
  `networkCapacity`.
- `/v1/gpu-breakdown` -> per GPU model and day: providers, total and leased GPUs (utilisation = leased/total).
- `/v1/bme/dashboard-data` -> burn-mint equilibrium `now` / `compare`: AKT burned for ACT, ACT minted, net AKT
  burned (micro-units), collateral ratio.
- `/v1/providers` -> per provider `uptime1d/7d/30d` (fractions of checks online, 0-1).

`fetch` returns the raw payloads; `parse` is pure: validated rows, and bad records quarantined with a reason.
A payload whose overall shape is wrong (a renamed field) raises PayloadError and the source fails alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from analytics.collectors.base import RECORD_SHAPE_ERRORS, Collector, PayloadError, _summarise, validate_payload
from analytics.collectors.http import request_json

MICRO = 1e6
# graph-data name -> (metric, unit, divisor)
GRAPHS: dict[str, tuple[str, str, float]] = {
    "dailyUUsdSpent": ("daily_spend_usd", "USD", MICRO),
    "dailyUAktSpent": ("daily_spend_akt", "AKT", MICRO),
    "dailyLeaseCount": ("daily_new_leases", "leases", 1),
    "activeLeaseCount": ("active_leases", "leases", 1),
    "activeGPU": ("active_gpus", "GPUs", 1),
}
DASHBOARD_FIELDS = [  # (field, metric, period, unit, divisor)
    ("dailyUUsdSpent", "daily_spend_usd", "day", "USD", MICRO),
    ("dailyUAktSpent", "daily_spend_akt", "day", "AKT", MICRO),
    ("totalUUsdSpent", "total_spend_usd", "instant", "USD", MICRO),
    ("dailyLeaseCount", "daily_new_leases", "day", "leases", 1),
    ("activeLeaseCount", "active_leases", "instant", "leases", 1),
    ("activeGPU", "active_gpus", "instant", "GPUs", 1),
]
BME_FIELDS = [
    ("dailyAktBurnedForAct", "daily_akt_burned_for_act", "day", "AKT", MICRO),
    ("dailyActMinted", "daily_act_minted", "day", "ACT", MICRO),
    ("dailyNetAktBurned", "daily_net_akt_burned", "day", "AKT", MICRO),
    ("netAktBurned", "net_akt_burned", "instant", "AKT", MICRO),
    ("outstandingAct", "outstanding_act", "instant", "ACT", MICRO),
    ("collateralRatio", "bme_collateral_ratio", "instant", "ratio", 1),
]
RATIO_METRICS = {"gpu_utilization", "uptime_1d", "uptime_7d", "uptime_30d"}
SIGNED_METRICS = {"daily_net_akt_burned", "net_akt_burned"}  # a net figure may be negative


class NetworkMetricRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    network: str = "akash"
    metric: str = Field(min_length=1)
    dimension: str = ""
    date: date
    period: Literal["day", "week", "month", "instant"]
    value: float
    unit: str
    flags: list[str] = Field(default_factory=list)

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    def model_post_init(self, __context: Any) -> None:
        if self.metric in RATIO_METRICS and not 0 <= self.value <= 1:
            raise ValueError(f"{self.metric} must be between 0 and 1, got {self.value}")
        if self.metric not in SIGNED_METRICS and self.value < 0:
            raise ValueError(f"{self.metric} cannot be negative, got {self.value}")


@dataclass
class NetworkParseResult:
    rows: list[NetworkMetricRow] = field(default_factory=list)
    rejected: list[tuple[Any, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, raw: Any, **candidate: Any) -> None:
        try:
            self.rows.append(NetworkMetricRow.model_validate(candidate))
        except ValidationError as exc:
            reason = _summarise(exc).removeprefix(": ").removeprefix("Value error, ")
            self.rejected.append((raw, f"{candidate.get('metric')}: {reason}"))

    @contextmanager
    def record(self, raw: Any, where: str) -> Iterator[None]:
        """Parse one record inside this block: one of the wrong shape (a date that is not a date, a number too
        large for a float, text where a number belongs) is quarantined, never failing the source."""
        try:
            yield
        except RECORD_SHAPE_ERRORS as exc:
            self.rejected.append((raw, f"{where}: malformed record: {type(exc).__name__}: {str(exc)[:200]}"))


# -- payload shapes (a renamed field fails the source with the field's name) --------------------------------


class _Snapshot(BaseModel):
    date: str
    value: Any = None


class _Graph(BaseModel):
    currentValue: float | None = None
    compareValue: float | None = None
    snapshots: list[_Snapshot]


class _Reading(BaseModel):
    model_config = ConfigDict(extra="allow")
    date: str
    dailyUUsdSpent: float
    activeLeaseCount: float
    activeGPU: float


class _Dashboard(BaseModel):
    now: _Reading
    compare: _Reading
    networkCapacity: dict[str, Any] | None = None


class _BmeReading(BaseModel):
    model_config = ConfigDict(extra="allow")
    date: str
    dailyAktBurnedForAct: float
    dailyNetAktBurned: float
    netAktBurned: float


class _Bme(BaseModel):
    now: _BmeReading
    compare: _BmeReading


class _GpuBreakdown(BaseModel):
    date: str
    vendor: str
    model: str
    providerCount: Any
    totalGpus: Any
    leasedGpus: Any


class _Provider(BaseModel):
    model_config = ConfigDict(extra="allow")
    owner: str
    uptime1d: float | None
    uptime7d: float | None
    uptime30d: float | None


def _day(text: str) -> date:
    """The UTC day of an ISO timestamp; a date that does not parse, or lies outside 2000-2100, fails the payload
    with its value (the loops over records quarantine that record instead)."""
    try:
        stamp = pd.Timestamp(text)
        day = (stamp.tz_convert("UTC") if stamp.tzinfo else stamp).date()
    except (ValueError, TypeError, OverflowError, NotImplementedError) as exc:
        raise PayloadError(f"akash_network: not a date: {text!r}") from exc
    if not 2000 <= day.year <= 2100:
        raise PayloadError(f"akash_network: not a plausible date: {text!r}")
    return day


class AkashNetworkCollector(Collector):
    name = "akash_network"
    description = "Akash Network: daily spend, leases, GPUs, utilisation, BME burns, provider uptime (Console API)"
    settings_source = "akash"

    def fetch(self) -> dict[str, Any]:
        def get(path: str) -> Any:
            return request_json(self.session, "GET", f"{self.base_url}{path}", timeout_s=self.settings.http_timeout_s)

        return {
            "graphs": {name: get(f"/v1/graph-data/{name}") for name in GRAPHS},
            "dashboard": get("/v1/dashboard-data"),
            "gpu_breakdown": get("/v1/gpu-breakdown"),
            "bme": get("/v1/bme/dashboard-data"),
            "providers": get("/v1/providers"),
        }

    def parse(self, raw: dict[str, Any], observed_at: datetime) -> NetworkParseResult:
        result = NetworkParseResult()
        today = observed_at.date()
        for name, payload in raw["graphs"].items():
            graph = validate_payload(_Graph, payload, f"{self.name} graph-data/{name}")
            metric, unit, divisor = GRAPHS[name]
            if not graph.snapshots:
                result.notes.append(f"graph-data/{name}: no snapshots")
            for point in graph.snapshots:
                if not isinstance(point.value, int | float) or isinstance(point.value, bool):
                    result.rejected.append((point.model_dump(), f"graph-data/{name}: value is not a number"))
                    continue
                try:
                    day = _day(point.date)
                except PayloadError as exc:
                    result.rejected.append((point.model_dump(), f"graph-data/{name}: {exc}"))
                    continue
                flags = ["partial_day"] if day >= today else []
                with result.record(point.model_dump(), f"graph-data/{name}"):  # e.g. a number too large for a float
                    result.add(point.model_dump(), metric=metric, date=day, period="day", value=point.value / divisor,
                               unit=unit, flags=flags)  # fmt: skip
        self._dashboard(raw["dashboard"], result)
        self._gpu_breakdown(raw["gpu_breakdown"], result)
        self._bme(raw["bme"], result)
        self._providers(raw["providers"], observed_at, result)
        return result

    def _dashboard(self, payload: Any, result: NetworkParseResult) -> None:
        dashboard = validate_payload(_Dashboard, payload, f"{self.name} dashboard-data")
        for reading in (dashboard.now, dashboard.compare):
            values = reading.model_dump()
            for key, metric, period, unit, divisor in DASHBOARD_FIELDS:
                if values.get(key) is not None:
                    flags = ["rolling_24h"] if period == "day" else []
                    with result.record(values, f"dashboard-data {key}"):
                        result.add(values, metric=metric, date=_day(reading.date), period=period,
                                   value=float(values[key]) / divisor, unit=unit, flags=flags)  # fmt: skip
        capacity = dashboard.networkCapacity or {}
        for key, metric, unit in (("totalGPU", "total_gpus", "GPUs"), ("availableGPU", "available_gpus", "GPUs"),
                                  ("activeProviderCount", "active_providers", "providers")):  # fmt: skip
            if capacity.get(key) is not None:
                with result.record(capacity, f"dashboard-data networkCapacity.{key}"):
                    result.add(capacity, metric=metric, date=_day(dashboard.now.date), period="instant",
                               value=capacity[key], unit=unit)  # fmt: skip

    def _gpu_breakdown(self, payload: Any, result: NetworkParseResult) -> None:
        items = _validated_list(_GpuBreakdown, payload, f"{self.name} gpu-breakdown", result)
        totals: dict[date, list[float]] = {}
        for record, item in items:
            try:
                total, leased, providers = float(item.totalGpus), float(item.leasedGpus), float(item.providerCount)
            except (TypeError, ValueError, OverflowError):
                result.rejected.append((record, "gpu-breakdown: totalGpus/leasedGpus/providerCount not numbers"))
                continue
            if not all(math.isfinite(v) for v in (total, leased, providers)):
                result.rejected.append((record, "gpu-breakdown: totalGpus/leasedGpus/providerCount not finite"))
                continue
            if leased > total:
                result.rejected.append((record, f"gpu-breakdown: {leased:g} leased GPUs > {total:g} in total"))
                continue
            try:
                day, model = _day(item.date), f"{item.vendor} {item.model}".strip()
            except PayloadError as exc:
                result.rejected.append((record, f"gpu-breakdown: {exc}"))
                continue
            for metric, value, unit in (("total_gpus", total, "GPUs"), ("leased_gpus", leased, "GPUs"),
                                        ("gpu_providers", providers, "providers")):  # fmt: skip
                result.add(record, metric=metric, dimension=model, date=day, period="day", value=value, unit=unit)
            if total:
                result.add(record, metric="gpu_utilization", dimension=model, date=day, period="day",
                           value=leased / total, unit="ratio")  # fmt: skip
            totals.setdefault(day, [0.0, 0.0])
            totals[day][0] += total
            totals[day][1] += leased
        for day, (total, leased) in totals.items():
            # network totals from the breakdown: utilisation only (total_gpus comes from dashboard-data's capacity)
            result.add({"date": str(day)}, metric="leased_gpus", date=day, period="day", value=leased, unit="GPUs")
            if total:
                result.add({"date": str(day)}, metric="gpu_utilization", date=day, period="day",
                           value=leased / total, unit="ratio")  # fmt: skip

    def _bme(self, payload: Any, result: NetworkParseResult) -> None:
        bme = validate_payload(_Bme, payload, f"{self.name} bme/dashboard-data")
        for reading in (bme.now, bme.compare):
            values = reading.model_dump()
            for key, metric, period, unit, divisor in BME_FIELDS:
                if values.get(key) is not None:
                    with result.record(values, f"bme/dashboard-data {key}"):
                        result.add(values, metric=metric, date=_day(reading.date), period=period,
                                   value=float(values[key]) / divisor, unit=unit)  # fmt: skip

    def _providers(self, payload: Any, observed_at: datetime, result: NetworkParseResult) -> None:
        items = _validated_list(_Provider, payload, f"{self.name} providers", result)
        day = observed_at.date()
        measured = 0
        for record, provider in items:
            for key, metric in (("uptime1d", "uptime_1d"), ("uptime7d", "uptime_7d"), ("uptime30d", "uptime_30d")):
                value = getattr(provider, key)
                if value is not None:
                    result.add(record, metric=metric, dimension=provider.owner, date=day, period="instant",
                               value=value, unit="ratio")  # fmt: skip
            measured += provider.uptime30d is not None
        result.notes.append(f"{measured} provider(s) with a 30-day uptime")


def _validated_list(model: type[BaseModel], payload: Any, where: str, result: NetworkParseResult) -> list:
    """(record, validated item) pairs. One bad record is quarantined; when not one record of a non-empty list
    fits, a field was renamed or removed: the whole source fails with the first reason."""
    if not isinstance(payload, list):
        raise PayloadError(f"{where}: unexpected payload shape: expected a list, got {type(payload).__name__}")
    items, reasons = [], []
    for record in payload:
        try:
            items.append((record, model.model_validate(record)))
        except ValidationError as exc:
            reasons.append((record, f"{where.split(' ', 1)[1]}: {_summarise(exc)}"))
    if payload and not items:
        raise PayloadError(f"{where}: unexpected payload shape: {reasons[0][1]}")
    result.rejected.extend(reasons)
    return items


def network_frame(rows: list[NetworkMetricRow], source: str, dataset_id: str, observed_at: datetime) -> pd.DataFrame:
    """Validated rows -> the network_metrics table's columns."""
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame([r.model_dump() for r in rows])
    # graph-data (parsed first) is the day's closed value; a dashboard reading of the same day only fills gaps
    frame = frame.drop_duplicates(subset=["network", "metric", "dimension", "date"], keep="first")
    frame["source"] = source
    frame["dataset_id"] = dataset_id
    frame["observed_at"] = observed_at
    return frame
