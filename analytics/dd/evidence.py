"""Evidence the product has for a project, each with its source and date, and a suggested answer.

Evidence comes from a list of providers, each a function `(EvidenceContext) -> list[Evidence]`. Another
module adds evidence with one call, `register_evidence(provider)`; an item whose key already exists replaces
the earlier one (so a measured figure can replace a "share unknown" placeholder). Network evidence is always
that network's own data (offers whose provider is the project's provider), never the decentralized pool.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from analytics import queries
from analytics.bundled.registry import source_label
from analytics.dd.checklist import Evidence, Project, _now, questions
from analytics.dd.evidence_network import network_discount, provider_concentration
from analytics.formatting import provider_name, series_name
from analytics.markets.tokenomics import Network, networks, schedule_dilution, supply_basis
from analytics.store import Store


@dataclass
class EvidenceContext:
    store: Store
    project: Project
    network: Network | None  # tokenomics facts (data/tokenomics/<slug>.toml)
    today: date
    offers: pd.DataFrame  # latest firm offers of every provider (for centralized comparisons)
    mine: pd.DataFrame  # the project's own offers: provider == project.provider
    snapshot: pd.Series | None  # latest CoinGecko snapshot of the project's token
    risk: dict | None  # the token's row of token_report


EvidenceProvider = Callable[[EvidenceContext], list[Evidence]]


def suggest(value: float | None, question_id: str, higher_is_better: bool) -> float | None:
    """A suggested score from the question's thresholds in data/dd_checklist.toml."""
    q = questions()[question_id]
    if value is None or q.good is None:
        return None
    if higher_is_better:
        return 1.0 if value >= q.good else 0.5 if q.partial is not None and value >= q.partial else 0.0
    return 1.0 if value <= q.good else 0.5 if q.partial is not None and value <= q.partial else 0.0


def supply_evidence(ctx: EvidenceContext) -> list[Evidence]:
    mine, provider = ctx.mine, ctx.project.provider
    sources = ", ".join(sorted(source_label(s) for s in mine["source"].unique())) or "no offers in the data"
    as_of = mine["observed_at"].max().strftime("%Y-%m-%d") if not mine.empty else None
    where = f"latest offers of {provider_name(provider)} only ({sources})"
    count = len(mine)
    consumer = mine[mine["gpu_family"].fillna("").str.startswith("RTX")]
    families = ", ".join(sorted(consumer["gpu_family"].unique())) or "none"
    return [
        Evidence(
            "offer_count",
            count,
            f"{count} offers",
            where,
            as_of,
            # none in our data is not proof of none on the network (no price source, or an old snapshot)
            suggest(count, "offers_listed", True) if count else None,
            "" if count else "no offers in the data: no price source covers this network, or it has not been refreshed",
        ),
        Evidence(
            "consumer_gpu_offers",
            len(consumer) if count else None,
            f"{len(consumer)} consumer-GPU offers ({families})" if count else "no offers to judge from",
            where,
            as_of,
            1.0 if len(consumer) else None,  # absence from a sample is not evidence of exclusion
        ),
        network_discount(ctx.offers, mine, sources, as_of, lambda v: suggest(v, "price_competitive", True)),
        provider_concentration(mine, sources, as_of),
    ]


def burn_evidence(ctx: EvidenceContext) -> list[Evidence]:
    """'Yes' needs the share of revenue burned (a figure with a date), not only a described mechanism."""
    network = ctx.network
    share = network.fact("revenue_burned_share") if network else None
    mechanism = network.fact("burn_mechanism") if network else None
    if share is not None:
        value = float(share.value)
        return [
            Evidence(
                "burn_share",
                value,
                f"{value:.0%} of network revenue burned or bought back",
                share.source_url,
                share.as_of,
                suggest(value, "burn_or_buyback", True),
                share.note or "",
            )
        ]
    if mechanism is not None:
        return [
            Evidence(
                "burn_share",
                None,
                "mechanism exists, share unknown",
                mechanism.source_url,
                mechanism.as_of,
                None,
                f"{mechanism.value} (no figure for the share of revenue burned)",
            )
        ]
    return [Evidence("burn_share", None, "no burn mechanism on record", "data/tokenomics", None)]


def valuation_evidence(ctx: EvidenceContext) -> list[Evidence]:
    snap = ctx.snapshot
    ratio = None
    if snap is not None and pd.notna(snap["fdv_usd"]) and snap["market_cap_usd"]:
        ratio = float(snap["fdv_usd"] / snap["market_cap_usd"])
    return [
        Evidence(
            "fdv_to_market_cap",
            ratio,
            f"{ratio:.2f}x" if ratio else "no CoinGecko snapshot",
            "CoinGecko /coins/markets" if snap is not None else "run depin refresh --only coingecko",
            str(snap["snapshot_date"]) if snap is not None else None,
            suggest(ratio, "valuation_overhang", False),
        )
    ]


def dilution_evidence(ctx: EvidenceContext) -> list[Evidence]:
    """Annual dilution from the supply history, else the emission schedule, else the governance band."""
    from analytics.token_report import supply_history_dilution

    network, today, token = ctx.network, ctx.today, ctx.project.token

    def item(value, display, source, as_of, note=""):
        return Evidence("annual_dilution", value, display, source, as_of, suggest(value, "dilution", False), note)

    history = supply_history_dilution(ctx.store, token) if token and ctx.store.exists() else None
    if history is not None:
        return [item(history, f"{history:.1%} a year", "circulating supply history (CoinGecko snapshots)", today)]
    if network is None:
        return [item(None, "unknown", "no schedule, supply history or inflation band on record", None)]
    snap = ctx.snapshot
    circulating = (
        float(snap["circulating_supply"]) if snap is not None and pd.notna(snap["circulating_supply"]) else None
    )
    basis = supply_basis(network, today, circulating)
    note = ""
    if basis is not None:
        estimate = schedule_dilution(network, basis.value, today)
        if estimate.low is not None and estimate.complete:
            ranged = estimate.low != estimate.high
            return [
                item(
                    estimate.high,  # the conservative end of a range
                    f"{estimate.high:.1%} a year",
                    f"emission schedule ({estimate.basis}) on {basis.label}",
                    today.isoformat(),
                    f"range {estimate.low:.1%}-{estimate.high:.1%}; scored on the high end" if ranged else "",
                )
            ]
        note = "the next 12 months are not covered by a published schedule"
    band = _inflation_band(network, today)
    if band is not None:
        return [
            item(
                band.params["max_rate"],
                f"{band.params['min_rate']:.0%}-{band.params['max_rate']:.0%} a year (governance inflation band)",
                f"governance inflation band: {band.label} ({band.source_url}, {band.confidence} confidence)",
                band.start.isoformat(),
                "a band set by governance, not a measured rate; scored on the high end",
            )
        ]
    return [item(None, "unknown", "no supply history, complete schedule or inflation band", None, note)]


def _inflation_band(network: Network, today: date):
    bands = [s for s in network.emissions if s.model == "inflation_band" and s.start <= today]
    current = [s for s in bands if s.covers(today)]
    return (current or bands or [None])[-1]


def coverage_evidence(ctx: EvidenceContext) -> list[Evidence]:
    return [
        Evidence(
            "issuance_coverage",
            None,
            "unknown",
            "needs burn or fee revenue data, which no bundled source carries",
            None,
            None,
            "value burned or paid by users / value emitted",
        )
    ]


def token_risk_evidence(ctx: EvidenceContext) -> list[Evidence]:
    risk = ctx.risk
    vol = risk["volatility_90d"] if risk else None
    series = risk["series"] if risk else None
    source = series_name(series["symbol"], series["exchange"], series["instrument"]) if series else "no candles"
    drawdown = risk["max_drawdown"] if risk else None
    return [
        Evidence(
            "volatility_90d",
            vol,
            f"{vol:.0%} annualised" if vol is not None else "no candles",
            source,
            risk["as_of"] if risk else None,
            suggest(vol, "token_risk", False),
            f"max drawdown {drawdown:.0%}" if drawdown is not None else "",
        ),
        Evidence(
            "max_drawdown",
            drawdown,
            f"{drawdown:.0%}" if drawdown is not None else "no candles",
            source,
            risk["as_of"] if risk else None,
        ),
    ]


EVIDENCE_PROVIDERS: list[EvidenceProvider] = [
    supply_evidence,
    burn_evidence,
    valuation_evidence,
    dilution_evidence,
    coverage_evidence,
    token_risk_evidence,
]


def register_evidence(provider: EvidenceProvider) -> None:
    """Add an evidence provider (run after the built-in ones; its items replace same-key items)."""
    if provider not in EVIDENCE_PROVIDERS:
        EVIDENCE_PROVIDERS.append(provider)


def gather_evidence(store: Store, project: Project, today: date | None = None) -> dict[str, Evidence]:
    """Evidence the product has for a project, each with its source and date (None value: missing)."""
    from analytics.token_report import latest_market_snapshots, token_report

    today = today or _now().date()
    offers = queries.latest_offers(store, pricing_kinds=queries.FIRM_PRICING_KINDS)
    mine = offers[offers["provider"] == project.provider] if project.provider else offers.iloc[0:0]
    snapshots = latest_market_snapshots(store)
    snap = snapshots[snapshots["token"] == project.token] if project.token else snapshots.iloc[0:0]
    risk = next((r for r in token_report(store) if r["token"] == project.token), None) if project.token else None
    ctx = EvidenceContext(
        store,
        project,
        networks().get(project.tokenomics or ""),
        today,
        offers,
        mine,
        snap.iloc[0] if not snap.empty else None,
        risk,
    )
    evidence: dict[str, Evidence] = {}
    for provider in EVIDENCE_PROVIDERS:
        for item in provider(ctx):
            evidence[item.key] = item
    evidence["data_freshness"] = _freshness(evidence, today)
    return evidence


def _freshness(evidence: dict[str, Evidence], today: date) -> Evidence:
    """Age of the oldest market data used (offers and candles): facts from documents are dated separately."""
    dates = [str(evidence[k].as_of)[:10] for k in ("offer_count", "volatility_90d") if evidence[k].as_of]
    age = (today - date.fromisoformat(min(dates))).days if dates else None
    return Evidence(
        "data_freshness",
        age,
        f"oldest evidence {age} days old" if age is not None else "no dated evidence",
        "offers and candles above",
        min(dates) if dates else None,
        suggest(age, "fresh_data", False),
    )


def network_economics_evidence(ctx: EvidenceContext) -> list[Evidence]:
    """Issuance coverage (and, where measured, demand and provider uptime) from analytics.network, with
    dates; evidence over a year old says so. Replaces the "unknown" coverage placeholder where data exists."""
    from analytics.network.evidence import network_evidence

    scored = {"issuance_coverage": "emissions_vs_demand", "provider_uptime": "uptime_latency_evidence"}
    items = {i["key"]: i for i in network_evidence(ctx.store, ctx.project.tokenomics or "", ctx.today)}
    out = []
    for key in ("issuance_coverage", "network_demand", "provider_uptime"):
        item = items.get(key)
        if item is None:
            continue
        score = None
        question = questions().get(scored.get(key, ""))
        if question is not None and question.good is not None:
            score = suggest(item["value"], question.id, True)
        note = "stale: over a year old" if item.get("stale") else ""
        if key == "issuance_coverage":
            note = "; ".join(n for n in (note, "revenue paid by users / value emitted, same period") if n)
        out.append(Evidence(key, item["value"], item["display"], item["source"], item["date"], score, note))
    return out


register_evidence(network_economics_evidence)
