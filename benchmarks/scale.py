"""Performance at scale: every page, the refresh write, reads during a write, startup and the CLI, each
beside its goal and the reference measured in the same run.

    python -m benchmarks.scale --observations 10000000 --candles 5000000 --db scale.duckdb
    python -m benchmarks.scale --observations 1000000 --candles 500000 --db scale.duckdb --build-only
    python -m benchmarks.scale ... --json report.json --repeat 3 --states all|some

The database is SYNTHETIC (benchmarks/scale_data.py): the bundled snapshot plus generated offers and
one-minute candles, labelled `synthetic:` in its provenance; it is never bundled. An existing file built
with the same --observations/--candles is reused. Timings, not assertions: tests only check the report's
shape (tests/test_scale_benchmark.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from benchmarks.scale_data import ScalePlan, build, existing_plan
from benchmarks.scale_pages import REPO, measure_state, page_states, stats

GOAL_KEYS = ("pages", "memory", "ingest", "reads_during_write", "startup", "cli_help")
SCALE_OBSERVATIONS = 1_000_000  # from here on the at-scale page goals apply
MEMORY_GOAL_MB = 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def time_to_healthy(command: list[str], port: int, env: dict | None = None) -> float:
    start = time.perf_counter()
    # its own process group: `depin dashboard` starts Streamlit as a child, and the whole group is stopped below
    proc = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO, env=env, start_new_session=True
    )
    try:
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).text == "ok":
                    return time.perf_counter() - start
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.perf_counter() - start > 180:
                raise RuntimeError(f"{' '.join(command[:4])} did not become healthy")
            time.sleep(0.02)
    finally:
        _stop_group(proc)


def _stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM to the process group (the CLI and the Streamlit server it started), SIGKILL after 20 s."""
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    with contextlib.suppress(ProcessLookupError):  # a server that outlived its parent
        os.killpg(proc.pid, signal.SIGKILL)


def measure_startup(db: Path, repeat: int) -> dict:
    depin, hello = [], []
    for _ in range(repeat):
        port = _free_port()
        depin.append(
            time_to_healthy(
                [
                    sys.executable,
                    "-m",
                    "analytics.cli",
                    "--db",
                    str(db),
                    "dashboard",
                    "--port",
                    str(port),
                    "--address",
                    "127.0.0.1",
                ],
                port,
            )  # fmt: skip
        )
        port = _free_port()
        hello.append(
            time_to_healthy(
                [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "hello",
                    "--server.port",
                    str(port),
                    "--server.address",
                    "127.0.0.1",
                    "--server.headless",
                    "true",
                    "--browser.gatherUsageStats",
                    "false",
                ],
                port,
            )  # fmt: skip
        )
    d, h = stats(depin), stats(hello)
    return {
        "depin_dashboard_to_healthy": d,
        "streamlit_hello_to_healthy": h,
        "ratio": d["median_s"] / h["median_s"],
        "goal": "startup <= 2x bare Streamlit (`streamlit hello`)",
        "meets_goal": d["median_s"] / h["median_s"] <= 2,
    }


def _time_command(command: list[str], repeat: int) -> dict:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, cwd=REPO, stdout=subprocess.DEVNULL, env={**os.environ})
        samples.append(time.perf_counter() - start)
    return stats(samples)


def measure_cli_help(repeat: int) -> dict:
    depin = _time_command([sys.executable, "-m", "analytics.cli", "--help"], max(repeat, 5))
    bare = _time_command([sys.executable, "-c", "pass"], max(repeat, 5))
    return {
        "depin_help": depin,
        "python_bare": bare,
        "goal": "`depin --help` <= 0.3 s",
        "meets_goal": depin["median_s"] <= 0.3,
    }


def measure_pages(db: Path, repeat: int, states: str, at_scale: bool, progress) -> tuple[dict, dict]:
    warm_goal, cold_goal = (1.0, 2.0) if at_scale else (0.25, 1.0)
    pages = {}
    for label, page, setter in page_states(db, states):
        result = measure_state(db, page, setter, repeat)
        result["meets_goal"] = result["warm"]["median_s"] <= warm_goal and result["cold"]["median_s"] <= cold_goal
        pages[label] = result
        progress(
            f"{label:60s} cold {result['cold']['median_s']:6.2f} s  warm {result['warm']['median_s']:6.3f} s  "
            f"peak {result['peak_rss_mb'] or 0:7.0f} MB"
        )
    worst = max(pages.values(), key=lambda r: r["peak_rss_mb"] or 0)
    ds_peak = max((r["peak_rss_mb"] or 0) for k, r in pages.items() if k.startswith("data_sources"))
    page_summary = {
        "states": pages,
        "goal": f"every page state <= {warm_goal:g} s warm and <= {cold_goal:g} s cold "
        f"({'at scale' if at_scale else 'bundled-size data'}; median of runs)",
        "worst_warm_s": max(r["warm"]["median_s"] for r in pages.values()),
        "worst_cold_s": max(r["cold"]["median_s"] for r in pages.values()),
        "meets_goal": all(r["meets_goal"] for r in pages.values()),
    }
    memory = {
        "max_peak_rss_mb": worst["peak_rss_mb"],
        "data_sources_peak_rss_mb": ds_peak,
        "max_growth_mb": max((r["growth_mb"] or 0) for r in pages.values()),
        "goal": f"Data & sources under {MEMORY_GOAL_MB} MB server memory with any dataset selected; no page's "
        "memory grows with history",
        "meets_goal": ds_peak < MEMORY_GOAL_MB,
    }
    return page_summary, memory


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--candles", type=int, default=500_000)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--build-only", action="store_true", help="only write the database")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--states", choices=["all", "some"], default="all")
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    parser.add_argument(
        "--parts",
        default=",".join(GOAL_KEYS),
        help="comma-separated parts to measure (default: all): " + ", ".join(GOAL_KEYS),
    )
    args = parser.parse_args(argv)
    args.parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = sorted(set(args.parts) - set(GOAL_KEYS))
    if unknown or not args.parts:
        parser.error(f"unknown --parts {', '.join(unknown) or '(none)'}; known: {', '.join(GOAL_KEYS)}")
    if args.observations < 1_000 or args.candles < 0 or args.repeat < 1:
        parser.error("--observations must be at least 1000, --candles at least 0, --repeat at least 1")
    return args


def main(argv: list[str] | None = None) -> dict | None:
    args = parse_args(argv)
    plan = ScalePlan(args.observations, args.candles)

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    found = existing_plan(args.db)
    if found == plan.fingerprint():
        progress(f"reusing {args.db} ({found})")
        built = {"reused": True, "plan": found}
    elif args.db.exists():
        sys.exit(f"error: {args.db} exists but holds {found or 'something else'}; remove it or pick another --db")
    else:
        started = time.perf_counter()
        built = build(args.db, plan, progress)
        built["build_s"] = time.perf_counter() - started
        progress(f"built {args.db} in {built['build_s']:.1f} s")
    if args.build_only:
        return None
    from benchmarks.scale_writes import measure_ingest, measure_reads_during_write

    report: dict = {
        "command": "python -m benchmarks.scale " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "database": {**built, "path": str(args.db), "bytes": args.db.stat().st_size, "plan": plan.fingerprint()},
    }
    at_scale = args.observations >= SCALE_OBSERVATIONS
    if "pages" in args.parts or "memory" in args.parts:
        report["pages"], report["memory"] = measure_pages(args.db, args.repeat, args.states, at_scale, progress)
    if "ingest" in args.parts:
        report["ingest"] = measure_ingest(args.db, args.repeat)
        progress(f"ingest ratio {report['ingest']['ratio']:.2f}")
    if "reads_during_write" in args.parts:
        report["reads_during_write"] = measure_reads_during_write(args.db, args.repeat)
        progress(f"reads during write ratio {report['reads_during_write']['ratio']:.2f}")
    if "startup" in args.parts:
        report["startup"] = measure_startup(args.db, args.repeat)
    if "cli_help" in args.parts:
        report["cli_help"] = measure_cli_help(args.repeat)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    print_summary(report)
    return report


def print_summary(report: dict) -> None:
    print(report["command"], f"({report['machine']['cpus']} CPUs)")
    for key in GOAL_KEYS:
        if key not in report:
            continue
        part = report[key]
        mark = "meets" if part["meets_goal"] else "MISSES"
        print(f"\n[{key}] {mark}: {part['goal']}")
        if key == "pages":
            for label, r in part["states"].items():
                print(
                    f"  {label:60s} cold {r['cold']['median_s']:6.2f} s (max {r['cold']['max_s']:.2f})  warm "
                    f"{r['warm']['median_s']:6.3f} s (max {r['warm']['max_s']:.3f})  "
                    f"peak {r['peak_rss_mb'] or 0:,.0f} MB"
                )
        elif key == "memory":
            print(
                f"  Data & sources peak {part['data_sources_peak_rss_mb']:,.0f} MB; "
                f"any page {part['max_peak_rss_mb']:,.0f} MB"
            )
        elif key == "ingest":
            print(
                f"  {part['rows']:,} rows: refresh write {part['project_write']['median_s']:.2f} s vs raw insert "
                f"{part['raw_duckdb_insert']['median_s']:.2f} s -> ratio {part['ratio']:.2f}"
            )
        elif key == "reads_during_write":
            print(
                f"  warm Overview idle {part['warm_overview_idle']['median_s']:.3f} s, during writes "
                f"{part['warm_overview_during_write']['median_s']:.3f} s (max "
                f"{part['warm_overview_during_write']['max_s']:.3f}) -> {part['ratio']:.1f}x; Overview queries "
                f"{part['overview_queries_idle']['median_s']:.3f} s idle, "
                f"{part['overview_queries_during_write']['median_s']:.3f} s during"
            )
        elif key == "startup":
            print(
                f"  depin dashboard {part['depin_dashboard_to_healthy']['median_s']:.2f} s vs streamlit hello "
                f"{part['streamlit_hello_to_healthy']['median_s']:.2f} s -> {part['ratio']:.2f}x"
            )
        elif key == "cli_help":
            print(
                f"  depin --help {part['depin_help']['median_s']:.3f} s (bare python "
                f"{part['python_bare']['median_s']:.3f} s)"
            )


if __name__ == "__main__":
    main()
