"""GPU benchmark: measure this machine live (in a subprocess with a time limit, so the app never freezes),
compare with the spec sheet, keep the history, and price a unit of work on every market."""

import json
import subprocess
import sys
import time

import pandas as pd
import plotly.express as px
import streamlit as st
from filelock import FileLock, Timeout

from analytics import formatting as fmt
from analytics.bench.runner import run_results, runs
from analytics.bench.unranked import unranked_offers
from analytics.bench.value import cost_per_work, reference_results, throughput_table
from analytics.bundled.registry import source_label
from analytics.comparison.compare import KIND_LABELS
from analytics.store.factory import store_for
from app.charts import show_chart, style
from app.data import cached_hardware, ensure_database
from app.format import count, flag, moment, money, number, percent, provider, show_table, text
from app.layout import answer
from app.safety import bench_lock_path, read_only, viewer_mode_notice

METRICS = {"matmul": "Matrix multiply", "memory_bandwidth": "Memory copy"}
RESULT_COLUMNS = {
    "metric": text("Measurement", words=True),
    "dtype": text("Precision"),
    "shape": text("Size"),
    "median": number("Median", digits=1),
    "best": number("Best", digits=1),
    "unit": text("Unit"),
    "pct_of_peak": percent("Best as % of peak", why_missing="no spec-sheet peak for a CPU"),
}


@st.cache_data(ttl=60, show_spinner=False)
def cached_cost_per_work(db_path: str, include_spec: bool, runs_stored: int):
    """The ranking and the unranked offers; `runs_stored` makes a new benchmark run invalidate the cache."""
    target = store_for(db_path)
    ranking, _ = cost_per_work(target, include_spec_peaks=include_spec)
    return ranking, unranked_offers(target, include_spec_peaks=include_spec)


store = ensure_database()
db = store.locator  # identifies the store in cache keys
st.title("GPU benchmark")
include_spec = st.session_state.get("include_spec", False)  # the checkbox sits with the ranking below
history = runs(store) if store.exists() else pd.DataFrame()
ranking, unranked = cached_cost_per_work(db, include_spec, len(history))
if not ranking.empty:
    best = ranking.iloc[0]
    answer(
        f"The cheapest bf16 work costs {fmt.money(best['usd_per_pflop_hour_bf16'])} per PFLOP-hour on "
        f"{fmt.provider_name(best['provider'])} ({best['gpu_model']}, "
        f"{fmt.money(best['price_per_gpu_hour_usd'])} per GPU-hour, "
        f"throughput from a {best['throughput_origin']}); {len(ranking):,} provider and GPU pairs ranked, "
        f"{int(unranked['offers'].sum()):,} offers left out (why below)."
    )

hardware = cached_hardware()  # probing NVML (and PyTorch) costs more than the page
if hardware["gpus"]:
    gpu = hardware["gpus"][0]
    st.success(
        f"GPU found: {gpu['name']} ({gpu['memory_gb']} GB, driver {gpu['driver']}, canonical model "
        f"{gpu['model_key']}). PyTorch: {hardware['torch'].get('version', 'not installed')}."
    )
else:
    st.warning(
        f"No GPU on this machine ({hardware['gpu_reason']}). The benchmark measures the CPU instead "
        f"({hardware['cpu']['model']}, {hardware['cpu']['logical_cores']} logical cores) with numpy, and "
        "the GPU figures below are reference measurements and spec sheets, each with its source."
    )

if read_only():  # a run loads the machine for minutes and writes to the database
    start = False
    viewer_mode_notice("Running a benchmark")
else:
    c1, c2, c3 = st.columns([1, 1, 2])
    quick = c1.toggle("Quick", value=True, help="Fewer shapes and iterations")
    limit_s = c2.number_input("Time limit (s)", min_value=10, max_value=3600, value=120 if quick else 900, step=10)
    start = c3.button("Run benchmark", type="primary")

# One benchmark at a time per store, however many sessions press the button (each loads every core).
bench_lock = FileLock(str(bench_lock_path(db)), timeout=0)
if start:
    try:
        bench_lock.acquire()
    except Timeout:
        st.warning("A benchmark is already running on this machine; its results appear here when it finishes.")
        start = False

if start:
    # The runner inherits DEPIN_*; a file store is named explicitly, a lake by the settings (no password in argv).
    target = ["--db", db] if store.single_host else ["--configured-store"]
    command = [sys.executable, "-m", "analytics.bench.runner", "--jsonl", *target] + (["--quick"] if quick else [])
    results, stored, error = [], None, None
    try:
        with st.status("Benchmark running...", expanded=True) as status:
            table = st.empty()
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            deadline = time.monotonic() + limit_s
            steps = None
            for line in proc.stdout:
                event = json.loads(line)
                if event["event"] == "hardware":
                    steps = event["steps"]
                    st.write(f"Device: {event['device']}" + (f" ({event['why_cpu']})" if event["why_cpu"] else ""))
                elif event["event"] == "result":
                    results.append(event)
                    with table.container():
                        show_table(pd.DataFrame(results), RESULT_COLUMNS)
                    status.update(label=f"Benchmark running: {len(results)} of {steps} measurements")
                elif event["event"] == "stored":
                    stored = event["run_id"]
                elif event["event"] == "error":
                    error = event["message"]
                if time.monotonic() > deadline:
                    proc.kill()
                    error = f"stopped at the {limit_s} s time limit; nothing was stored"
                    break
            proc.wait(timeout=30)
            if error:
                status.update(label=f"Benchmark failed: {error}", state="error")
            else:
                status.update(label=f"Benchmark finished and stored as {stored}", state="complete")
    finally:
        bench_lock.release()

history = runs(store) if store.exists() else pd.DataFrame()
st.subheader("Runs on this machine")
if history.empty:
    st.caption("No run stored yet: press 'Run benchmark' (or `depin bench --quick`).")
else:
    show_table(
        history,
        {
            "started_at": moment("Started (UTC)"),
            "device_name": text("Device"),
            "device_kind": text("Kind", words=True),
            "gpu_model": text("GPU model", why_missing="a CPU run"),
            "quick": flag("Quick run"),
            "status": text("Status"),
            "run_id": text("Run", help="`depin bench --export RUN` prints it as JSON"),
        },
    )
    latest = history.iloc[0]
    results = run_results(store, latest["run_id"]).assign(
        panel=lambda f: f["metric"].map(METRICS).fillna(f["metric"]) + " (" + f["unit"] + ")"
    )
    st.caption(f"Latest run {latest['run_id']} on {latest['device_name']} ({latest['device_kind']}).")
    if results["pct_of_peak"].notna().any():
        chart = px.bar(
            results,
            x="shape",
            y="pct_of_peak",
            color="dtype",
            barmode="group",
            title="Best measurement as % of the spec-sheet peak",
        )
        show_chart(style(chart, x_title="Size", y_title="% of spec-sheet peak", legend_title="Precision"))
    else:
        chart = px.bar(
            results,
            x="shape",
            y="best",
            color="dtype",
            barmode="group",
            facet_col="panel",
            title="Best measurement of each run (CPU: no spec-sheet peak to compare with)",
        )
        chart.update_xaxes(matches=None, title_text="Size").update_yaxes(matches=None, showticklabels=True)
        chart.for_each_annotation(lambda a: a.update(text=a.text.split("=", 1)[-1]))
        show_chart(style(chart, y_title="", legend_title="Precision"))
        st.caption("Each bar is one measurement (precisions side by side, never stacked); units in the panel titles.")

st.subheader("What a unit of work costs on each market")
ranking, unranked = cached_cost_per_work(db, include_spec, len(history))  # a run just made may change it
st.checkbox("Also rank GPUs we only have spec-sheet peaks for (nobody reaches those: optimistic)", key="include_spec")
if ranking.empty:
    st.info("No offers for GPUs with throughput figures.")
else:
    show_table(
        ranking.assign(
            pricing_kind=ranking["pricing_kind"].map(lambda k: KIND_LABELS.get(k, k).capitalize()),
            source=ranking["source"].map(source_label),
        ),
        {
            "provider": provider("Provider", pinned=True),
            "usd_per_pflop_hour_bf16": money("Per PFLOP-hour (bf16)", help="Price of 10^15 bf16 operations/s for 1 h"),
            "gpu_model": text("GPU model"),
            "price_per_gpu_hour_usd": money("Per GPU-hour", help="Cheapest firm price of this provider and GPU"),
            "usd_per_pb_moved": money(
                "Per PB moved",
                help="Price of copying one petabyte through GPU memory (read + write) at the measured bandwidth",
                why_missing="no memory-bandwidth figure for this GPU",
            ),
            "market_model": text("Side", words=True, help="Centralized or decentralized (Cost comparison's lens)"),
            "via": provider("Via", help="Aggregator the offer was listed through, or direct"),
            "pricing_kind": text("Pricing"),
            "bf16_tflops": number("bf16 TFLOP/s", digits=0),
            "throughput_origin": text("Throughput from"),
            "throughput_source": text("Throughput source", width="large"),
            "source": text("Price source"),
        },
    )
    st.caption(
        "Cheapest firm price per provider, listing route (direct or an aggregator) and GPU model, divided by "
        "the throughput the GPU delivers. "
        "'measured here' comes from this machine's runs, 'reference measurement' from published runs "
        "(sources shown)."
    )

if not unranked.empty:
    with st.expander(
        f"{int(unranked['offers'].sum()):,} offers left out of the ranking, and why", expanded=ranking.empty
    ):
        show_table(
            unranked,
            {
                "gpu": text("GPU model", pinned=True),
                "offers": count("Offers"),
                "providers": count("Providers"),
                "cheapest_usd_per_gpu_hour": money("Cheapest per GPU-hour"),
                "reason": text("Why it is not ranked", width="large"),
            },
        )
        st.caption(
            "Throughput is never guessed: an H100 whose form factor the provider does not state may be an SXM "
            "module or a PCIe card, and they differ by up to 60 %."
        )

st.subheader("Reference GPU results")
show_table(
    reference_results(),
    {
        "model_key": text("GPU model", pinned=True),
        "metric": text("Measurement", words=True),
        "dtype": text("Precision"),
        "value": number("Value", digits=1),
        "unit": text("Unit"),
        "pct_of_peak": percent("% of peak", why_missing="no spec-sheet peak"),
        "gpu_name_as_reported": text("As reported"),
        "method": text("Method", width="large"),
        "source": text("Source", width="large"),
    },
)
with st.expander("Throughput used per GPU model"):
    show_table(
        throughput_table(store),
        {
            "model_key": text("GPU model", pinned=True),
            "bf16_tflops": number("bf16 TFLOP/s", digits=0, why_missing="no figure"),
            "bf16_tflops_origin": text("From", why_missing="no figure"),
            "copy_gbps": number("Copy GB/s", digits=0, why_missing="no figure"),
            "copy_gbps_origin": text("From", why_missing="no figure"),
            "bf16_tflops_source": text("bf16 source", width="large", why_missing="no figure"),
            "copy_gbps_source": text("Copy source", width="large", why_missing="no figure"),
        },
    )
