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

from analytics.bench.hardware import detect_hardware
from analytics.bench.runner import run_results, runs
from analytics.bench.value import cost_per_work, reference_results, throughput_table
from app.data import ensure_database
from app.safety import read_only, viewer_mode_notice

store = ensure_database()
db = str(store.path)
st.title("GPU benchmark")

hardware = detect_hardware()
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

# One benchmark at a time on this machine, however many sessions press the button (each loads every core).
bench_lock = FileLock(str(store.path.with_name(store.path.name + ".bench.lock")), timeout=0)
if start:
    try:
        bench_lock.acquire()
    except Timeout:
        st.warning("A benchmark is already running on this machine; its results appear here when it finishes.")
        start = False

if start:
    command = [sys.executable, "-m", "analytics.bench.runner", "--jsonl", "--db", db] + (["--quick"] if quick else [])
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
                    table.dataframe(
                        pd.DataFrame(results)[["metric", "dtype", "shape", "median", "best", "unit", "pct_of_peak"]],
                        hide_index=True,
                        width="stretch",
                    )
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

history = runs(store) if store.path.exists() else pd.DataFrame()
st.subheader("Runs on this machine")
if history.empty:
    st.caption("No run stored yet: press 'Run benchmark' (or `depin bench --quick`).")
else:
    st.dataframe(history.assign(gpu_model=history["gpu_model"].fillna("(CPU run)")), hide_index=True, width="stretch")
    latest = history.iloc[0]
    results = run_results(store, latest["run_id"])
    st.caption(f"Latest run {latest['run_id']} on {latest['device_name']} ({latest['device_kind']}).")
    if results["pct_of_peak"].notna().any():
        st.plotly_chart(
            px.bar(
                results,
                x="shape",
                y="pct_of_peak",
                color="dtype",
                barmode="group",
                labels={"pct_of_peak": "% of spec-sheet peak"},
                title="Best measurement as % of the spec-sheet peak",
            ),
            width="stretch",
        )
    else:
        st.plotly_chart(
            px.bar(
                results,
                x="shape",
                y="best",
                color="metric",
                facet_col="unit",
                title="Best measurement (CPU: no spec-sheet peak to compare with)",
            ),
            width="stretch",
        )

st.subheader("What a unit of work costs on each market")
include_spec = st.checkbox(
    "Also rank GPUs we only have spec-sheet peaks for (nobody reaches those: optimistic)", value=False
)
ranking, left_out = cost_per_work(store, include_spec_peaks=include_spec)
if ranking.empty:
    st.info("No offers for GPUs with throughput figures.")
else:
    st.dataframe(
        ranking[
            [
                "provider",
                "via",
                "market_model",
                "gpu_model",
                "pricing_kind",
                "price_per_gpu_hour_usd",
                "bf16_tflops",
                "usd_per_pflop_hour_bf16",
                "usd_per_tb_moved",
                "throughput_origin",
                "throughput_source",
                "source",
            ]
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "usd_per_pflop_hour_bf16": st.column_config.NumberColumn("USD per PFLOP-hour (bf16)", format="$%.3f"),
            "usd_per_tb_moved": st.column_config.NumberColumn("USD per TB moved", format="$%.6f"),
            "price_per_gpu_hour_usd": st.column_config.NumberColumn("USD / GPU-hour", format="$%.3f"),
        },
    )
    st.caption(
        f"Cheapest firm price per provider and GPU model, divided by the throughput the GPU delivers. "
        f"'measured here' comes from this machine's runs, 'reference measurement' from published runs "
        f"(sources shown). {left_out} offers are left out because their GPU model is not specific enough "
        "(e.g. an H100 whose form factor the provider does not state) to know its throughput."
    )

st.subheader("Reference GPU results")
st.dataframe(reference_results(), hide_index=True, width="stretch")
with st.expander("Throughput used per GPU model"):
    st.dataframe(throughput_table(store), hide_index=True, width="stretch")
