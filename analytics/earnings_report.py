"""Node earnings with every input resolved to a value and a source: the page, `depin earnings` and
notebooks/03_node_payback all call `earnings_report`, so they agree by construction."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from analytics.earnings_defaults import PROXY_ORDER, default_price, stale_warning
from analytics.formatting import series_name, usd
from analytics.metrics.earnings import (
    EarningsInputError,
    assumptions,
    compute,
    gpu_specs,
    monte_carlo,
    tornado,
    validate_inputs,
)
from analytics.metrics.tokens import log_returns
from analytics.normalize import normalize_gpu
from analytics.store import Store
from analytics.token_report import token_close_series

# The market overview: "high-end NVIDIA GPUs can generate between $3.00 and $7.00 daily".
OVERVIEW_CLAIM_USD_PER_DAY = (3.0, 7.0)


def networks() -> dict[str, dict]:
    return assumptions()["networks"]


def gpu_spec(gpu: str) -> tuple[pd.Series, str]:
    """The spec row for a GPU name, canonical key or family; raises EarningsInputError when unknown."""
    specs = gpu_specs()
    model = normalize_gpu(gpu)
    if model.key is None:
        raise EarningsInputError(f"unknown GPU {gpu!r}; known: {', '.join(specs['model_key'])}")
    exact = specs[specs["model_key"] == model.key]
    if not exact.empty:
        return exact.iloc[0], f"{model.key} spec sheet ({exact.iloc[0]['source']})"
    family = specs[specs["family"] == model.family]
    if family.empty:
        raise EarningsInputError(
            f"no power/VRAM spec for {gpu!r} ({model.key}); known: {', '.join(specs['model_key'])}"
        )
    row = family.iloc[0]
    return row, f"{row['model_key']} spec sheet, the first {model.family} variant ({row['source']})"


def resolve_inputs(
    store: Store,
    gpu: str,
    network_name: str = "akash",
    *,
    proxy_segment: str | None = None,
    today: date | None = None,
    **overrides: Any,
):
    """(inputs, sources, market info): defaults from data and assumptions, then the caller's overrides.

    market info: the price default (the network's own price or a labelled proxy), the token's closes, and
    warnings for inputs whose data is more than STALE_AFTER_DAYS older than today."""
    nets = networks()
    if network_name not in nets:
        raise EarningsInputError(f"unknown network {network_name!r}; known: {', '.join(nets)}")
    if proxy_segment is not None and proxy_segment not in PROXY_ORDER:
        raise EarningsInputError(f"unknown proxy segment {proxy_segment!r}; known: {', '.join(PROXY_ORDER)}")
    today = today or datetime.now(UTC).date()
    network = nets[network_name]
    defaults = assumptions()["defaults"]
    spec, spec_source = gpu_spec(gpu)
    price = default_price(store, spec, network_name, network, proxy_segment or defaults.get("proxy_segment"))
    hardware = assumptions()["hardware_cost_usd"].get(spec["family"])
    values: dict[str, Any] = {
        "gpu_model": spec["model_key"],
        "network": network_name,
        "gpu_count": defaults["gpu_count"],
        "price_per_gpu_hour_usd": price.price_usd,
        "utilization": defaults["utilization"],
        "take_rate": network["take_rate"],
        "power_watts": float(spec["tdp_watts"]),
        "idle_power_fraction": defaults["idle_power_fraction"],
        "electricity_usd_per_kwh": defaults["electricity_usd_per_kwh"],
        "pue": defaults["pue"],
        "hours_per_day": 24.0,
        "hardware_cost_usd": hardware if hardware is not None else 0.0,
        "depreciation_months": defaults["depreciation_months"],
        "payout": network["payout"],
        "token": network.get("token"),
        "staking_usd": network.get("staking_usd", 0),
    }
    sources = {
        "gpu_model": spec_source,
        "network": network.get("label", network_name),
        "gpu_count": "default",
        "price_per_gpu_hour_usd": price.source,
        "utilization": "assumption (data/earnings_assumptions.toml)",
        "take_rate": network["take_rate_source"],
        "power_watts": f"board power (TDP) from {spec_source}",
        "idle_power_fraction": "assumption (data/earnings_assumptions.toml)",
        "electricity_usd_per_kwh": "assumption (data/earnings_assumptions.toml)",
        "pue": "assumption (data/earnings_assumptions.toml)",
        "hours_per_day": "default",
        "hardware_cost_usd": "assumption: street price (data/earnings_assumptions.toml)"
        if hardware is not None
        else "unknown: set it to get a payback period",
        "depreciation_months": "assumption (data/earnings_assumptions.toml)",
        "payout": f"{network.get('label', network_name)} pays {network['payout'].replace('_', '-')}",
        "token": "data/earnings_assumptions.toml",
        "staking_usd": network.get("staking_source", ""),
    }
    closes, token_as_of = None, None
    if values["token"]:
        found = token_close_series(store, values["token"])
        if found is not None:
            closes, series = found
            values["token_price_usd"] = float(closes.iloc[-1])
            token_as_of = series["last"]
            quoted = series_name(series["symbol"], series["exchange"], series["instrument"])
            sources["token_price_usd"] = f"last close {series['last']} of {quoted}"
    for name, value in overrides.items():
        if value is not None:
            values[name] = value
            sources[name] = "your input"
    if values["price_per_gpu_hour_usd"] is None:
        raise EarningsInputError(f"{price.source}: give a price with --price-per-gpu-hour")
    inputs = validate_inputs(values)
    stale = []
    if "price_per_gpu_hour_usd" not in overrides or overrides["price_per_gpu_hour_usd"] is None:
        undated = "the source gives no date for this price: its age is unknown"
        stale.append(stale_warning("GPU price", price.price_date, today, undated_note=undated))
    if inputs.payout == "token" and token_as_of and sources.get("token_price_usd") != "your input":
        stale.append(stale_warning(f"{values['token']} price", token_as_of, today))
    return (
        inputs,
        sources,
        {
            "sample_size": price.offers,
            "closes": closes,
            "price_default": price,
            "stale_inputs": [w for w in stale if w is not None],
        },
    )


def earnings_report(
    store: Store,
    gpu: str,
    network_name: str = "akash",
    *,
    seed: int = 42,
    paths: int = 2000,
    proxy_segment: str | None = None,
    today: date | None = None,
    **overrides: Any,
) -> dict:
    inputs, sources, market = resolve_inputs(
        store, gpu, network_name, proxy_segment=proxy_segment, today=today, **overrides
    )
    result = compute(inputs)
    report = {
        "inputs": {
            name: {"value": value, "source": sources.get(name, "")} for name, value in inputs.model_dump().items()
        },
        "price_default": market["price_default"].as_dict(),
        "market_price_sample_size": market["sample_size"],
        "stale_inputs": market["stale_inputs"],
        "outputs": result.as_dict(),
        "tornado": tornado(inputs).to_dict(orient="records"),
        "overview_claim_usd_per_day": list(OVERVIEW_CLAIM_USD_PER_DAY),
        "monte_carlo": None,
    }
    if inputs.payout == "token" and market["closes"] is not None:
        mc = monte_carlo(inputs, log_returns(market["closes"]), seed=seed, paths=paths)
        report["monte_carlo"] = {
            "token": inputs.token,
            "rows": mc.to_dict(orient="records"),
            "returns_from": sources.get("token_price_usd", ""),
        }
    return report


def claim_cases(
    store: Store, network_name: str = "akash", proxy_segment: str | None = None, today: date | None = None
) -> pd.DataFrame:
    """The overview's $3-7/day claim next to the model for an H100 and an RTX 4090 at default assumptions,
    each at the network's own price where the data has one, else at the labelled proxy."""
    rows = []
    low, high = OVERVIEW_CLAIM_USD_PER_DAY
    for gpu in ("H100-SXM-80GB", "RTX4090-24GB"):
        inputs, sources, market = resolve_inputs(store, gpu, network_name, proxy_segment=proxy_segment, today=today)
        price = market["price_default"]
        result = compute(inputs)
        net_idle = compute(inputs.model_copy(update={"utilization": 0.0})).net_usd_per_day
        net_full = compute(inputs.model_copy(update={"utilization": 1.0})).net_usd_per_day

        def utilization_for(target: float, idle: float = net_idle, full: float = net_full) -> float | None:
            u = (target - idle) / (full - idle) if full != idle else None
            return u if u is not None and 0 <= u <= 1 else None

        rows.append(
            {
                "gpu": gpu,
                "network": network_name,
                "network_label": networks()[network_name].get("label", network_name),
                "price_per_gpu_hour_usd": inputs.price_per_gpu_hour_usd,
                "price_kind": price.kind,
                "price_source": sources["price_per_gpu_hour_usd"],
                "price_date": price.price_date,
                "proxy_note": price.proxy_note,
                "stale": "; ".join(w["message"] for w in market["stale_inputs"]) or None,
                "utilization": inputs.utilization,
                "gross_usd_per_day": result.gross_usd_per_day,
                "power_cost_usd_per_day": result.power_cost_usd_per_day,
                "net_usd_per_day": result.net_usd_per_day,
                "net_after_depreciation_usd_per_day": result.net_after_depreciation_usd_per_day,
                "claim_low_usd": low,
                "claim_high_usd": high,
                "net_vs_claim": "inside"
                if low <= result.net_usd_per_day <= high
                else ("above" if result.net_usd_per_day > high else "below"),
                "utilization_for_3_usd_net": utilization_for(low),
                "utilization_for_7_usd_net": utilization_for(high),
            }
        )
    return pd.DataFrame(rows)


def explain_claim(cases: pd.DataFrame) -> list[str]:
    """Plain sentences, computed from the cases, on where the model lands against the $3-7/day claim."""
    lines = []
    for r in cases.itertuples():
        if r.price_kind == "network":
            where = f"at {r.network_label}'s own price of {usd(r.price_per_gpu_hour_usd)}/GPU-hour"
            where += f" (observed {r.price_date})" if r.price_date else " (undated)"
        else:
            where = f"at {usd(r.price_per_gpu_hour_usd)}/GPU-hour, a proxy ({r.proxy_note})"
        line = (
            f"{r.gpu} on {r.network_label} {where} and {r.utilization:.0%} utilization grosses "
            f"{usd(r.gross_usd_per_day)}/day; after fees and {usd(r.power_cost_usd_per_day)} of power it nets "
            f"{usd(r.net_usd_per_day)}/day, {r.net_vs_claim} the overview's $3-7 "
            f"({usd(r.net_after_depreciation_usd_per_day)}/day after depreciation)."
        )
        band = [r.utilization_for_3_usd_net, r.utilization_for_7_usd_net]
        if all(u is not None and u == u for u in band):
            line += f" It nets $3-7/day at {band[0]:.0%}-{band[1]:.0%} utilization."
        elif band[0] is not None and band[0] == band[0]:
            line += f" It needs {band[0]:.0%} utilization to net $3/day and cannot reach $7/day."
        else:
            line += " No utilization brings it into the $3-7/day band at this price."
        if r.stale:
            line += f" Warning: {r.stale}."
        lines.append(line)
    lines.append(
        "The overview names no GPU, utilization, electricity price, or whether $3-7 is gross or net; "
        "the sensitivity chart shows which of them moves the result most."
    )
    return lines
