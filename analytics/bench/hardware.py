"""What this machine has: GPUs through the NVIDIA management library (nvidia-ml-py), the compute framework,
and the CPU. Everything optional is optional: no driver, no pynvml or no torch each just means 'not found'."""

from __future__ import annotations

import os
import platform
import socket
from datetime import UTC, datetime
from typing import Any

from analytics.normalize import normalize_gpu


def cpu_info() -> dict[str, Any]:
    model = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"model": model or platform.machine(), "logical_cores": os.cpu_count(), "machine": platform.machine()}


def nvidia_gpus() -> tuple[list[dict[str, Any]], str | None]:
    """(GPUs, reason none were found). Uses NVML: name, memory, driver, clocks, power limit."""
    try:
        import pynvml
    except ImportError:
        return [], "nvidia-ml-py is not installed"
    try:
        pynvml.nvmlInit()
    except Exception as exc:  # NVMLError_LibraryNotFound / DriverNotLoaded: no NVIDIA driver here
        name = type(exc).__name__
        reason = "the NVIDIA driver is not loaded" if "DriverNotLoaded" in name else "no NVIDIA driver is installed"
        return [], reason
    try:
        driver = _text(pynvml.nvmlSystemGetDriverVersion())
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            name = _text(pynvml.nvmlDeviceGetName(handle))
            memory_gb = pynvml.nvmlDeviceGetMemoryInfo(handle).total / 1e9
            gpus.append(
                {
                    "index": index,
                    "name": name,
                    "memory_gb": round(memory_gb, 1),
                    "driver": driver,
                    "sm_clock_max_mhz": _try(
                        lambda h=handle: pynvml.nvmlDeviceGetMaxClockInfo(h, pynvml.NVML_CLOCK_SM)
                    ),
                    "mem_clock_max_mhz": _try(
                        lambda h=handle: pynvml.nvmlDeviceGetMaxClockInfo(h, pynvml.NVML_CLOCK_MEM)
                    ),
                    "power_limit_w": _try(lambda h=handle: pynvml.nvmlDeviceGetPowerManagementLimit(h) / 1000),
                    "model_key": normalize_gpu(name, memory_gb / 1.073741824).key,
                }
            )
        return gpus, None
    finally:
        pynvml.nvmlShutdown()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _try(call):
    try:
        return call()
    except Exception:  # a field some GPUs do not report
        return None


def torch_info(check_cuda: bool = True) -> dict[str, Any]:
    """PyTorch's version, and whether it can use CUDA. Importing torch costs ~0.5 GB and a second or two, so
    it is only imported when NVML found a GPU it could use."""
    from importlib import metadata

    try:
        version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        return {"available": False, "reason": "PyTorch is not installed (pip install 'depin-lens[gpu]')"}
    if not check_cuda:
        return {"available": True, "version": version, "cuda": False, "reason": "no NVIDIA GPU found"}
    import torch

    info: dict[str, Any] = {"available": True, "version": torch.__version__, "cuda": torch.cuda.is_available()}
    if info["cuda"]:
        info["cuda_version"] = torch.version.cuda
        info["device_name"] = torch.cuda.get_device_name(0)
    return info


def detect_hardware() -> dict[str, Any]:
    import numpy

    gpus, gpu_reason = nvidia_gpus()
    return {
        "host": socket.gethostname(),
        "detected_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "cpu": cpu_info(),
        "gpus": gpus,
        "gpu_reason": gpu_reason,
        "torch": torch_info(check_cuda=bool(gpus)),
    }
