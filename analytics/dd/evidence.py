"""Evidence the product has for a project, each with its source and date, and a suggested answer."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd

from analytics import queries
from analytics.dd.checklist import Evidence, Project, _now, questions
from analytics.markets.tokenomics import networks, schedule_dilution, supply_basis
from analytics.store import Store


def _suggest(value: float | None, good: float | None, partial: float | None, higher_is_better: bool) -> float | None:
    if value is None or good is None:
        return None
    if higher_is_better:
        return 1.0 if value >= good else 0.5 if partial is not None and value >= partial else 0.0
    return 1.0 if value <= good else 0.5 if partial is not None and value <= partial else 0.0


def gather_evidence(store: Store, project: Project, today: date | None = None) -> dict[str, Evidence]:
    """Evidence the product has for a project, each with its source and date (None value: missing)."""
    from analytics.token_report import latest_market_snapshots, token_report

    today = today or _now().date()
    q = questions()
    evidence: dict[str, Evidence] = {}
    offers = queries.latest_offers(store, pricing_kinds=queries.FIRM_PRICING_KINDS)
    mine = offers[offers["provider"] == project.provider] if project.provider else offers.iloc[0:0]
    sources = ", ".join(sorted(mine["source"].unique())) or "no offers in the data"
    as_of = mine["observed_at"].max().strftime("%Y-%m-%d") if not mine.empty else None

    count = len(mine)
    evidence["offer_count"] = Evidence(
        "offer_count",
        count,
        f"{count} offers",
        f"latest offers for provider {project.provider} ({sources})",
        as_of,
        # none in our data is not proof of none on the network (no price source, or an old snapshot)
        _suggest(count, q["offers_listed"].good, q["offers_listed"].partial, True) if count else None,
        "" if count else "no offers in the data: no price source covers this network, or it has not been refreshed",
    )
    consumer = mine[mine["gpu_family"].fillna("").str.startswith("RTX")]
    evidence["consumer_gpu_offers"] = Evidence(
        "consumer_gpu_offers",
        len(consumer) if count else None,
        f"{len(consumer)} consumer-GPU offers ({', '.join(sorted(consumer['gpu_family'].unique())) or 'none'})"
        if count
        else "no offers to judge from",
        f"latest offers for provider {project.provider} ({sources})",
        as_of,
        1.0 if len(consumer) else None,  # absence from a sample is not evidence of exclusion
    )
    evidence["network_discount"] = _network_discount(offers, mine, sources, as_of, q["price_competitive"])
    evidence["provider_concentration"] = _providers(mine, sources, as_of)

    network = networks().get(project.tokenomics or "")
    burn = network.fact("burn_mechanism") if network else None
    evidence["burn_mechanism"] = Evidence(
        "burn_mechanism",
        burn.value if burn else None,
        burn.value if burn else "no burn mechanism on record",
        burn.source_url if burn else "data/tokenomics",
        burn.as_of if burn else None,
        1.0 if burn and burn.confidence in ("high", "medium") else None,
    )

    snapshots = latest_market_snapshots(store)
    snap = snapshots[snapshots["token"] == project.token] if project.token else snapshots.iloc[0:0]
    snap = snap.iloc[0] if not snap.empty else None
    ratio = None
    if snap is not None and pd.notna(snap["fdv_usd"]) and snap["market_cap_usd"]:
        ratio = float(snap["fdv_usd"] / snap["market_cap_usd"])
    evidence["fdv_to_market_cap"] = Evidence(
        "fdv_to_market_cap",
        ratio,
        f"{ratio:.2f}x" if ratio else "no CoinGecko snapshot",
        "CoinGecko /coins/markets" if snap is not None else "run depin refresh --only coingecko",
        str(snap["snapshot_date"]) if snap is not None else None,
        _suggest(ratio, q["valuation_overhang"].good, q["valuation_overhang"].partial, False),
    )

    dilution, dilution_note, dilution_source = None, "", "no schedule or supply history"
    if network is not None:
        circulating = (
            float(snap["circulating_supply"]) if snap is not None and pd.notna(snap["circulating_supply"]) else None
        )
        basis = supply_basis(network, today, circulating)
        if basis is not None:
            estimate = schedule_dilution(network, basis.value, today)
            dilution_source = f"emission schedule ({estimate.basis}) on {basis.label}"
            if estimate.low is not None and estimate.complete:
                dilution = estimate.high  # the conservative end of a range
                if estimate.low != estimate.high:
                    dilution_note = f"range {estimate.low:.1%}-{estimate.high:.1%}; scored on the high end"
            else:
                dilution_note = "the next 12 months are not covered by a published schedule"
    evidence["annual_dilution"] = Evidence(
        "annual_dilution",
        dilution,
        f"{dilution:.1%} a year" if dilution is not None else "unknown",
        dilution_source,
        today.isoformat(),
        _suggest(dilution, q["dilution"].good, q["dilution"].partial, False),
        dilution_note,
    )
    evidence.update(_network_economics(store, project, today, q))

    risk = next((r for r in token_report(store) if r["token"] == project.token), None) if project.token else None
    vol = risk["volatility_90d"] if risk else None
    series = risk["series"] if risk else None
    evidence["volatility_90d"] = Evidence(
        "volatility_90d",
        vol,
        f"{vol:.0%} annualised" if vol is not None else "no candles",
        f"{series['symbol']} on {series['exchange']} ({series['instrument']})" if series else "no candles",
        risk["as_of"] if risk else None,
        _suggest(vol, q["token_risk"].good, q["token_risk"].partial, False),
        f"max drawdown {risk['max_drawdown']:.0%}" if risk and risk["max_drawdown"] is not None else "",
    )
    evidence["max_drawdown"] = Evidence(
        "max_drawdown",
        risk["max_drawdown"] if risk else None,
        f"{risk['max_drawdown']:.0%}" if risk and risk["max_drawdown"] is not None else "no candles",
        evidence["volatility_90d"].source,
        risk["as_of"] if risk else None,
    )

    dates = [d for d in (as_of, risk["as_of"] if risk else None) if d]
    age = (today - date.fromisoformat(min(dates))).days if dates else None
    evidence["data_freshness"] = Evidence(
        "data_freshness",
        age,
        f"oldest evidence {age} days old" if age is not None else "no dated evidence",
        "offers and candles above",
        min(dates) if dates else None,
        _suggest(age, q["fresh_data"].good, q["fresh_data"].partial, False),
    )
    return evidence


def _network_discount(offers, mine, sources, as_of, question) -> Evidence:
    central = offers[offers["market_model"] == "centralized"]
    rows = []
    for family, group in mine.groupby("gpu_family"):
        c = central[central["gpu_family"] == family]["price_per_gpu_hour_usd"]
        if len(c) >= 3:
            rows.append((family, len(group), 1 - group["price_per_gpu_hour_usd"].median() / c.median()))
    if not rows:
        return Evidence("network_discount", None, "no comparable GPUs", sources, as_of)
    weight = sum(n for _, n, _ in rows)
    value = sum(n * d for _, n, d in rows) / weight
    detail = ", ".join(f"{f} {d:+.0%}" for f, _, d in rows)
    return Evidence(
        "network_discount",
        value,
        f"{value:+.0%} vs centralized medians ({detail})",
        f"{sources} vs centralized offers",
        as_of,
        _suggest(value, question.good, question.partial, True),
    )


def _providers(mine: pd.DataFrame, sources: str, as_of) -> Evidence:
    counts = []
    for raw in mine.get("attributes", pd.Series(dtype=object)).dropna():
        try:
            value = json.loads(raw).get("providers_total")
        except (ValueError, AttributeError):
            continue
        if value is not None:
            counts.append(int(value))
    if not counts:
        return Evidence(
            "provider_concentration",
            None,
            "no per-provider data",
            sources,
            as_of,
            note="the Akash collector records how many providers bid per GPU model",
        )
    top = max(counts)
    return Evidence(
        "provider_concentration",
        top,
        f"up to {top} independent providers bidding per GPU model",
        sources,
        as_of,
        1.0 if top >= 20 else 0.5 if top >= 5 else 0.0,
    )


def _network_economics(store: Store, project: Project, today: date, q) -> dict[str, Evidence]:
    """Issuance coverage (and, where measured, demand and uptime) from analytics.network, with dates;
    evidence over a year old says so in its note."""
    from analytics.network.evidence import network_evidence

    items = {i["key"]: i for i in network_evidence(store, project.tokenomics or "", today)}
    out = {}
    for key in ("issuance_coverage", "network_demand", "provider_uptime"):
        item = items.get(key)
        if item is None and key != "issuance_coverage":
            continue  # coverage is always listed (a missing one says why); demand and uptime when measured
        item = item or {"value": None, "display": "unknown", "source": "no network metrics", "date": None}
        question = {"issuance_coverage": "emissions_vs_demand", "provider_uptime": "uptime_latency_evidence"}.get(key)
        score = _suggest(item["value"], q[question].good, q[question].partial, True) if question else None
        note = "stale: over a year old" if item.get("stale") else ""
        if key == "issuance_coverage":
            note = "; ".join(n for n in (note, "revenue paid by users / value emitted, same period") if n)
        out[key] = Evidence(key, item["value"], item["display"], item["source"], item["date"], score, note)
    return out
