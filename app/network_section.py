"""The Tokenomics page's "Demand vs emissions" section: real demand (revenue) and token incentives on one time
axis, issuance coverage where both exist, utilisation, and why anything is missing. Numbers come from
analytics.network.report (the same report as `depin network --json`)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.network import NETWORKS
from analytics.network.metrics import NAMES
from analytics.network.report import network_report, strict_json
from analytics.store.factory import store_for
from app.charts import show_chart, style
from app.data import TTL_S
from app.format import count, day, money, number, show_table, text

METRIC_LABELS = {
    "revenue_usd": "Revenue (USD per day)",
    "daily_spend_usd": "Spend by users (USD per day)",
}

ACTIVITY = (  # the supply/usage series shown under the demand chart, first one present
    ("active_providers", "Active providers"),
    ("compute_hours", "Compute hours per week"),
    ("workers_paid", "Workers paid (1kx, approximate)"),
    ("nodes_rewarded", "Nodes rewarded (1kx)"),
)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_network_report(db_path: str, network: str) -> dict:
    return strict_json(network_report(store_for(db_path), network))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def cached_measured_rates(db_path: str) -> dict[str, tuple[float, str]]:
    """Interruption rates from measured provider uptime, for the job-cost calculator (empty: none measured)."""
    from analytics.network.reliability import measured_interruption_rates

    return measured_interruption_rates(store_for(db_path))


def _usd(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.0f}"


def render_network_section(db_path: str, default_network: str | None = None) -> None:
    st.subheader("Demand vs emissions")
    st.caption(
        "Is real compute demand paying for the tokens the network hands out? Issuance coverage = revenue paid "
        "by users / value of token incentives over the same period (1.0x: demand covers issuance). Shown only "
        "where both sides exist for that period; each side names its source and dates."
    )
    order = list(NETWORKS)
    index = order.index(default_network) if default_network in order else 0
    network = st.radio("Network", order, index=index, format_func=NAMES.get, horizontal=True, key="network_economics")
    report = cached_network_report(db_path, network)
    demand = report["demand_metric"]
    revenue = report["series"].get(demand, []) if demand else []
    complete = [p for p in revenue if "partial_day" not in p["flags"]]
    monthly = sorted(report["coverage_monthly"], key=lambda c: c["month"])
    annual, fdv = report["annualised_revenue"], report["fdv_to_annualised_revenue"]

    c1, c2, c3, c4 = st.columns(4)
    if complete:
        c1.metric("Demand, last full day", _usd(complete[-1]["value"]), help=f"{complete[-1]['date']}, {demand}")
    else:
        c1.metric("Demand, last full day", "no data")
    c2.metric(
        "Annualised revenue",
        _usd(annual["usd"]) if annual else "n/a",
        help=f"mean of {annual['days_observed']} day(s) {annual['start']} .. {annual['end']} x 365" if annual else None,
    )
    if monthly:
        latest = monthly[-1]
        c3.metric(
            "Issuance coverage",
            f"{latest['coverage']:.2f}x",
            help=f"{latest['month'][:7]}: revenue {latest['revenue_source']} / emissions {latest['emission_source']}",
        )
    else:
        c3.metric("Issuance coverage", "not shown", help="one side is missing: see below")
    util = report["utilisation"]
    c4.metric(
        "GPU utilisation", f"{util[-1]['value']:.1%}" if util else "n/a", help=util[-1]["basis"] if util else None
    )
    if fdv:
        st.caption(f"FDV / annualised revenue: {fdv['ratio']:,.1f}x (CoinGecko snapshot of {fdv['snapshot_date']}).")

    fig = go.Figure()
    if revenue:
        fig.add_trace(
            go.Scatter(
                x=[p["date"] for p in revenue],
                y=[p["value"] for p in revenue],
                name=METRIC_LABELS.get(demand, demand),
                mode="lines+markers" if len(revenue) < 40 else "lines",
            )
        )
    for source in ("1kx", "schedule"):
        rows = [e for e in report["emissions"] if e["source"] == source and e["usd_per_day"] is not None]
        if rows:  # a step per month, drawn to the last month's end
            fig.add_trace(
                go.Scatter(
                    x=[e["month"] for e in rows] + [rows[-1]["month_end"]],
                    y=[e["usd_per_day"] for e in rows] + [rows[-1]["usd_per_day"]],
                    name=f"Token incentives, {source} (USD per day, monthly)",
                    line={"shape": "hv", "dash": "dot" if source == "schedule" else "solid"},
                )
            )
    if fig.data:
        fig.update_layout(title=f"{report['name']}: demand vs token incentives, USD per day", showlegend=True)
        show_chart(style(fig, x_title="", y_title="USD per day", height=420), key="network_demand")
    growth = report["demand_growth_30d"]
    if growth:
        st.caption(
            f"Demand growth: mean {_usd(growth['mean_daily_usd'])} a day in the 30 days to {growth['end']} vs "
            f"{_usd(growth['previous_mean_daily_usd'])} in the 30 before ({growth['growth']:+.1%})."
        )
    activity = next(((key, label) for key, label in ACTIVITY if key in report["series"]), None)
    if activity:
        points = report["series"][activity[0]]
        supply = go.Figure(go.Scatter(x=[p["date"] for p in points], y=[p["value"] for p in points], name=activity[1]))
        supply.update_layout(title=f"{report['name']}: {activity[1].lower()}", showlegend=True)
        show_chart(style(supply, x_title="", y_title=activity[1], height=300), key="network_activity")

    for line in report["missing"]:
        st.info(f"Not shown - {line}", icon=":material/info:")

    if monthly:
        st.markdown("**Issuance coverage by month**")
        show_table(
            pd.DataFrame(monthly),
            {
                "month": day("Month", help="First day of the month"),
                "emission_source": text("Incentives from"),
                "revenue_usd": money("Revenue (USD)", help="Mean daily revenue of the observed days x days in month",
                                     digits=0),
                "emissions_usd": money("Token incentives (USD)", digits=0),
                "coverage": number("Coverage (x)", help="Revenue / token incentives, same month"),
                "days_observed": count("Days of demand observed"),
                "revenue_dates": text("Demand dates"),
            },
        )  # fmt: skip
    if report["emissions"]:
        with st.expander(f"Monthly token incentives ({len(report['emissions'])} rows, both sources)"):
            show_table(
                pd.DataFrame(report["emissions"]),
                {
                    "month": day("Month"),
                    "source": text("Source"),
                    "tokens": number(f"Tokens ({report['token']})", digits=0),
                    "usd": money("USD", digits=0, why_missing="no candles that month to price the tokens"),
                    "price_usd": money("Price (USD)", why_missing="no candles that month"),
                    "basis": text("Basis"),
                },
            )
            if report["emission_disagreements"]:
                st.caption(
                    f"1kx and our schedule disagree (by more than 10 %) for {len(report['emission_disagreements'])} "
                    "month(s): both are shown. 1kx counts only the reward streams it tracked; the schedule counts "
                    "everything the published emission plan releases."
                )
    sources = report["datasets"]
    if sources:
        st.caption(
            "Sources: "
            + "; ".join(f"[{d['title']}]({d['source_url']}) ({d['first_date']} .. {d['last_date']})" for d in sources)
        )
