"""Node earnings: what a GPU earns on a network after fees, power and depreciation, and how sure that is."""

import plotly.graph_objects as go
import streamlit as st

from analytics.comparison.segments import segment_label
from analytics.earnings_defaults import PROXY_ORDER
from analytics.earnings_report import explain_claim, networks
from analytics.metrics.earnings import EarningsInputError, gpu_specs, input_problem
from app.data import (
    cached_claim_cases,
    cached_earnings_report,
    cached_resolve_inputs,
    ensure_database,
    stale_banner,
    usd,
)
from app.layout import MARKET_OVERVIEW_SOURCE

store = ensure_database()
db = store.locator  # identifies the store in cache keys
st.title("Node earnings")
st.caption(
    "What would my GPU earn on these networks, after power, and how sure is that? Every input shows "
    "where its default comes from; assumptions are marked as such and can be changed."
)
stale_banner(db)

specs = gpu_specs()
nets = networks()
c1, c2, c3, c4 = st.columns(4)
gpu = c1.selectbox("GPU", specs["model_key"].tolist(), index=specs["model_key"].tolist().index("RTX4090-24GB"))
network = c2.selectbox("Network or market", list(nets), format_func=lambda n: nets[n]["label"])
proxy_segment = c3.selectbox(
    "Proxy when the network has no price",
    list(PROXY_ORDER),
    format_func=segment_label,
    help="Used only when the network has no price of its own for this GPU: the segment's two-stage median "
    "(median per provider, then across providers). A segment with too few providers is skipped, with the reason.",
)
problems: dict[str, str] = {}


def checked(column, label: str, field: str, value):
    """Show a problem right under the input it belongs to; the results are hidden until it is fixed."""
    problem = input_problem(field, value)
    if problem:
        problems[field] = problem
        column.error(f"{label} {problem}.")
    return value


gpu_count = checked(c4, "GPUs", "gpu_count", c4.number_input("GPUs", value=1, step=1))

try:
    defaults, sources, market = cached_resolve_inputs(store.locator, gpu, network, proxy_segment)
except EarningsInputError as exc:
    st.error(f"Cannot model this GPU here: {exc}")
    st.stop()

price_default = market["price_default"]
if price_default.kind == "network":
    st.info(f"Rental price: {price_default.source}.")
else:
    st.warning(f"Rental price is a proxy: {price_default.proxy_note}.")
    st.caption(f"Proxy used: {price_default.source.removeprefix('proxy: ')}.")

a, b, c, d = st.columns(4)
price = checked(
    a,
    "Rental price",
    "price_per_gpu_hour_usd",
    a.number_input(
        "Rental price (USD per GPU-hour)",
        value=float(defaults.price_per_gpu_hour_usd),
        step=0.05,
        help=sources["price_per_gpu_hour_usd"],
    ),
)
utilization = b.slider("Utilization", 0.0, 1.0, float(defaults.utilization), 0.05, help=sources["utilization"])
take_rate = checked(
    c,
    "Take rate",
    "take_rate",
    c.number_input("Network take rate (0-1)", value=float(defaults.take_rate), step=0.01, help=sources["take_rate"]),
)
hours = checked(d, "Hours", "hours_per_day", d.number_input("Hours offered per day", value=24.0, step=1.0))
a, b, c, d = st.columns(4)
power = checked(
    a,
    "Power draw",
    "power_watts",
    a.number_input("Power draw (W per GPU)", value=float(defaults.power_watts), step=10.0, help=sources["power_watts"]),
)
electricity = checked(
    b,
    "Electricity price",
    "electricity_usd_per_kwh",
    b.number_input(
        "Electricity (USD per kWh)",
        value=float(defaults.electricity_usd_per_kwh),
        step=0.01,
        help=sources["electricity_usd_per_kwh"],
    ),
)
pue = checked(
    c,
    "PUE",
    "pue",
    c.number_input("PUE / overhead", value=float(defaults.pue), step=0.05, help=sources["pue"]),
)
hardware = checked(
    d,
    "Hardware cost",
    "hardware_cost_usd",
    d.number_input(
        "Hardware cost (USD per GPU)",
        value=float(defaults.hardware_cost_usd),
        step=100.0,
        help=sources["hardware_cost_usd"],
    ),
)
a, b, _, _ = st.columns(4)
months = checked(
    a,
    "Depreciation",
    "depreciation_months",
    a.number_input("Depreciation (months)", value=float(defaults.depreciation_months), step=6.0),
)
payout = b.selectbox(
    "Payout",
    ["usd", "usd_pegged", "token"],
    index=["usd", "usd_pegged", "token"].index(defaults.payout),
    format_func={"usd": "USD", "usd_pegged": "USD-pegged credit", "token": "Token"}.get,
    help=sources["payout"],
)

if problems:
    st.warning(
        f"Results hidden: {len(problems)} input(s) above are out of range. They are shown again as soon as "
        "every input is valid."
    )
    st.stop()

chosen = {
    "gpu_count": int(gpu_count),
    "price_per_gpu_hour_usd": price,
    "utilization": utilization,
    "take_rate": take_rate,
    "hours_per_day": hours,
    "power_watts": power,
    "electricity_usd_per_kwh": electricity,
    "pue": pue,
    "hardware_cost_usd": hardware,
    "depreciation_months": months,
    "payout": payout,
}
overrides = {k: v for k, v in chosen.items() if v != getattr(defaults, k)}
try:
    report = cached_earnings_report(store.locator, gpu, network, proxy_segment, overrides)
except EarningsInputError as exc:
    st.error(f"Check the inputs: {exc}")
    st.stop()

for warning in report["stale_inputs"]:
    st.warning(f"Stale input behind these figures: {warning['message']}.")
out = report["outputs"]
m1, m2, m3, m4 = st.columns(4)
m1.metric("Gross per day", usd(out["gross_usd_per_day"]))
m2.metric("Power per day", usd(out["power_cost_usd_per_day"]))
m3.metric("Net per day", usd(out["net_usd_per_day"]), help="Revenue after fees minus power")
m4.metric("Net after depreciation", usd(out["net_after_depreciation_usd_per_day"]))
m1, m2, m3, m4 = st.columns(4)
m1.metric("Net per month", usd(out["net_usd_per_month"], 0))
payback = out["payback_months"]
m2.metric(
    "Payback",
    "never" if payback is None else "immediate" if payback == 0 else f"{payback:.1f} months",
    help="Immediate when there is no hardware cost to recover; never when the net is not positive.",
)
bu = out["break_even_utilization_with_depreciation"]
m3.metric(
    "Break-even utilization",
    "n/a" if bu is None else f"{bu:.0%}",
    help="Utilization at which the net covers power and depreciation",
)
bt = out["break_even_token_price_usd"]
m4.metric(
    "Break-even token price",
    "n/a" if bt is None else usd(bt, 4),
    help="Token price at which the payout covers power and depreciation (only when paid in tokens)",
)

with st.expander("Every input and its source"):
    st.dataframe(
        [{"input": k, "value": str(v["value"]), "source": v["source"]} for k, v in report["inputs"].items()],
        hide_index=True,
        width="stretch",
    )

st.subheader("Sensitivity: net per day after depreciation")
tornado = report["tornado"]
fig = go.Figure()
INPUT_NAMES = {
    "utilization": "Utilization",
    "price_per_gpu_hour_usd": "Rental price",
    "take_rate": "Take rate",
    "electricity_usd_per_kwh": "Electricity price",
    "power_watts": "Power draw",
    "hardware_cost_usd": "Hardware cost",
}
names = [INPUT_NAMES.get(t["input"], t["input"]) for t in tornado][::-1]
fig.add_trace(
    go.Bar(
        y=names,
        x=[t["metric_at_low"] - t["base"] for t in tornado][::-1],
        base=tornado[0]["base"],
        orientation="h",
        name="input lowered",
    )
)
fig.add_trace(
    go.Bar(
        y=names,
        x=[t["metric_at_high"] - t["base"] for t in tornado][::-1],
        base=tornado[0]["base"],
        orientation="h",
        name="input raised",
    )
)
fig.update_layout(barmode="overlay", height=360, xaxis_title="USD per day", title="Each input moved down and up")
st.plotly_chart(fig, width="stretch")
st.caption("Swings: utilization ±0.2, price ±25 %, take rate ±50 %, electricity ±50 %, power ±20 %, hardware ±25 %.")

st.subheader("If you are paid in tokens")
if report["monte_carlo"]:
    mc = report["monte_carlo"]
    st.caption(
        f"Each day's revenue is paid in {mc['token']} at that day's price and held to the horizon. Daily "
        f"returns are drawn from {mc['token']}'s own history ({mc['returns_from']}); 2,000 paths, seed 42."
    )
    for warning in report["stale_inputs"]:
        if warning["input"] != "GPU price":
            st.warning(f"These token figures rest on a stale price: {warning['message']}.")
    st.dataframe(
        [
            {
                "Horizon (days)": row["horizon_days"],
                "P10": usd(row["p10_usd"], 0),
                "P50": usd(row["p50_usd"], 0),
                "P90": usd(row["p90_usd"], 0),
                "If paid in USD": usd(row["if_paid_in_usd"], 0),
                "Chance of a loss": f"{row['prob_loss']:.0%}",
            }
            for row in mc["rows"]
        ],
        hide_index=True,
        width="stretch",
    )
else:
    st.caption(
        "This payout is in USD or a USD-pegged credit: no token price risk to simulate. Choose 'token' to see it."
    )

st.subheader("The market overview's '$3.00 to $7.00 daily', checked")
st.caption(MARKET_OVERVIEW_SOURCE)
claim_network = network if network != "custom" else "akash"
cases = cached_claim_cases(store.locator, claim_network, proxy_segment)
st.dataframe(
    [
        {
            "GPU": r.gpu,
            "Net per day": usd(r.net_usd_per_day),
            "Against $3-7": r.net_vs_claim,
            "Net after depreciation": usd(r.net_after_depreciation_usd_per_day),
            "Price (USD per GPU-hour)": usd(r.price_per_gpu_hour_usd),
            "Price from": f"{nets[claim_network]['label']}'s own price" if r.price_kind == "network" else "proxy",
            "Price observed": r.price_date or "not dated by the source",
            "Utilization": f"{r.utilization:.0%}",
        }
        for r in cases.itertuples()
    ],
    hide_index=True,
    width="stretch",
)
for line in explain_claim(cases):
    st.markdown(line.replace("$", "\\$"))  # dollar signs are currency here, not LaTeX
