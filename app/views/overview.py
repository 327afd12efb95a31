"""Overview: how many offers, what an H100 hour costs centralized vs decentralized, the network tokens,
and how fresh all of it is."""

import plotly.express as px
import streamlit as st

from analytics.queries import FIRM_PRICING_KINDS
from app.data import cached_latest_offers, cached_overview, ensure_database, pct, stale_banner, usd

store = ensure_database()
kpis = cached_overview(store.locator)

st.title("DePIN Lens")
st.caption("Is decentralized GPU compute really cheaper than the clouds, and are the tokens behind it sound?")

if kpis.freshness.bundled_only:
    st.info(kpis.freshness.message, icon=":material/inventory_2:")
else:
    st.success(kpis.freshness.message, icon=":material/schedule:")
stale_banner(store.locator)

c1, c2, c3 = st.columns(3)
c1.metric("GPU offers (latest price per offer)", f"{kpis.offers:,}")
c2.metric("Providers", f"{kpis.providers:,}")
c3.metric("Sources", f"{kpis.sources:,}")

st.subheader(f"{kpis.family}: price per GPU-hour, centralized vs decentralized")
central, decentral = kpis.prices["centralized"], kpis.prices["decentralized"]
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric("Centralized: cheapest", usd(central.cheapest_usd), help=f"Provider: {central.cheapest_provider}")
c2.metric("Centralized: median", usd(central.median_usd), help=f"{central.offers} offers")
c3.metric("Decentralized: cheapest", usd(decentral.cheapest_usd), help=f"Provider: {decentral.cheapest_provider}")
c4.metric("Decentralized: median", usd(decentral.median_usd), help=f"{decentral.offers} offers")
c5.metric(
    "Decentralized discount",
    "n/a" if kpis.decentralized_discount_pct is None else f"{kpis.decentralized_discount_pct:.1f} %",
)
st.caption(
    f"All {kpis.family} variants, latest observation of each offer, firm prices only "
    f"({', '.join(FIRM_PRICING_KINDS)}; spot excluded). Cheapest centralized: {central.cheapest_provider} "
    f"({central.offers} offers); cheapest decentralized: {decentral.cheapest_provider} ({decentral.offers} offers). "
    "Centralized = hyperscalers + neoclouds; decentralized = marketplaces + DePIN networks "
    "(data/providers.csv). The discount is how far the decentralized median lies below the centralized one."
)

offers = cached_latest_offers(store.locator, kpis.family)
firm = offers[offers["pricing_kind"].isin(FIRM_PRICING_KINDS)]
if not firm.empty:
    fig = px.box(
        firm,
        x="market_model",
        y="price_per_gpu_hour_usd",
        color="market_model",
        points="all",
        hover_data=["provider", "via", "gpu_model", "gpu_count", "instance_type", "source"],
        labels={"price_per_gpu_hour_usd": "USD per GPU-hour", "market_model": ""},
        title=f"{kpis.family} offers by market model (USD per GPU-hour)",
    )
    fig.update_layout(showlegend=False, height=380)
    st.plotly_chart(fig, width="stretch")

st.subheader("Network tokens")
cols = st.columns(max(len(kpis.tokens), 1))
for col, token in zip(cols, kpis.tokens, strict=False):
    col.metric(
        f"{token.token} close ({token.as_of})",
        usd(token.close, 4 if token.close < 1 else 2),
        delta=pct(token.change_30d_pct) + " in 30 days" if token.change_30d_pct is not None else None,
    )
    col.caption(f"{token.symbol} on {token.exchange.replace('_', ' ')} ({token.instrument})")
if not kpis.tokens:
    st.warning("No token candles in the database yet.")
