"""Node earnings with every input resolved to a value and a source: the page, `depin earnings` and
notebooks/03_node_payback all call `earnings_report`, so they agree by construction."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analytics import queries
from analytics.formatting import money
from analytics.metrics.earnings import (
    EarningsInputError,
    assumptions,
    compute,
    gpu_specs,
    monte_carlo,
    tornado,
    validate_inputs,
)
from analytics.metrics.prices import MIN_SAMPLE
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


def market_price(store: Store, spec: pd.Series, network: dict) -> tuple[float | None, str, int]:
    """Median latest firm price per GPU-hour for this GPU on the network, else on decentralized markets."""
    offers = queries.latest_offers(store, pricing_kinds=queries.FIRM_PRICING_KINDS)
    for key_column, key in (("gpu_model", spec["model_key"]), ("gpu_family", spec["family"])):
        same_gpu = offers[offers[key_column] == key]
        provider = network.get("provider")
        for scope, subset in (
            (f"{provider} offers", same_gpu[same_gpu["provider"] == provider] if provider else same_gpu.iloc[0:0]),
            ("decentralized offers", same_gpu[same_gpu["market_model"] == "decentralized"]),
        ):
            if len(subset) >= MIN_SAMPLE:
                sources = ", ".join(sorted(subset["source"].unique()))
                return (
                    float(subset["price_per_gpu_hour_usd"].median()),
                    f"median of {len(subset)} {scope} for {key} ({sources})",
                    len(subset),
                )
    return None, f"no market price for {spec['model_key']} (fewer than {MIN_SAMPLE} offers)", 0


def resolve_inputs(store: Store, gpu: str, network_name: str = "akash", **overrides: Any):
    """(inputs, sources, market info): defaults from data and assumptions, then the caller's overrides."""
    nets = networks()
    if network_name not in nets:
        raise EarningsInputError(f"unknown network {network_name!r}; known: {', '.join(nets)}")
    network = nets[network_name]
    defaults = assumptions()["defaults"]
    spec, spec_source = gpu_spec(gpu)
    price, price_source, sample = market_price(store, spec, network)
    hardware = assumptions()["hardware_cost_usd"].get(spec["family"])
    values: dict[str, Any] = {
        "gpu_model": spec["model_key"],
        "network": network_name,
        "gpu_count": defaults["gpu_count"],
        "price_per_gpu_hour_usd": price,
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
        "price_per_gpu_hour_usd": price_source,
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
    closes = None
    if values["token"]:
        found = token_close_series(store, values["token"])
        if found is not None:
            closes, series = found
            values["token_price_usd"] = float(closes.iloc[-1])
            sources["token_price_usd"] = (
                f"last close {series['last']} of {series['symbol']} on {series['exchange']} ({series['instrument']})"
            )
    for name, value in overrides.items():
        if value is not None:
            values[name] = value
            sources[name] = "your input"
    if values["price_per_gpu_hour_usd"] is None:
        raise EarningsInputError(f"{price_source}: give a price with --price-per-gpu-hour")
    inputs = validate_inputs(values)
    return inputs, sources, {"sample_size": sample, "closes": closes}


def earnings_report(
    store: Store, gpu: str, network_name: str = "akash", *, seed: int = 42, paths: int = 2000, **overrides: Any
) -> dict:
    inputs, sources, market = resolve_inputs(store, gpu, network_name, **overrides)
    result = compute(inputs)
    report = {
        "inputs": {
            name: {"value": value, "source": sources.get(name, "")} for name, value in inputs.model_dump().items()
        },
        "market_price_sample_size": market["sample_size"],
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


def claim_cases(store: Store, network_name: str = "akash") -> pd.DataFrame:
    """The overview's $3-7/day claim next to the model for an H100 and an RTX 4090 at default assumptions."""
    rows = []
    low, high = OVERVIEW_CLAIM_USD_PER_DAY
    for gpu in ("H100-SXM-80GB", "RTX4090-24GB"):
        inputs, sources, _ = resolve_inputs(store, gpu, network_name)
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
                "price_per_gpu_hour_usd": inputs.price_per_gpu_hour_usd,
                "price_source": sources["price_per_gpu_hour_usd"],
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
        line = (
            f"{r.gpu} on {r.network} at ${r.price_per_gpu_hour_usd:.2f}/GPU-hour ({r.price_source}) and "
            f"{r.utilization:.0%} utilization grosses ${r.gross_usd_per_day:.2f}/day; after fees and "
            f"${r.power_cost_usd_per_day:.2f} of power it nets {money(r.net_usd_per_day)}/day, {r.net_vs_claim} the "
            f"overview's $3-7 ({money(r.net_after_depreciation_usd_per_day)}/day after depreciation)."
        )
        band = [r.utilization_for_3_usd_net, r.utilization_for_7_usd_net]
        if all(u is not None and u == u for u in band):
            line += f" It nets $3-7/day at {band[0]:.0%}-{band[1]:.0%} utilization."
        elif band[0] is not None and band[0] == band[0]:
            line += f" It needs {band[0]:.0%} utilization to net $3/day and cannot reach $7/day."
        else:
            line += " No utilization brings it into the $3-7/day band at this price."
        lines.append(line)
    lines.append(
        "The overview names no GPU, utilization, electricity price, or whether $3-7 is gross or net; "
        "the sensitivity chart shows which of them moves the result most."
    )
    return lines
