"""What a GPU earns on a network, after fees, power and depreciation, and how sure that is.

Per day, for `gpu_count` GPUs, with H = hours_per_day and u = utilization:
    gross       = price_per_gpu_hour x H x u x gpus
    revenue     = gross x (1 - take_rate)
    energy_kWh  = gpus x power_W x H x (u + (1 - u) x idle_fraction) x PUE / 1000
    power_cost  = energy_kWh x electricity_usd_per_kwh
    net         = revenue - power_cost                       (cash margin)
    net_after_depreciation = net - hardware_cost x gpus / (depreciation_months x 30.4375)
Break-even utilization solves net(u) = 0 (and = depreciation); break-even token price is the price at which
the tokens earned cover power and depreciation. The Monte Carlo pays each day's revenue in tokens at that
day's price and values them at the horizon, with daily returns bootstrapped from the token's own history.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from analytics.paths import bundled_data_dir

DAYS_PER_MONTH = 30.4375
HORIZONS_DAYS = (30, 90, 365)


class EarningsInputError(ValueError):
    """An input that cannot be right; the message names it."""


class EarningsInputs(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    gpu_model: str
    network: str
    gpu_count: int = Field(ge=1, le=1024)
    price_per_gpu_hour_usd: float = Field(gt=0, le=100)
    utilization: float = Field(ge=0, le=1)
    take_rate: float = Field(ge=0, lt=1)
    power_watts: float = Field(gt=0, le=5000)
    idle_power_fraction: float = Field(ge=0, le=1)
    electricity_usd_per_kwh: float = Field(ge=0, le=5)
    pue: float = Field(ge=1, le=3)
    hours_per_day: float = Field(gt=0, le=24)
    hardware_cost_usd: float = Field(ge=0, le=10_000_000)
    depreciation_months: float = Field(gt=0, le=240)
    payout: Literal["usd", "usd_pegged", "token"]
    token: str | None = None
    token_price_usd: float | None = Field(default=None, gt=0)
    staking_usd: float = Field(default=0, ge=0, le=1_000_000_000)

    @model_validator(mode="after")
    def _token_payout_needs_token(self) -> EarningsInputs:
        if self.payout == "token" and not self.token:
            raise ValueError("a token payout needs the token's symbol")
        return self


@dataclass(frozen=True)
class Limits:
    """The range an input accepts, read from EarningsInputs so the page, the CLI and the model agree."""

    low: float | None
    high: float | None
    low_open: bool  # low itself is not allowed
    high_open: bool
    integer: bool

    def describe(self) -> str:
        def num(x: float) -> str:
            return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"

        kind = "a whole number" if self.integer else "a number"
        low = None if self.low is None else f"{'above' if self.low_open else 'at least'} {num(self.low)}"
        high = None if self.high is None else f"{'below' if self.high_open else 'at most'} {num(self.high)}"
        if low and high and not self.low_open and not self.high_open:
            return f"{kind} from {num(self.low)} to {num(self.high)}"
        return f"{kind} {' and '.join(p for p in (low, high) if p)}".strip()

    def problem(self, value) -> str | None:
        """None when the value is allowed, else what is wrong with it (one short sentence)."""
        if value is None or isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"must be {self.describe()}, got {value!r}"
        if self.integer and not float(value).is_integer():
            return f"must be {self.describe()}, got {value:g}"
        too_low = self.low is not None and (value <= self.low if self.low_open else value < self.low)
        too_high = self.high is not None and (value >= self.high if self.high_open else value > self.high)
        return f"must be {self.describe()}, got {value:g}" if too_low or too_high else None


def input_limits(name: str) -> Limits:
    field_info = EarningsInputs.model_fields[name]
    low = high = None
    low_open = high_open = False
    for rule in field_info.metadata:
        for attr, is_low, is_open in (
            ("ge", True, False),
            ("gt", True, True),
            ("le", False, False),
            ("lt", False, True),
        ):
            if hasattr(rule, attr):
                if is_low:
                    low, low_open = float(getattr(rule, attr)), is_open
                else:
                    high, high_open = float(getattr(rule, attr)), is_open
    return Limits(low, high, low_open, high_open, field_info.annotation is int)


def input_problem(name: str, value) -> str | None:
    return input_limits(name).problem(value)


def validate_inputs(values: dict) -> EarningsInputs:
    """Build inputs, turning pydantic's report into one readable sentence per problem."""
    try:
        return EarningsInputs(**values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(map(str, error["loc"])) or "inputs"
            problems.append(f"{name}: {error['msg']} (got {error.get('input')!r})")
        raise EarningsInputError("; ".join(problems)) from exc


@dataclass
class EarningsResult:
    gross_usd_per_day: float
    fees_usd_per_day: float
    revenue_usd_per_day: float
    energy_kwh_per_day: float
    power_cost_usd_per_day: float
    net_usd_per_day: float
    depreciation_usd_per_day: float
    net_after_depreciation_usd_per_day: float
    gross_usd_per_month: float
    net_usd_per_month: float
    net_after_depreciation_usd_per_month: float
    payback_months: float | None
    break_even_utilization: float | None
    break_even_utilization_with_depreciation: float | None
    break_even_token_price_usd: float | None
    tokens_per_day: float | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def compute(inputs: EarningsInputs) -> EarningsResult:
    i = inputs
    rented_hours = i.hours_per_day * i.utilization
    gross = i.price_per_gpu_hour_usd * rented_hours * i.gpu_count
    fees = gross * i.take_rate
    revenue = gross - fees
    energy = _energy_kwh(i, i.utilization)
    power_cost = energy * i.electricity_usd_per_kwh
    net = revenue - power_cost
    depreciation = i.hardware_cost_usd * i.gpu_count / (i.depreciation_months * DAYS_PER_MONTH)
    # net(u) = u * slope - idle_cost: solve for the utilization that pays the power (and the hardware)
    full = i.price_per_gpu_hour_usd * i.hours_per_day * i.gpu_count * (1 - i.take_rate)
    kwh_busy = _energy_kwh(i, 1.0) - _energy_kwh(i, 0.0)
    idle_cost = _energy_kwh(i, 0.0) * i.electricity_usd_per_kwh
    slope = full - kwh_busy * i.electricity_usd_per_kwh
    notes = []
    tokens_per_day = None
    break_even_price = None
    if i.payout == "token" and i.token_price_usd:
        tokens_per_day = revenue / i.token_price_usd
        if tokens_per_day > 0:
            break_even_price = (power_cost + depreciation) / tokens_per_day
    if i.staking_usd:
        notes.append(f"{i.staking_usd:,.0f} USD staked is capital at risk, not counted as a cost")
    return EarningsResult(
        gross_usd_per_day=gross,
        fees_usd_per_day=fees,
        revenue_usd_per_day=revenue,
        energy_kwh_per_day=energy,
        power_cost_usd_per_day=power_cost,
        net_usd_per_day=net,
        depreciation_usd_per_day=depreciation,
        net_after_depreciation_usd_per_day=net - depreciation,
        gross_usd_per_month=gross * DAYS_PER_MONTH,
        net_usd_per_month=net * DAYS_PER_MONTH,
        net_after_depreciation_usd_per_month=(net - depreciation) * DAYS_PER_MONTH,
        payback_months=_payback_months(i.hardware_cost_usd * i.gpu_count + i.staking_usd, net),
        break_even_utilization=_within_unit(idle_cost / slope) if slope > 0 else None,
        break_even_utilization_with_depreciation=_within_unit((idle_cost + depreciation) / slope)
        if slope > 0
        else None,
        break_even_token_price_usd=break_even_price,
        tokens_per_day=tokens_per_day,
        notes=notes,
    )


def _payback_months(capital_usd: float, net_usd_per_day: float) -> float | None:
    """Months of net income to recover the capital: 0 (immediate) when nothing is invested, None (never) when
    the net is not positive."""
    if capital_usd <= 0:
        return 0.0
    return capital_usd / (net_usd_per_day * DAYS_PER_MONTH) if net_usd_per_day > 0 else None


def _energy_kwh(i: EarningsInputs, utilization: float) -> float:
    duty = utilization + (1 - utilization) * i.idle_power_fraction
    return i.gpu_count * i.power_watts * i.hours_per_day * duty * i.pue / 1000


def _within_unit(value: float) -> float | None:
    return value if 0 <= value <= 1 else None


TORNADO_SWINGS = {
    "utilization": ("abs", 0.2),
    "price_per_gpu_hour_usd": ("rel", 0.25),
    "take_rate": ("rel", 0.5),
    "electricity_usd_per_kwh": ("rel", 0.5),
    "power_watts": ("rel", 0.2),
    "hardware_cost_usd": ("rel", 0.25),
}


def tornado(inputs: EarningsInputs, metric: str = "net_after_depreciation_usd_per_day") -> pd.DataFrame:
    """Net per day when each main input moves down and up (others fixed), widest swing first."""
    base = getattr(compute(inputs), metric)
    rows = []
    for name, (kind, size) in TORNADO_SWINGS.items():
        value = getattr(inputs, name)
        low_value, high_value = (
            (value - size, value + size) if kind == "abs" else (value * (1 - size), value * (1 + size))
        )
        if name in ("utilization", "take_rate"):
            low_value, high_value = max(low_value, 0.0), min(high_value, 0.99 if name == "take_rate" else 1.0)
        if name == "price_per_gpu_hour_usd":
            low_value = max(low_value, 0.01)
        outcomes = [getattr(compute(inputs.model_copy(update={name: v})), metric) for v in (low_value, high_value)]
        rows.append(
            {
                "input": name,
                "low_value": low_value,
                "high_value": high_value,
                "metric_at_low": outcomes[0],
                "metric_at_high": outcomes[1],
                "swing": abs(outcomes[1] - outcomes[0]),
                "base": base,
            }
        )
    return pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)


def monte_carlo(
    inputs: EarningsInputs,
    daily_log_returns: pd.Series,
    *,
    horizons: tuple[int, ...] = HORIZONS_DAYS,
    paths: int = 2000,
    seed: int = 42,
) -> pd.DataFrame:
    """P10/P50/P90 of net USD earned over each horizon when revenue is paid in tokens and held.

    Each day's revenue buys tokens at that day's price; at the horizon they are worth revenue x P_H / P_d.
    Daily log returns are drawn with replacement from the token's history (seeded: reproducible)."""
    returns = np.asarray(daily_log_returns.dropna(), dtype=float)
    if len(returns) < 30:
        raise EarningsInputError(f"need at least 30 daily returns to simulate, got {len(returns)}")
    result = compute(inputs)
    rng = np.random.default_rng(seed)
    longest = max(horizons)
    draws = rng.choice(returns, size=(paths, longest), replace=True)
    log_price = np.cumsum(draws, axis=1)  # log P_d / P_0 for d = 1..longest
    rows = []
    for horizon in horizons:
        lp = log_price[:, :horizon]
        value_factor = np.exp(lp[:, -1:] - lp).sum(axis=1)  # sum over days of P_H / P_d
        value = result.revenue_usd_per_day * value_factor
        costs = (result.power_cost_usd_per_day + result.depreciation_usd_per_day) * horizon
        net = value - costs
        usd_paid = (result.revenue_usd_per_day * horizon) - costs
        rows.append(
            {
                "horizon_days": horizon,
                "p10_usd": float(np.percentile(net, 10)),
                "p50_usd": float(np.percentile(net, 50)),
                "p90_usd": float(np.percentile(net, 90)),
                "if_paid_in_usd": usd_paid,
                "prob_loss": float((net < 0).mean()),
                "paths": paths,
                "seed": seed,
            }
        )
    return pd.DataFrame(rows)


@lru_cache(maxsize=1)
def assumptions() -> dict:
    return tomllib.loads((bundled_data_dir() / "earnings_assumptions.toml").read_text(encoding="utf-8"))


def gpu_specs() -> pd.DataFrame:
    return pd.read_csv(bundled_data_dir() / "gpu_specs.csv")
