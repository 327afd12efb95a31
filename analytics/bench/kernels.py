"""The measurements. Method (as mamf-finder and measured-anchors.md): random inputs (zeros over-report),
warm-up, time each iteration (CUDA events on a GPU, synchronised before reading), flush the L2 cache between
iterations, FLOPs = 2*m*n*k, report the median and the best over many iterations and a few large shapes.
Memory bandwidth counts bytes read plus bytes written of a large device-to-device copy.

The torch functions take a device, so CI exercises them on the CPU with small shapes; numpy gives the CPU
report when torch is absent."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np


@dataclass
class Measurement:
    metric: str  # matmul | memory_bandwidth
    dtype: str
    shape: str
    median: float
    best: float
    unit: str
    iterations: int


def _summarise(metric, dtype, shape, rates, unit) -> Measurement:
    return Measurement(metric, dtype, shape, statistics.median(rates), max(rates), unit, len(rates))


# -- numpy (CPU) -------------------------------------------------------------------------------------------


def numpy_matmul(n: int, dtype: str = "fp32", iterations: int = 5, warmup: int = 1, seed: int = 0) -> Measurement:
    np_dtype = {"fp32": np.float32, "fp64": np.float64}[dtype]
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n), dtype=np.float64).astype(np_dtype)
    b = rng.standard_normal((n, n), dtype=np.float64).astype(np_dtype)
    for _ in range(warmup):
        a @ b
    rates = []
    for _ in range(iterations):
        start = time.perf_counter()
        a @ b
        elapsed = time.perf_counter() - start
        rates.append(2 * n**3 / elapsed / 1e9)
    return _summarise("matmul", dtype, f"{n}x{n}x{n}", rates, "GFLOP/s")


def numpy_copy_bandwidth(megabytes: int = 256, iterations: int = 5) -> Measurement:
    source = np.random.default_rng(0).random(megabytes * 1024 * 1024 // 8)
    target = np.empty_like(source)
    np.copyto(target, source)  # warm-up: fault the pages in
    rates = []
    for _ in range(iterations):
        start = time.perf_counter()
        np.copyto(target, source)
        elapsed = time.perf_counter() - start
        rates.append(2 * source.nbytes / elapsed / 1e9)  # read + write
    return _summarise("memory_bandwidth", "copy", f"{megabytes} MiB", rates, "GB/s")


# -- torch (CUDA, or CPU for tests) ------------------------------------------------------------------------

TORCH_DTYPES = ("fp32", "tf32", "fp16", "bf16")


def torch_matmul(torch, device: str, n: int, dtype: str, iterations: int = 20, warmup: int = 5) -> Measurement:
    cuda = device.startswith("cuda")
    torch_dtype = {"fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[dtype]
    previous_tf32 = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = dtype == "tf32"  # fp32 means true fp32: say which was measured
    try:
        generator = torch.Generator(device=device).manual_seed(0)
        a = torch.randn((n, n), device=device, dtype=torch_dtype, generator=generator)
        b = torch.randn((n, n), device=device, dtype=torch_dtype, generator=generator)
        flush = torch.empty(256 * 1024 * 1024 // 4, dtype=torch.float32, device=device) if cuda else None
        for _ in range(warmup):
            torch.matmul(a, b)
        if cuda:
            torch.cuda.synchronize()
        times = []
        for _ in range(iterations):
            if flush is not None:
                flush.zero_()  # evict the L2 cache so each iteration reads from memory
            if cuda:
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                torch.matmul(a, b)
                end.record()
                torch.cuda.synchronize()
                times.append(start.elapsed_time(end) / 1000)
            else:
                t0 = time.perf_counter()
                torch.matmul(a, b)
                times.append(time.perf_counter() - t0)
        rates = [2 * n**3 / t / 1e12 for t in times]
        return _summarise("matmul", dtype, f"{n}x{n}x{n}", rates, "TFLOP/s")
    finally:
        torch.backends.cuda.matmul.allow_tf32 = previous_tf32


def torch_copy_bandwidth(
    torch, device: str, megabytes: int = 1024, iterations: int = 20, warmup: int = 3
) -> Measurement:
    cuda = device.startswith("cuda")
    elements = megabytes * 1024 * 1024 // 4
    source = torch.randn(elements, device=device, dtype=torch.float32)
    target = torch.empty_like(source)
    for _ in range(warmup):
        target.copy_(source)
    if cuda:
        torch.cuda.synchronize()
    times = []
    for _ in range(iterations):
        if cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            target.copy_(source)
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end) / 1000)
        else:
            t0 = time.perf_counter()
            target.copy_(source)
            times.append(time.perf_counter() - t0)
    nbytes = source.element_size() * source.nelement()
    rates = [2 * nbytes / t / 1e9 for t in times]
    return _summarise("memory_bandwidth", "copy", f"{megabytes} MiB", rates, "GB/s")
