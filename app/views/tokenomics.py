"""Tokenomics: supply, valuation, emission schedule with its projection and dates of validity, dilution,
burns, and every fact with its source."""

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.markets.tokenomics import networks, schedule_dilution, supply_basis, supply_projection
from app.charts import show_chart, style
from app.data import cached_market_snapshots, ensure_database
from app.format import count, day, flag, link, show_table, text
from app.network_section import render_network_section

store = ensure_database()
db = store.locator  # identifies the store in cache keys
all_networks = networks()

st.title("Tokenomics")
names = {n.name: slug for slug, n in all_networks.items()}
ordered = sorted(names)
network = all_networks[names[st.selectbox("Network", ordered, index=ordered.index("Render Network"))]]
st.write(network.summary)

snapshots = cached_market_snapshots(db)
snap = snapshots[snapshots["token"] == network.token]
snap = snap.iloc[0] if not snap.empty else None
today = date.today()

st.subheader(f"{network.token} supply and valuation")
max_fact = network.fact("max_supply")
c1, c2, c3, c4 = st.columns(4)
if snap is not None:
    c1.metric(
        "Circulating supply", f"{snap['circulating_supply']:,.0f}" if pd.notna(snap["circulating_supply"]) else "n/a"
    )
    c2.metric("Total supply", f"{snap['total_supply']:,.0f}" if pd.notna(snap["total_supply"]) else "n/a")
    c3.metric("Market cap", f"${snap['market_cap_usd']:,.0f}" if pd.notna(snap["market_cap_usd"]) else "n/a")
    ratio = snap["fdv_usd"] / snap["market_cap_usd"] if pd.notna(snap["fdv_usd"]) and snap["market_cap_usd"] else None
    c4.metric(
        "FDV / market cap",
        f"{ratio:.2f}x" if ratio else "n/a",
        help="Fully diluted valuation over market cap: how much supply is still to come, valued today",
    )
    st.caption(f"CoinGecko snapshot of {snap['snapshot_date']} (observed {snap['observed_at']:%Y-%m-%d %H:%M} UTC).")
else:
    c1.metric("Circulating supply", "no snapshot")
    c2.metric("Market cap", "no snapshot")
    st.info(
        "No CoinGecko market snapshot in the database yet: circulating supply, market cap and FDV appear after "
        "`depin refresh --only coingecko`. The figures below come from the network's own documents."
    )
if max_fact is not None:
    c4.metric("Maximum supply", f"{float(max_fact.value):,.0f}", help=f"{max_fact.source_url} ({max_fact.as_of})")

circulating = float(snap["circulating_supply"]) if snap is not None and pd.notna(snap["circulating_supply"]) else None
basis = supply_basis(network, today, circulating, snap["snapshot_date"] if snap is not None else None)

st.subheader("Emission schedule")
MODELS = {
    "fixed_annual": "fixed amount per year",
    "ionet_hourly": "fixed hourly curve",
    "demand_linked": "linked to demand",
    "inflation_band": "inflation band",
}
show_table(
    pd.DataFrame(
        [
            {
                "start": s.start,
                "end": s.end,
                "model": MODELS.get(s.model, s.model),
                "schedule": s.label,
                "confidence": s.confidence,
                "source": s.source_url,
            }
            for s in network.emissions
        ]
    ),
    {
        "start": day("Valid from"),
        "end": day("Valid until", why_missing="open-ended"),
        "model": text("Model"),
        "schedule": text("Schedule", words=True),
        "confidence": text("Confidence"),
        "source": link("Source", link_text="open"),
    },
)
if basis is None:
    st.warning(
        "No supply figure to project from (the schedule is a rate on supply): run `depin refresh --only coingecko`."
    )
else:
    projection = supply_projection(network, basis.value, today)
    dilution = schedule_dilution(network, basis.value, today)
    st.caption(f"Projection starts from {basis.value:,.0f} {network.token}: {basis.label}.")
    covered = projection[projection["complete"]]
    if not projection["complete"].all():
        st.warning(
            "Part of the projection period has no published schedule (see 'basis'): the chart stops where the "
            "schedules in force stop. Nothing after that is projected: it is not a forecast."
        )
    if covered.empty:
        st.info(f"No published {network.token} schedule covers the coming months, so there is no projection to draw.")
    else:
        fig = go.Figure()
        dates = [today, *covered["date"]]
        low = [basis.value, *covered["supply_low"]]
        high = [basis.value, *covered["supply_high"]]
        if low == high:
            fig.add_trace(go.Scatter(x=dates, y=high, name="Projected supply", line={"color": "#0072B2"}))
        else:
            fig.add_trace(go.Scatter(x=dates, y=high, name="Upper bound", line={"color": "#0072B2"}))
            fig.add_trace(go.Scatter(x=dates, y=low, name="Lower bound", fill="tonexty", line={"color": "#0072B2"}))
        if max_fact is not None:
            fig.add_hline(y=float(max_fact.value), line_dash="dash", annotation_text="maximum supply")
        months = int(covered["months"].max())
        fig.update_layout(title=f"Projected {network.token} supply, next {months} months (published schedule)")
        show_chart(style(fig, x_title="", y_title=network.token, height=380, recolour=False))
    show_table(
        projection,
        {
            "months": count("Months ahead"),
            "date": day("Date"),
            "supply_low": count(f"Supply, low ({network.token})"),
            "supply_high": count(f"Supply, high ({network.token})"),
            "complete": flag("Schedule covers the period"),
            "basis": text("Basis", words=True),
        },
    )
    label = "Annual dilution from the schedule (next 12 months / supply now)"
    if dilution.low is None:
        st.metric(label, "unknown")
    elif dilution.complete:
        band = f"{dilution.low:.2%}" if dilution.low == dilution.high else f"{dilution.low:.2%} - {dilution.high:.2%}"
        st.metric(label, band)
    else:
        st.metric(label, "unknown", help=f"Only part of the next 12 months has a published schedule: {dilution.basis}")
        last = next((seg for seg in reversed(network.emissions) if seg.model == "fixed_annual"), None)
        if last is not None:
            rate = float(last.params["tokens_per_year"]) / basis.value
            st.caption(
                f"If the last published annual emission ({float(last.params['tokens_per_year']):,.0f} "
                f"{network.token}, valid until {last.end}) simply continued, dilution would be {rate:.2%} a "
                "year. That is an assumption, not a published schedule."
            )

st.subheader("Burns and demand")
burn = network.fact("burn_mechanism")
if burn is not None:
    st.write(f"{burn.value}  \n*Source: {burn.source_url} ({burn.as_of}, {burn.confidence} confidence)*")
render_network_section(db, default_network=network.slug)

st.subheader("Every fact, with its source")
show_table(
    pd.DataFrame(
        [
            {
                "fact": f.label,
                "value": f"{f.value:,}" if isinstance(f.value, int | float) else str(f.value),
                "unit": f.unit,
                "note": f.note,
                "as_of": f.as_of,
                "confidence": f.confidence,
                "source": f.source_url,
            }
            for f in network.facts
        ]
    ),
    {
        "fact": text("Fact", words=True),
        "value": text("Value"),
        "unit": text("Unit", why_missing="a count or ratio"),
        "note": text("Note", words=True, why_missing="no note"),
        "as_of": text("As of"),
        "confidence": text("Confidence"),
        "source": link("Source", link_text="open"),
    },
)
