"""Due-diligence evidence from network metrics: each item with its value, source and date, and flagged
stale when the date is more than a year before `today` (a 2025 snapshot says little about demand now)."""

from __future__ import annotations

from datetime import date

from analytics.network import NETWORKS
from analytics.network.report import STALE_AFTER_DAYS, network_report
from analytics.store import Store


def _item(key, label, value, display, source, when, today: date) -> dict:
    when = date.fromisoformat(str(when)[:10]) if when is not None else None
    stale = when is not None and (today - when).days > STALE_AFTER_DAYS
    return {"key": key, "label": label, "value": value, "display": display, "source": source,
            "date": when.isoformat() if when else None, "stale": stale}  # fmt: skip


def network_evidence(store: Store, network: str, today: date | None = None) -> list[dict]:
    """Evidence items for one network (demand, revenue, coverage, emissions, utilisation, uptime)."""
    if network not in NETWORKS:
        return []
    today = today or date.today()
    report = network_report(store, network, today)
    items = []
    demand = report["demand_metric"]
    if demand:
        last = [p for p in report["series"][demand] if "partial_day" not in p["flags"]][-1]
        items.append(_item("network_demand", "Demand (USD per day)", last["value"], f"${last['value']:,.0f} a day",
                           f"{demand} ({last['source']})", last["date"], today))  # fmt: skip
    annual = report["annualised_revenue"]
    if annual:
        items.append(
            _item(
                "annualised_revenue",
                "Annualised revenue",
                annual["usd"],
                f"${annual['usd']:,.0f} a year",
                f"mean of {annual['days_observed']} day(s) to {annual['end']} x 365",
                annual["end"],
                today,
            )
        )
    coverage = sorted(report["coverage_monthly"], key=lambda c: str(c["month"]))
    if coverage:
        c = coverage[-1]
        items.append(_item("issuance_coverage", "Issuance coverage", c["coverage"],
                           f"{c['coverage']:.2f}x in {str(c['month'])[:7]}",
                           f"revenue {c['revenue_source']} ({c['days_observed']}/{c['days_in_month']} days) / "
                           f"emissions {c['emission_source']}", c["month"], today))  # fmt: skip
    else:
        reason = "; ".join(m for m in report["missing"] if not m.startswith(("FDV", "schedule")))
        items.append(_item("issuance_coverage", "Issuance coverage", None, "unknown", reason or "no data", None, today))
    with_usd = [e for e in report["emissions"] if e["usd"] is not None]
    if with_usd:
        e = max(with_usd, key=lambda row: str(row["month"]))
        items.append(_item("emissions_usd_month", "Token incentives (USD, one month)", e["usd"],
                           f"${e['usd']:,.0f} in {str(e['month'])[:7]}", f"{e['source']}: {e['basis']}",
                           e["month"], today))  # fmt: skip
    if report["utilisation"]:
        u = report["utilisation"][-1]
        items.append(_item("gpu_utilisation", "GPU utilisation", u["value"], f"{u['value']:.1%}",
                           f"{u['basis']} ({u['source']})", u["date"], today))  # fmt: skip
    uptime = report["provider_uptime_30d"]
    if uptime:
        items.append(_item("provider_uptime", "Provider uptime (30 days, median)", uptime["median"],
                           f"{uptime['median']:.1%}", f"Console API /v1/providers, {uptime['providers']} providers",
                           uptime["date"], today))  # fmt: skip
    return items
