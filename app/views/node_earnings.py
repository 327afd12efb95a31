"""Node earnings: what a GPU earns on a network after fees, power and depreciation, and how sure that is."""

import plotly.graph_objects as go
import streamlit as st

from analytics.earnings_report import claim_cases, earnings_report, explain_claim, networks, resolve_inputs
from analytics.metrics.earnings import EarningsInputError, gpu_specs
from app.data import ensure_database, stale_banner, usd

store = ensure_database()
db = str(store.path)
st.title("Node earnings")
st.caption(
    "What would my GPU earn on these networks, after power, and how sure is that? Every input shows "
    "where its default comes from; assumptions are marked as such and can be changed."
)
stale_banner(db)

specs = gpu_specs()
nets = networks()
c1, c2, c3 = st.columns(3)
gpu = c1.selectbox("GPU", specs["model_key"].tolist(), index=specs["model_key"].tolist().index("RTX4090-24GB"))
network = c2.selectbox("Network or market", list(nets), format_func=lambda n: nets[n]["label"])
gpu_count = c3.number_input("GPUs", min_value=1, max_value=1024, value=1, step=1)

try:
    defaults, sources, _ = resolve_inputs(store, gpu, network)
except EarningsInputError as exc:
    st.error(f"Cannot model this GPU here: {exc}")
    st.stop()

with st.form("inputs"):
    a, b, c, d = st.columns(4)
    price = a.number_input(
        "Rental price (USD per GPU-hour)",
        min_value=0.01,
        max_value=100.0,
        value=float(defaults.price_per_gpu_hour_usd),
        step=0.05,
        help=sources["price_per_gpu_hour_usd"],
    )
    utilization = b.slider("Utilization", 0.0, 1.0, float(defaults.utilization), 0.05, help=sources["utilization"])
    take_rate = c.number_input(
        "Network take rate (0-1)",
        min_value=0.0,
        max_value=0.99,
        value=float(defaults.take_rate),
        step=0.01,
        help=sources["take_rate"],
    )
    hours = d.number_input("Hours offered per day", min_value=0.5, max_value=24.0, value=24.0, step=1.0)
    a, b, c, d = st.columns(4)
    power = a.number_input(
        "Power draw (W per GPU)",
        min_value=1.0,
        max_value=5000.0,
        value=float(defaults.power_watts),
        step=10.0,
        help=sources["power_watts"],
    )
    electricity = b.number_input(
        "Electricity (USD per kWh)",
        min_value=0.0,
        max_value=5.0,
        value=float(defaults.electricity_usd_per_kwh),
        step=0.01,
        help=sources["electricity_usd_per_kwh"],
    )
    pue = c.number_input(
        "PUE / overhead", min_value=1.0, max_value=3.0, value=float(defaults.pue), step=0.05, help=sources["pue"]
    )
    hardware = d.number_input(
        "Hardware cost (USD per GPU)",
        min_value=0.0,
        max_value=10_000_000.0,
        value=float(defaults.hardware_cost_usd),
        step=100.0,
        help=sources["hardware_cost_usd"],
    )
    a, b, _, _ = st.columns(4)
    months = a.number_input(
        "Depreciation (months)", min_value=1.0, max_value=240.0, value=float(defaults.depreciation_months), step=6.0
    )
    payout = b.selectbox(
        "Payout",
        ["usd", "usd_pegged", "token"],
        index=["usd", "usd_pegged", "token"].index(defaults.payout),
        help=sources["payout"],
    )
    st.form_submit_button("Recalculate")

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
    report = earnings_report(store, gpu, network, **overrides)
except EarningsInputError as exc:
    st.error(f"Check the inputs: {exc}")
    st.stop()

out = report["outputs"]
m1, m2, m3, m4 = st.columns(4)
m1.metric("Gross per day", usd(out["gross_usd_per_day"]))
m2.metric("Power per day", usd(out["power_cost_usd_per_day"]))
m3.metric("Net per day", usd(out["net_usd_per_day"]), help="Revenue after fees minus power")
m4.metric("Net after depreciation", usd(out["net_after_depreciation_usd_per_day"]))
m1, m2, m3, m4 = st.columns(4)
m1.metric("Net per month", usd(out["net_usd_per_month"], 0))
m2.metric("Payback", "never" if out["payback_months"] is None else f"{out['payback_months']:.1f} months")
bu = out["break_even_utilization_with_depreciation"]
m3.metric("Break-even utilization (incl. depreciation)", "n/a" if bu is None else f"{bu:.0%}")
bt = out["break_even_token_price_usd"]
m4.metric("Break-even token price", "n/a (not paid in tokens)" if bt is None else usd(bt, 4))

with st.expander("Every input and its source"):
    st.dataframe(
        [{"input": k, "value": str(v["value"]), "source": v["source"]} for k, v in report["inputs"].items()],
        hide_index=True,
        width="stretch",
    )

st.subheader("Sensitivity: net per day after depreciation")
tornado = report["tornado"]
fig = go.Figure()
names = [t["input"] for t in tornado][::-1]
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
    st.dataframe(mc["rows"], hide_index=True, width="stretch")
else:
    st.caption(
        "This payout is in USD or a USD-pegged credit: no token price risk to simulate. Choose 'token' to see it."
    )

st.subheader("The market overview's '$3.00 to $7.00 daily', checked")
cases = claim_cases(store, network if network != "custom" else "akash")
st.dataframe(cases, hide_index=True, width="stretch")
for line in explain_claim(cases):
    st.markdown(line.replace("$", "\\$"))  # dollar signs are currency here, not LaTeX
