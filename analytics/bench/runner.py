"""Run the benchmark: detect, measure (GPU with PyTorch when there is one, else the CPU with numpy), compute
% of the spec-sheet peak, store the run (never overwritten), export it as JSON.

    python -m analytics.bench.runner [--quick] [--device auto|cpu|cuda] [--db PATH] [--jsonl]

`--jsonl` prints one JSON event per line as results arrive; the dashboard's panel reads them from a
subprocess, so a benchmark never blocks the app and can be stopped at its time limit.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.bench import kernels
from analytics.bench.hardware import detect_hardware
from analytics.metrics.earnings import gpu_specs
from analytics.store import Store
from analytics.store.writes import upsert


def plan(device: str, quick: bool) -> list[tuple[str, dict]]:
    """(kernel name, arguments) in the order they run."""
    if device.startswith("cuda"):
        big = [4096, 8192] if quick else [4096, 8192, 16384]
        iterations = 10 if quick else 30
        steps = [
            ("torch_matmul", {"n": n, "dtype": d, "iterations": iterations}) for d in ("bf16", "fp16") for n in big
        ]
        steps += [
            ("torch_matmul", {"n": n, "dtype": d, "iterations": iterations}) for d in ("tf32", "fp32") for n in big[:2]
        ]
        steps.append(("torch_copy_bandwidth", {"megabytes": 1024 if quick else 4096, "iterations": iterations}))
        return steps
    sizes = [512, 1024] if quick else [1024, 2048]
    steps = [("numpy_matmul", {"n": n, "dtype": "fp32", "iterations": 3 if quick else 7}) for n in sizes]
    steps.append(("numpy_matmul", {"n": sizes[0], "dtype": "fp64", "iterations": 3 if quick else 7}))
    steps.append(("numpy_copy_bandwidth", {"megabytes": 128 if quick else 512, "iterations": 3 if quick else 7}))
    return steps


def peak_for(model_key: str | None, metric: str, dtype: str) -> tuple[float | None, str]:
    """Spec-sheet peak in the unit the kernel reports (TFLOP/s or GB/s), and what it is."""
    if model_key is None:
        return None, ""
    specs = gpu_specs().set_index("model_key")
    if model_key not in specs.index:
        return None, ""
    row = specs.loc[model_key]
    if metric == "memory_bandwidth":
        return float(row["memory_bandwidth_gbps"]), "spec memory bandwidth"
    if dtype in ("bf16", "fp16"):
        return float(row["bf16_fp16_dense_tflops"]), "spec dense bf16/fp16"
    if dtype == "tf32":
        return float(row["bf16_fp16_dense_tflops"]) / 2, "half the spec dense bf16 peak (dense TF32)"
    if dtype == "fp32" and pd.notna(row["fp32_tflops"]):
        return float(row["fp32_tflops"]), "spec fp32 (non-tensor)"
    return None, ""


def choose_device(requested: str, hardware: dict) -> tuple[str, str | None]:
    """(device, why the CPU was used instead of a GPU)."""
    cuda_ok = hardware["torch"].get("cuda", False)
    if requested == "cuda" and not cuda_ok:
        raise RuntimeError(
            "no CUDA device usable from PyTorch: "
            + (hardware["gpu_reason"] or hardware["torch"].get("reason", "torch without CUDA"))
        )
    if requested in ("auto", "cuda") and cuda_ok:
        return "cuda:0", None
    why = hardware["gpu_reason"] or hardware["torch"].get("reason") or "PyTorch cannot use the GPU"
    return "cpu", None if requested == "cpu" else f"no GPU benchmark: {why}"


def run_benchmark(
    *, quick: bool = True, device: str = "auto", progress: Callable[[dict], None] | None = None
) -> dict[str, Any]:
    emit = progress or (lambda event: None)
    hardware = detect_hardware()
    chosen, why_cpu = choose_device(device, hardware)
    gpu = hardware["gpus"][0] if chosen.startswith("cuda") and hardware["gpus"] else None
    model_key = gpu["model_key"] if gpu else None
    run_id = f"bench-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    steps = plan(chosen, quick)
    emit(
        {
            "event": "hardware",
            "run_id": run_id,
            "device": chosen,
            "why_cpu": why_cpu,
            "hardware": hardware,
            "gpu_model": model_key,
            "steps": len(steps),
        }
    )
    torch = None
    if chosen.startswith("cuda"):
        import torch as torch_module

        torch = torch_module
    started = datetime.now(UTC).replace(tzinfo=None)
    results = []
    for seq, (name, args) in enumerate(steps):
        kernel = getattr(kernels, name)
        measurement = kernel(torch, chosen, **args) if name.startswith("torch") else kernel(**args)
        peak, peak_kind = peak_for(model_key, measurement.metric, measurement.dtype)
        result = {
            "seq": seq,
            **asdict(measurement),
            "peak": peak,
            "peak_kind": peak_kind,
            "pct_of_peak": measurement.best / peak * 100 if peak else None,
        }
        results.append(result)
        emit({"event": "result", **result})
    device_name = gpu["name"] if gpu else hardware["cpu"]["model"]
    report = {
        "run_id": run_id,
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).replace(tzinfo=None).isoformat(),
        "device_kind": "cuda" if chosen.startswith("cuda") else "cpu",
        "device_name": device_name,
        "gpu_model": model_key,
        "quick": quick,
        "why_cpu": why_cpu,
        "fingerprint": {
            "device": device_name,
            "driver": gpu["driver"] if gpu else None,
            "host": hardware["host"],
            "date": hardware["detected_at"],
            "python": hardware["python"],
            "numpy": hardware["numpy"],
            "torch": hardware["torch"].get("version"),
            "cuda": hardware["torch"].get("cuda_version"),
            "sm_clock_max_mhz": gpu["sm_clock_max_mhz"] if gpu else None,
            "power_limit_w": gpu["power_limit_w"] if gpu else None,
            "cpu": hardware["cpu"],
            "os": hardware["os"],
        },
        "results": results,
    }
    emit({"event": "done", "run_id": run_id})
    return report


def save_run(store: Store, report: dict) -> None:
    store.migrate()
    run = {
        "run_id": report["run_id"],
        "started_at": pd.Timestamp(report["started_at"]),
        "finished_at": pd.Timestamp(report["finished_at"]),
        "device_kind": report["device_kind"],
        "device_name": report["device_name"],
        "gpu_model": report["gpu_model"],
        "quick": report["quick"],
        "status": "ok",
        "fingerprint": json.dumps(report["fingerprint"]),
    }
    results = pd.DataFrame(
        [
            {
                "run_id": report["run_id"],
                **{
                    k: r[k]
                    for k in ("seq", "metric", "dtype", "shape", "median", "unit", "iterations", "peak", "pct_of_peak")
                },
                "best": r["best"],
            }
            for r in report["results"]
        ]
    )
    with store.writer() as conn:
        if conn.execute("SELECT count(*) FROM bench_runs WHERE run_id = ?", [report["run_id"]]).fetchall()[0][0]:
            raise ValueError(f"benchmark run {report['run_id']} is stored already; runs are never overwritten")
        upsert(conn, "bench_runs", pd.DataFrame([run]))
        upsert(conn, "bench_results", results)


def runs(store: Store) -> pd.DataFrame:
    return store.query_df("SELECT * EXCLUDE (fingerprint) FROM bench_runs ORDER BY started_at DESC")


def run_results(store: Store, run_id: str) -> pd.DataFrame:
    return store.query_df("SELECT * FROM bench_results WHERE run_id = ? ORDER BY seq", [run_id])


def export_run(store: Store, run_id: str) -> dict:
    rows = store.query_rows("SELECT * FROM bench_runs WHERE run_id = ?", [run_id])
    if not rows:
        raise KeyError(f"no benchmark run {run_id!r}")
    columns = [c[0] for c in store.query_rows("DESCRIBE bench_runs")]
    run = dict(zip(columns, rows[0], strict=True))
    run["fingerprint"] = json.loads(run["fingerprint"])
    results = run_results(store, run_id)
    run["results"] = results.drop(columns="run_id").to_dict(orient="records")
    return json.loads(json.dumps(run, default=str))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--db", type=Path, default=None, help="store the run in this database")
    parser.add_argument("--configured-store", action="store_true", help="store the run in the store DEPIN_* names")
    parser.add_argument("--jsonl", action="store_true", help="print one JSON event per line")
    args = parser.parse_args(argv)

    def progress(event: dict) -> None:
        if args.jsonl:
            print(json.dumps(event, default=str), flush=True)

    try:
        report = run_benchmark(quick=args.quick, device=args.device, progress=progress)
        if args.db is not None or args.configured_store:
            from analytics.store.factory import open_store

            store = Store(args.db) if args.db is not None else open_store()
            save_run(store, report)
            progress({"event": "stored", "run_id": report["run_id"], "db": store.display_name})
    except Exception as exc:  # reported to the panel as an event, not a traceback on its screen
        progress({"event": "error", "message": f"{type(exc).__name__}: {exc}"})
        if not args.jsonl:
            print(f"error: {exc}", file=sys.stderr)
        return 1
    if not args.jsonl:
        print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
