"""Cost comparison: what an hour of a GPU costs on each market, the decentralized discount, and what a job
costs once interruptions are priced in."""

import plotly.express as px
import streamlit as st

from analytics.metrics.jobs import (
    JobInputError,
    JobSpec,
    assumptions_frame,
    hundred_hour_example,
    job_costs,
    market_model_job_summary,
)
from analytics.metrics.prices import MIN_SAMPLE, check_published_claims, discount_table
from analytics.offers import offers_age_days
from app.data import (
    cached_latest_offers,
    cached_offer_history,
    cached_published_prices,
    ensure_database,
    for_display,
    usd,
)

store = ensure_database()
db = store.locator  # identifies the store in cache keys
offers = cached_latest_offers(db)

st.title("Cost comparison")
st.caption(
    "Latest observation of every offer, per GPU-hour. Centralized = hyperscalers + neoclouds; decentralized = "
    "marketplaces + DePIN networks. Spot prices can be interrupted: compare them with care."
)

families = offers["gpu_family"].dropna().value_counts().index.tolist()
with st.sidebar:
    st.header("Filters")
    family = st.selectbox("GPU family", families, index=families.index("H100") if "H100" in families else 0)
    models = sorted(offers.loc[offers["gpu_family"] == family, "gpu_model"].dropna().unique())
    chosen_models = st.multiselect("GPU model", models, default=models, help="Canonical keys, e.g. H100-SXM-80GB")
    kinds = sorted(offers["pricing_kind"].unique())
    chosen_kinds = st.multiselect("Pricing kind", kinds, default=[k for k in kinds if k != "spot"])
    categories = sorted(offers["provider_category"].unique())
    chosen_categories = st.multiselect("Provider category", categories, default=categories)
    offer_sizes = sorted(offers.loc[offers["gpu_family"] == family, "gpu_count"].unique().tolist())
    chosen_sizes = st.multiselect("GPUs per offer", offer_sizes, default=offer_sizes)
    regions = sorted(offers.loc[offers["gpu_family"] == family, "region"].dropna().unique())
    chosen_regions = st.multiselect("Region (empty = all)", regions, default=[])

shown = offers[
    (offers["gpu_family"] == family)
    & offers["gpu_model"].isin(chosen_models)
    & offers["pricing_kind"].isin(chosen_kinds)
    & offers["provider_category"].isin(chosen_categories)
    & offers["gpu_count"].isin(chosen_sizes)
]
if chosen_regions:
    shown = shown[shown["region"].isin(chosen_regions)]

if shown.empty:
    st.warning("No offers match these filters. Widen the pricing kinds, categories or regions.")
    st.stop()

discount = discount_table(shown).set_index("gpu_family")
row = discount.loc[family] if family in discount.index else None
c1, c2, c3, c4 = st.columns(4)
c1.metric(
    "Centralized median",
    usd(row["centralized_median_usd"]) if row is not None else "n/a",
    help=f"{int(row['centralized_offers']) if row is not None else 0} offers",
)
c2.metric(
    "Decentralized median",
    usd(row["decentralized_median_usd"]) if row is not None else "n/a",
    help=f"{int(row['decentralized_offers']) if row is not None else 0} offers",
)
c3.metric(
    "Decentralized discount (median)",
    "n/a"
    if row is None or row["discount_median_pct"] != row["discount_median_pct"]
    else f"{row['discount_median_pct']:.1f} %",
)
c4.metric(
    "Decentralized discount (cheapest)",
    "n/a"
    if row is None or row["discount_cheapest_pct"] != row["discount_cheapest_pct"]
    else f"{row['discount_cheapest_pct']:.1f} %",
)
st.caption(
    f"Sample sizes: {int(row['centralized_offers']) if row is not None else 0} centralized and "
    f"{int(row['decentralized_offers']) if row is not None else 0} decentralized offers. A median needs at least "
    f"{MIN_SAMPLE} offers. The discount is (centralized - decentralized) / centralized."
)

fig = px.strip(
    shown,
    x="provider",
    y="price_per_gpu_hour_usd",
    color="market_model",
    hover_data=["via", "gpu_model", "gpu_count", "pricing_kind", "region", "instance_type", "source"],
    labels={"price_per_gpu_hour_usd": "USD per GPU-hour", "provider": ""},
    title=f"{family}: price per GPU-hour by provider ({len(shown)} offers)",
)
fig.update_layout(height=420, xaxis={"categoryorder": "median ascending"})
st.plotly_chart(fig, width="stretch")

table = shown.assign(age_days=offers_age_days(shown), via=shown["via"].fillna("direct"))[
    [
        "price_per_gpu_hour_usd",
        "provider",
        "via",
        "provider_category",
        "market_model",
        "gpu_model",
        "gpu_count",
        "pricing_kind",
        "region",
        "source",
        "observed_at",
        "price_as_of",
        "age_days",
        "instance_type",
        "flags",
    ]
]
st.subheader("Offers")
st.dataframe(
    for_display(table),
    hide_index=True,
    width="stretch",
    column_config={
        "price_per_gpu_hour_usd": st.column_config.NumberColumn("USD / GPU-hour", format="$%.3f"),
        "age_days": st.column_config.NumberColumn("age (days)", format="%.1f"),
    },
)
st.download_button(
    "Download these offers as CSV",
    table.to_csv(index=False).encode(),
    file_name=f"offers_{family}.csv",
    mime="text/csv",
)

st.subheader("What would a job cost?")
c1, c2, c3, c4 = st.columns(4)
gpus = c1.number_input("GPUs", min_value=1, max_value=4096, value=1, step=1)
hours = c2.number_input("Hours of compute", min_value=0.1, value=100.0, step=10.0)
checkpoint = c3.number_input("Checkpoint every (h)", min_value=0.05, value=1.0, step=0.25)
restart = c4.number_input("Restart overhead (h)", min_value=0.0, value=0.25, step=0.05)
with st.expander("Interruption-rate assumptions (editable)"):
    st.caption(
        "Used where an offer has no reliability data of its own. Vast.ai offers use their reliability "
        "score r as the chance of running a day without failure: rate = -ln(r) / 24."
    )
    assumptions = st.data_editor(
        assumptions_frame(),
        hide_index=True,
        width="stretch",
        disabled=["provider_category", "pricing_kind", "rationale"],
    )
try:
    job = JobSpec(gpus=int(gpus), hours=float(hours), checkpoint_h=float(checkpoint), restart_h=float(restart))
    if (assumptions["interruptions_per_hour"] < 0).any():
        raise JobInputError("interruption rates cannot be negative")
except JobInputError as exc:
    st.error(f"Cannot price this job: {exc}")
    st.stop()

costs = job_costs(shown, job, assumptions)
costs["via"] = costs["via"].fillna("direct")
summary = market_model_job_summary(costs)
st.dataframe(
    summary,
    hide_index=True,
    width="stretch",
    column_config={c: st.column_config.NumberColumn(format="$%.2f") for c in summary.columns if c.endswith("_usd")},
)
st.dataframe(
    costs[
        [
            "provider",
            "via",
            "market_model",
            "gpu_model",
            "pricing_kind",
            "instances",
            "idle_gpus",
            "list_cost_usd",
            "expected_cost_usd",
            "expected_lost_hours",
            "p_finish_without_checkpoints",
            "rate_source",
            "region",
            "source",
        ]
    ].head(50),
    hide_index=True,
    width="stretch",
    column_config={
        "list_cost_usd": st.column_config.NumberColumn("list cost", format="$%.2f"),
        "expected_cost_usd": st.column_config.NumberColumn("expected cost", format="$%.2f"),
        "p_finish_without_checkpoints": st.column_config.NumberColumn("P(no interruption)", format="%.3f"),
    },
)
st.caption(
    "Cheapest expected cost first (50 shown). Expected cost prices in the hours lost to interruptions; "
    "see README, 'Reliability-adjusted cost'."
)

st.subheader(f"The market overview's {family} price table, checked")
claims = check_published_claims(offers[offers["pricing_kind"].isin(chosen_kinds)], cached_published_prices(db), family)
if claims.empty:
    st.caption(f"The market overview's table lists no {family} prices.")
else:
    st.dataframe(
        claims,
        hide_index=True,
        width="stretch",
        column_config={c: st.column_config.NumberColumn(format="$%.2f") for c in claims.columns if c.endswith("_usd")},
    )
    st.caption(
        "Observed: the latest firm offers of that provider for this GPU family in the database (pricing "
        "kinds as filtered). 'no data' means the provider has no offers here yet: run `depin refresh`."
    )

st.subheader("The market overview's 100-hour example, checked")
example = hundred_hour_example(
    shown, family=family, hours=100, checkpoint_h=job.checkpoint_h, restart_h=job.restart_h, assumptions=assumptions
)
if example.empty:
    st.info("No centralized or decentralized offers for this selection.")
else:
    st.dataframe(example, hide_index=True, width="stretch")
    for r in example.itertuples():
        verdict = "holds" if r.claim_holds_at_median else "does not hold"
        st.markdown(
            f"**{r.market_model.capitalize()}**: the overview says {r.overview_claim}; the data gives a median of "
            f"{usd(r.median_list_cost_usd)} at list price and {usd(r.median_expected_cost_usd)} expected with "
            f"interruptions, cheapest {usd(r.cheapest_list_cost_usd)} ({r.offers} offers): the claim {verdict} at "
            "the median.".replace("$", "\\$")
        )

history = cached_offer_history(db, family)
history = history[history["pricing_kind"].isin(chosen_kinds)]
if history["observed_at"].nunique() > 1:
    from analytics.metrics.prices import price_trend

    trend = price_trend(history)
    st.plotly_chart(
        px.line(
            trend,
            x="period",
            y="median_usd",
            color="market_model",
            markers=True,
            labels={"median_usd": "median USD per GPU-hour", "period": ""},
            title=f"{family}: median price per GPU-hour over time",
        ),
        width="stretch",
    )
else:
    st.caption("Price history appears here once `depin refresh` has run more than once.")
