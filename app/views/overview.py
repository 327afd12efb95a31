"""Overview: the answer to "is decentralized GPU compute cheaper?" for one canonical GPU, like for like per
market segment, how much it depends on the definition, the network tokens, and how old all of it is."""

import pandas as pd
import plotly.express as px
import streamlit as st

from analytics.comparison.segments import SEGMENT_LABELS
from analytics.formatting import provider_name, series_name
from app.charts import show_chart, style
from app.data import cached_overview, ensure_database, pct, stale_banner, usd

store = ensure_database()
kpis = cached_overview(store.locator)
h = kpis.headline

st.title("DePIN Lens")
st.caption("Is decentralized GPU compute really cheaper than the clouds, and are the tokens behind it sound?")
st.markdown(f"**{h.sentence}**")

if kpis.freshness.bundled_only:
    st.info(kpis.freshness.message, icon=":material/inventory_2:")
else:
    st.success(kpis.freshness.message, icon=":material/schedule:")
stale_banner(store.locator)

st.subheader(f"{h.gpu}: price per GPU-hour by market segment")
segments = pd.DataFrame(h.segments)
cols = st.columns(len(h.segments))
for col, r in zip(cols, h.segments, strict=True):
    value = usd(r["median_usd"]) if r["median_usd"] is not None else "withheld"
    cheapest_at = provider_name(r["cheapest_provider"]) if r["cheapest_provider"] else "none"
    col.metric(
        r["segment_label"],
        value,
        help=(
            f"Two-stage median: {r['providers']} providers, {r['offers']} offers; cheapest {usd(r['cheapest_usd'])} "
            f"({cheapest_at}); newest price {r['newest_price_date'] or 'none'}. "
            + (f"Withheld: {r['withheld_reason']}." if r["withheld_reason"] else "")
        ),
    )
    col.caption(
        f"{r['providers']} providers · {r['offers']} offers"
        + (f" · to {r['newest_price_date']}" if r["newest_price_date"] else "")
    )

c1, c2, c3 = st.columns(3)
c1.metric("Centralized median", usd(h.centralized_median_usd), help=f"{h.centralized_providers} providers")
c2.metric("Decentralized median", usd(h.decentralized_median_usd), help=f"{h.decentralized_providers} providers")
c3.metric(
    "Decentralized discount",
    f"{h.discount_pct:.1f} %" if h.discount_pct is not None else "withheld",
    help=h.discount_reason or "How far the decentralized median lies below the centralized one.",
)
range_text = (
    f" Under the robustness table's other definitions the discount ranges from {h.robustness_min_pct:.0f} % to "
    f"{h.robustness_max_pct:.0f} %."
    if h.robustness_min_pct is not None
    else ""
)
st.caption(
    f"Definition: {h.definition}.{range_text} See Cost comparison for the robustness table, the segment of every "
    "provider (data/providers.csv) and the conflicts between sources."
)

chart = segments[segments["median_usd"].notna() | segments["cheapest_usd"].notna()]
if not chart.empty:
    long = chart.melt(
        id_vars=["segment_label"], value_vars=["median_usd", "cheapest_usd"], var_name="statistic", value_name="usd"
    ).dropna()
    long["statistic"] = long["statistic"].map({"median_usd": "Two-stage median", "cheapest_usd": "Cheapest offer"})
    fig = px.bar(
        long,
        y="segment_label",
        x="usd",
        color="statistic",
        orientation="h",
        barmode="group",
        category_orders={"segment_label": list(SEGMENT_LABELS.values())},
        title=f"{h.gpu}: USD per GPU-hour by segment",
    )
    show_chart(style(fig, x_title="USD per GPU-hour", y_title="", height=380))

st.subheader("Network tokens")
cols = st.columns(max(len(kpis.tokens), 1))
for col, token in zip(cols, kpis.tokens, strict=False):
    col.metric(
        f"{token.token} close ({token.as_of})",
        usd(token.close, 4 if token.close < 1 else 2),
        delta=pct(token.change_30d_pct) + " in 30 days" if token.change_30d_pct is not None else None,
    )
    col.caption(series_name(token.symbol, token.exchange, token.instrument))
if not kpis.tokens:
    st.warning("No token candles in the database yet.")
