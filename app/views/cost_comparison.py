"""Cost comparison: like for like per market segment (two-stage medians), how much the answer depends on the
definition, where sources disagree, what a job costs once interruptions are priced in, and how prices moved."""

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from analytics.bundled.registry import source_label
from analytics.comparison.compare import FIRM_KINDS, PRICING_KINDS, SIZE_CLASSES
from analytics.comparison.segments import SEGMENT_LABELS
from analytics.formatting import provider_name, usd
from analytics.metrics.jobs import (
    JobInputError,
    JobSpec,
    assumptions_frame,
    hundred_hour_example,
    job_costs,
    market_model_job_summary,
)
from analytics.metrics.prices import check_published_claims
from analytics.offers import offers_age_days
from app.charts import SEGMENT_COLOURS, shared_figure, show_chart, style
from app.data import (
    cached_comparison,
    cached_history_report,
    cached_latest_offers,
    cached_published_prices,
    cached_source_conflicts,
    ensure_database,
)
from app.format import count, day, money, number, percent, price, provider, show_table, text
from app.layout import MARKET_OVERVIEW_SOURCE, answer, filters_container
from app.network_section import cached_measured_rates

KIND_LABELS = {"on_demand": "On-demand", "spot": "Spot / interruptible", "bid_derived": "Bid-derived",
               "published_list": "Published list"}  # fmt: skip

store = ensure_database()
db = store.locator  # identifies the store in cache keys
offers = cached_latest_offers(db)
conflicts = cached_source_conflicts(db)

st.title("Cost comparison")

models = offers.loc[offers["price_date"].notna(), "gpu_model"].dropna().value_counts()
models = [m for m in models.index if models[m] >= 3]
default_model = "H100-SXM-80GB" if "H100-SXM-80GB" in models else models[0]
with filters_container("Comparison", expanded=False, summary=None) as box:
    c1, c2, c3 = st.columns(3)
    gpu = c1.selectbox(
        "GPU model",
        models,
        index=models.index(default_model),
        help="Canonical model: H100 SXM is never pooled with PCIe or NVL unless you pool the family.",
    )
    pool = c1.checkbox("Pool the whole family (SXM, PCIe, NVL ...)", value=False)
    sizes = c2.multiselect(
        "Size class",
        list(SIZE_CLASSES),
        default=[],
        format_func=SIZE_CLASSES.get,
        help="Empty: every size, compared per GPU-hour.",
    )
    kinds = c2.multiselect("Pricing kinds", PRICING_KINDS, default=list(FIRM_KINDS), format_func=KIND_LABELS.get)
    runpod_side = c3.radio(
        "Data-centre marketplaces (RunPod Secure) count as",
        ["centralized", "decentralized"],
        help="The market overview counts RunPod as decentralized; its Secure Cloud runs in data centres.",
    )
    window = c3.select_slider(
        "Prices observed within",
        options=[30, 90, 180, 365, 10_000],
        value=180,
        format_func=lambda d: "any date" if d == 10_000 else f"{d} days of the newest",
    )
if not kinds:
    st.warning("Choose at least one pricing kind.")
    st.stop()

family = offers.loc[offers["gpu_model"] == gpu, "gpu_family"].dropna()
definition_args = (
    family.iloc[0] if pool and len(family) else gpu,
    bool(pool and len(family)),
    tuple(sizes) or None,
    tuple(kinds),
    None if window == 10_000 else window,
    runpod_side,
)
comparison = cached_comparison(db, *definition_args)
definition, shown = comparison["definition"], comparison["shown"]
if shown.empty:
    st.warning("No dated offers match this definition. Widen the size classes, pricing kinds or the window.")
    st.stop()

segments, result = comparison["segments"], comparison["discount"]
newest = pd.to_datetime(shown["price_date"]).max()
if result.discount_pct is not None:
    answer(
        f"{definition.gpu}, prices observed up to {newest:%Y-%m-%d}: the decentralized median "
        f"({usd(result.decentralized.median_usd)}, {result.decentralized.providers} providers) is "
        f"{abs(result.discount_pct):.0f} % {'below' if result.discount_pct > 0 else 'above'} the centralized one "
        f"({usd(result.centralized.median_usd)}, {result.centralized.providers} providers)."
    )
else:
    answer(f"{definition.gpu}: no centralized-vs-decentralized figure under this definition ({result.reason}).")
st.caption(f"Definition: {definition.describe()}.")

c1, c2, c3 = st.columns(3)
c1.metric(
    "Centralized median",
    usd(result.centralized.median_usd),
    help=f"{result.centralized.providers} providers, {result.centralized.offers} offers",
)
c2.metric(
    "Decentralized median",
    usd(result.decentralized.median_usd),
    help=f"{result.decentralized.providers} providers, {result.decentralized.offers} offers",
)
c3.metric(
    "Discount",
    "withheld" if result.discount_pct is None else f"{result.discount_pct:.1f} %",
    help=result.reason or "(centralized - decentralized) / centralized, two-stage medians",
)

st.subheader("By market segment")
show_table(
    segments,
    {
        "segment_label": text("Segment", pinned=True),
        "median_usd": money(
            "Median per GPU-hour",
            help="Two-stage: median per provider, then across providers",
            why_missing="fewer than 3 providers: withheld",
        ),
        "cheapest_usd": money("Cheapest", why_missing="no offers"),
        "cheapest_provider": provider("Cheapest at", why_missing="no offers"),
        "providers": count("Providers"),
        "offers": count("Offers"),
        "newest_price_date": day("Newest price", why_missing="no offers"),
        "provider_list": provider("Providers compared", several=True, width="large"),
    },
)


@shared_figure
def offer_strip(db: str, definition_args: tuple) -> go.Figure:
    """Every compared offer, providers down the side and prices across: 40 names stay readable on a phone."""
    compared = cached_comparison(db, *definition_args)
    shown = compared["shown"]
    strip = shown.assign(
        segment_label=shown["segment"].map(SEGMENT_LABELS),
        provider_name=shown["provider"].map(provider_name),
    )
    fig = px.strip(
        strip,
        y="provider_name",
        x="price_per_gpu_hour_usd",
        color="segment_label",
        color_discrete_map=SEGMENT_COLOURS,
        orientation="h",
        category_orders={"segment_label": list(SEGMENT_LABELS.values())},
        hover_data=["gpu_model", "gpu_count", "pricing_kind", "region", "price_date", "source"],
        title=f"{compared['definition'].gpu}: every compared offer by provider ({len(shown):,} offers)",
    )
    fig.update_layout(yaxis={"categoryorder": "median descending", "automargin": True, "dtick": 1})
    height = max(360, 140 + 20 * strip["provider_name"].nunique())
    return style(fig, x_title="USD per GPU-hour", y_title="", height=height, recolour=False)


show_chart(offer_strip(db, definition_args))

st.subheader("How much does the answer depend on the definition?")
robust = comparison["robustness"]
show_table(
    robust,
    {
        "definition": text("Definition", words=True, width="large"),
        "discount_pct": percent("Discount", why_missing="a side has fewer than 3 providers"),
        "expensive_median_usd": money("Dearer side median", why_missing="fewer than 3 providers"),
        "cheap_median_usd": money("Cheaper side median", why_missing="fewer than 3 providers"),
        "expensive_providers": count("Providers (dearer)"),
        "cheap_providers": count("Providers (cheaper)"),
        "reason": text("Why withheld", words=True, why_missing="not withheld"),
        "comparison": text("Comparison", words=True),
    },
)

if len(conflicts):
    st.subheader("Sources that disagree")
    st.caption(
        "The same listing priced differently by two datasets on overlapping dates: the trusted one is "
        "compared, the other left out (first-party price lists beat third-party catalogues; else newer wins)."
    )
    show_table(
        conflicts.assign(
            source_a=conflicts["source_a"].map(source_label),
            source_b=conflicts["source_b"].map(source_label),
            trusted_source=conflicts["trusted_source"].map(lambda s: source_label(s) if isinstance(s, str) else s),
        ),
        {
            "provider": provider("Provider"),
            "instance_type": text("Instance"),
            "region": text("Region"),
            "source_a": text("Source A"),
            "price_a": money("A per GPU-hour"),
            "source_b": text("Source B"),
            "price_b": money("B per GPU-hour"),
            "last_overlap": day("Overlap until"),
            "trusted_source": text("Trusted", why_missing="equally trusted: both kept"),
            "reason": text("Why", words=True),
        },
    )
    same_listing = comparison["same_listing"]
    for r in same_listing.itertuples():
        st.caption(
            f"Also left out: {r.offers_left_out:,} {source_label(r.source)} prices of {provider_name(r.provider)} "
            f"{r.instance_type} in other regions, dated no later than its contradicted {r.contradicted_region} "
            f"price: the same outdated listing. The robustness table shows the answer with them kept."
        )

st.subheader("Offers compared")
table = shown.assign(
    age_days=offers_age_days(shown),
    via=shown["via"].fillna("direct"),
    segment_label=shown["segment"].map(SEGMENT_LABELS),
    size=shown["size_class"].map(SIZE_CLASSES),
    kind=shown["pricing_kind"].map(KIND_LABELS),
    dataset=shown["source"].map(source_label),
).sort_values("price_per_gpu_hour_usd")
show_table(
    table,
    {
        "price_per_gpu_hour_usd": price("Per GPU-hour", pinned=True),
        "provider": provider("Provider"),
        "segment_label": text("Segment"),
        "gpu_model": text("GPU"),
        "gpu_count": count("GPUs"),
        "size": text("Size class"),
        "kind": text("Pricing"),
        "region": text("Region", why_missing="the source gives no region"),
        "price_date": day("Observed", help="The day the source observed this price"),
        "age_days": number("Age", digits=0, unit="days"),
        "dataset": text("Dataset"),
        "via": provider("Listed via"),
    },
    height=360,
)
st.download_button(
    "Download these offers as CSV",
    lambda: table.drop(columns=["flags"]).to_csv(index=False).encode(),  # written only when clicked
    file_name=f"offers_{definition.gpu}.csv",
    mime="text/csv",
    on_click="ignore",
)

st.subheader("What would a job cost?")
st.caption("Priced on the offers compared above (same definition), whole instances, idle GPUs shown.")
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
        column_config={
            "provider_category": "Segment",
            "pricing_kind": "Pricing kind",
            "interruptions_per_hour": st.column_config.NumberColumn("Interruptions per hour", format="%.4f"),
            "rationale": "Why",
        },
    )
try:
    job = JobSpec(gpus=int(gpus), hours=float(hours), checkpoint_h=float(checkpoint), restart_h=float(restart))
    if (assumptions["interruptions_per_hour"] < 0).any():
        raise JobInputError("interruption rates cannot be negative")
except JobInputError as exc:
    st.error(f"Cannot price this job: {exc}")
    st.stop()

priced = shown.assign(market_model=shown["side"], provider_category=shown["segment"])
measured_rates = cached_measured_rates(db)
costs = job_costs(priced, job, assumptions, measured_rates=measured_rates)
for measured, (rate, source) in measured_rates.items():
    st.caption(f"{provider_name(measured)} offers: interruption rate {rate:.4f} per hour from {source}, not assumed.")
summary = market_model_job_summary(costs)
if not summary.empty:
    show_table(
        summary.assign(side=summary["market_model"].str.capitalize()),
        {
            "side": text("Side"),
            "offers": count("Offers that fit"),
            "cheapest_list_usd": money("Cheapest (list)"),
            "median_list_usd": money("Median (list)"),
            "cheapest_expected_usd": money("Cheapest (expected)", help="With interruptions priced in"),
            "median_expected_usd": money("Median (expected)"),
            "median_p_finish_no_ckpt": percent("P(no interruption)", fraction=True),
        },
    )

st.subheader("The market overview's claims, checked")
st.caption(MARKET_OVERVIEW_SOURCE)
example = hundred_hour_example(
    priced,
    family=str(shown["gpu_family"].iloc[0]),
    hours=100,
    checkpoint_h=job.checkpoint_h,
    restart_h=job.restart_h,
    assumptions=assumptions,
)
st.caption(
    "The overview's 100-hour run is priced on the same offers and with the same rule as the job "
    "calculator: one-GPU offers, 100 hours. With 1 GPU and 100 hours above, both give one answer."
)
for r in example.itertuples():
    verdict = "holds" if r.claim_holds_at_median else "does not hold"
    st.markdown(
        f"**{r.market_model.capitalize()}**: the overview says {r.overview_claim}; the data gives a median of "
        f"{usd(r.median_list_cost_usd)} at list price and {usd(r.median_expected_cost_usd)} with interruptions "
        f"priced in, cheapest {usd(r.cheapest_list_cost_usd)} ({r.offers} offers): the claim {verdict} at the "
        "median.".replace("$", "\\$")
    )
claims = check_published_claims(shown, cached_published_prices(db), str(shown["gpu_family"].iloc[0]))
if not claims.empty:
    show_table(
        claims,
        {
            "provider": text("Provider (as the overview names it)"),
            "claimed_as": text("Overview calls it"),
            "claimed_low_usd": money("Claimed low"),
            "claimed_high_usd": money("Claimed high"),
            "offers": count("Offers in the data"),
            "observed_median_usd": money("Observed median", why_missing="no offers of that provider"),
            "verdict": text("Verdict"),
        },
    )


@shared_figure
def history_chart(db: str, gpu: str) -> go.Figure:
    """Daily two-stage medians per segment, coverage changes marked, the independent index drawn as theirs."""
    history = cached_history_report(db, gpu)
    series = pd.DataFrame(history["series"])
    series["segment_label"] = series["segment"].map(SEGMENT_LABELS)
    series["date"] = pd.to_datetime(series["date"])
    fig = px.line(
        series,
        x="date",
        y="median_usd",
        color="segment_label",
        color_discrete_map=SEGMENT_COLOURS,
        category_orders={"segment_label": list(SEGMENT_LABELS.values())},
        markers=False,
        hover_data=["providers", "offers", "joined", "left"],
        title=f"{gpu}: daily two-stage median per segment (ours)",
    )
    changes = series[series["coverage_change"]]
    fig.add_scatter(
        x=changes["date"],
        y=changes["median_usd"],
        mode="markers",
        name="Coverage change",
        marker={"symbol": "circle-open", "size": 9, "color": "#000000"},
    )
    index = pd.DataFrame(history["published_index"])
    if not index.empty:
        for name, group in index.groupby("series"):
            fig.add_scatter(
                x=pd.to_datetime(group["date"]),
                y=group["usd_per_gpu_hour"],
                mode="lines+markers",
                line={"dash": "dot"},
                name=f"GPU price index (theirs): {name}",
            )
    return style(fig, x_title="", y_title="USD per GPU-hour", height=440, recolour=False)


st.subheader("How prices moved")
history = cached_history_report(db, gpu)
series = pd.DataFrame(history["series"])
if series.empty:
    st.caption("No dated history for this GPU yet.")
else:
    show_chart(history_chart(db, gpu))
    st.caption(
        "Open circles: a provider joined or left that segment that day (coverage, not a price move). "
        "Dotted: an independent index's published medians (ewyluda/gpu-price-index), drawn as theirs. A day's "
        "median counts only the providers priced that day (hover for the count): a line drawn from one provider's "
        "daily price list can sit far from the segment's median above."
    )
    moves = pd.DataFrame(history["changes"])
    if not moves.empty:
        moves["segment_label"] = moves["segment"].map(SEGMENT_LABELS)
        show_table(
            moves,
            {
                "segment_label": text("Segment"),
                "days": count("Window (days)"),
                "to": day("To", why_missing="no earlier date to compare"),
                "change_pct": percent("Change", signed=True, why_missing="no provider priced on both dates"),
                "providers": count("Providers on both dates"),
                "reason": text("Why missing", words=True, why_missing="not missing"),
            },
        )
        st.caption(
            "Changes use only providers priced on both dates, so a provider joining or leaving is not "
            "counted as a price move."
        )
