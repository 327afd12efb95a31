"""The benchmark, end to end on the CPU (CI has no GPU): detection, measurement, storage, the cost join.
The PyTorch kernels run on the CPU here with small shapes; on a GPU the same code times with CUDA events."""

import json
import subprocess
import sys
import time
import types

import pandas as pd
import pytest

from analytics.bench import hardware, kernels
from analytics.bench.runner import choose_device, export_run, peak_for, plan, run_benchmark, runs, save_run
from analytics.bench.value import cost_per_work, throughput_table
from tests.stores import use_store


def test_detection_without_a_gpu_says_why():
    info = hardware.detect_hardware()
    assert info["cpu"]["logical_cores"] >= 1 and info["cpu"]["model"]
    if not info["gpus"]:
        assert info["gpu_reason"]


def test_nvml_details_are_read_and_mapped(monkeypatch):
    class Memory:
        total = 85_520_809_984

    fake = types.SimpleNamespace(
        NVML_CLOCK_SM=1,
        NVML_CLOCK_MEM=2,
        nvmlInit=lambda: None,
        nvmlShutdown=lambda: None,
        nvmlSystemGetDriverVersion=lambda: b"580.95.05",
        nvmlDeviceGetCount=lambda: 1,
        nvmlDeviceGetHandleByIndex=lambda i: "h0",
        nvmlDeviceGetName=lambda h: "NVIDIA H100 80GB HBM3",
        nvmlDeviceGetMemoryInfo=lambda h: Memory(),
        nvmlDeviceGetMaxClockInfo=lambda h, kind: 1980 if kind == 1 else 2619,
        nvmlDeviceGetPowerManagementLimit=lambda h: 700_000,
    )
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    gpus, reason = hardware.nvidia_gpus()
    assert reason is None
    assert gpus[0]["model_key"] == "H100-SXM-80GB"
    assert (gpus[0]["driver"], gpus[0]["sm_clock_max_mhz"], gpus[0]["power_limit_w"]) == ("580.95.05", 1980, 700.0)


def test_numpy_kernels_report_positive_rates():
    mm = kernels.numpy_matmul(128, "fp32", iterations=2)
    assert mm.unit == "GFLOP/s" and mm.best >= mm.median > 0 and mm.iterations == 2
    bw = kernels.numpy_copy_bandwidth(8, iterations=2)
    assert bw.unit == "GB/s" and bw.best > 0


def test_torch_kernels_on_the_cpu():
    torch = pytest.importorskip("torch")
    before = torch.backends.cuda.matmul.allow_tf32
    for dtype in kernels.TORCH_DTYPES:
        result = kernels.torch_matmul(torch, "cpu", 64, dtype, iterations=2, warmup=1)
        assert result.unit == "TFLOP/s" and result.best > 0 and result.shape == "64x64x64"
    assert torch.backends.cuda.matmul.allow_tf32 == before  # restored after the tf32 run
    copy = kernels.torch_copy_bandwidth(torch, "cpu", megabytes=4, iterations=2, warmup=1)
    assert copy.metric == "memory_bandwidth" and copy.best > 0


def test_peaks_from_the_spec_table():
    assert peak_for("H100-SXM-80GB", "matmul", "bf16") == (989.0, "spec dense bf16/fp16")
    assert peak_for("H100-SXM-80GB", "matmul", "tf32")[0] == pytest.approx(494.5)
    assert peak_for("H100-SXM-80GB", "memory_bandwidth", "copy")[0] == 3350.0
    assert peak_for(None, "matmul", "bf16") == (None, "")


def test_device_choice_and_plans():
    no_gpu = {"torch": {"available": False, "reason": "no torch"}, "gpu_reason": "no NVIDIA driver"}
    assert choose_device("auto", no_gpu) == ("cpu", "no GPU benchmark: no NVIDIA driver")
    with pytest.raises(RuntimeError, match="no CUDA device"):
        choose_device("cuda", no_gpu)
    gpu_plan = plan("cuda:0", quick=False)
    assert {a["dtype"] for k, a in gpu_plan if k == "torch_matmul"} == {"bf16", "fp16", "tf32", "fp32"}
    assert any(a["n"] == 8192 for k, a in gpu_plan if k == "torch_matmul")
    assert plan("cpu", quick=True)[-1][0] == "numpy_copy_bandwidth"


def test_run_store_never_overwrite_and_export(empty_store):
    events = []
    report = run_benchmark(quick=True, device="cpu", progress=events.append)
    assert [e["event"] for e in events][0] == "hardware" and events[-1]["event"] == "done"
    assert len([e for e in events if e["event"] == "result"]) == len(report["results"]) == 4
    save_run(empty_store, report)
    with pytest.raises(ValueError, match="never overwritten"):
        save_run(empty_store, report)
    second = run_benchmark(quick=True, device="cpu")
    save_run(empty_store, second)
    assert len(runs(empty_store)) == 2
    exported = export_run(empty_store, report["run_id"])
    assert exported["fingerprint"]["host"] == report["fingerprint"]["host"]
    assert [r["dtype"] for r in exported["results"]] == [r["dtype"] for r in report["results"]]
    json.dumps(exported)  # plain JSON


def test_cost_per_work_prefers_a_local_measurement(snapshot_store):
    report = run_benchmark(quick=True, device="cpu")
    report.update(
        run_id="bench-fake-gpu", device_kind="cuda", device_name="NVIDIA H100 80GB HBM3", gpu_model="H100-SXM-80GB"
    )
    report["results"] = [
        {
            "seq": 0,
            "metric": "matmul",
            "dtype": "bf16",
            "shape": "8192x8192x8192",
            "median": 690.0,
            "best": 700.0,
            "unit": "TFLOP/s",
            "iterations": 10,
            "peak": 989.0,
            "pct_of_peak": 70.8,
        },
        {
            "seq": 1,
            "metric": "memory_bandwidth",
            "dtype": "copy",
            "shape": "1024 MiB",
            "median": 2900.0,
            "best": 2950.0,
            "unit": "GB/s",
            "iterations": 10,
            "peak": 3350.0,
            "pct_of_peak": 88.1,
        },
    ]
    save_run(snapshot_store, report)
    table = throughput_table(snapshot_store).set_index("model_key")
    assert table.loc["H100-SXM-80GB", "bf16_tflops"] == 700.0
    assert table.loc["H100-SXM-80GB", "bf16_tflops_origin"] == "measured here"
    assert table.loc["A100-PCIE-80GB", "bf16_tflops_origin"] == "reference measurement"  # A100-PCIE covers it
    ranking, left_out = cost_per_work(snapshot_store)
    h100 = ranking[ranking["gpu_model"] == "H100-SXM-80GB"]
    assert (h100["usd_per_pflop_hour_bf16"] == h100["price_per_gpu_hour_usd"] / 0.7).all()
    assert (h100["usd_per_tb_moved"] == h100["price_per_gpu_hour_usd"] / (2950.0 * 3.6)).all()
    assert left_out > 0  # e.g. H100s of unknown form factor are not priced per work
    measured_only, _ = cost_per_work(snapshot_store, include_spec_peaks=False)
    assert set(measured_only["throughput_origin"]) <= {"measured here", "reference measurement"}
    assert list(ranking["usd_per_pflop_hour_bf16"]) == sorted(ranking["usd_per_pflop_hour_bf16"])


def test_cli_quick_bench_json_and_export(tmp_path):
    db = tmp_path / "b.duckdb"
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "analytics.cli", "--db", str(db), "bench", "--quick", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["device_kind"] in ("cpu", "cuda") and report["results"]
    assert time.monotonic() - start < 120
    exported = subprocess.run(
        [sys.executable, "-m", "analytics.cli", "--db", str(db), "bench", "--export", report["run_id"]],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(exported.stdout)["run_id"] == report["run_id"]
    missing = subprocess.run(
        [sys.executable, "-m", "analytics.cli", "--db", str(db), "bench", "--export", "nope"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 1 and "no benchmark run 'nope'" in missing.stderr


def test_benchmark_panel_runs_and_shows_results(snapshot_store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import REPO

    use_store(monkeypatch, snapshot_store)
    at = AppTest.from_file(str(REPO / "app" / "streamlit_app.py"), default_timeout=120).run()
    at.switch_page("views/gpu_benchmark.py").run()
    assert not at.exception
    next(b for b in at.button if b.label == "Run benchmark").click().run()
    assert not at.exception
    stored = runs(snapshot_store)
    assert len(stored) == 1
    # the history was cached before the run; the page shows the new run at once, not after the cache expires
    shown = [df.value for df in at.dataframe if isinstance(df.value, pd.DataFrame) and "device_kind" in df.value]
    assert shown and shown[0]["run_id"].tolist() == stored["run_id"].tolist()
    assert any(
        isinstance(df.value, pd.DataFrame) and "usd_per_pflop_hour_bf16" in df.value.columns for df in at.dataframe
    )
