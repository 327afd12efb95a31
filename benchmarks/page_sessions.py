"""Page time with many dashboard sessions at once, while refreshes write (127.0.0.1 only).

    python -m benchmarks.concurrency --sessions 20 [--duration 120] [--refresh-every 20] [--json]

Starts `depin dashboard` on a copy of the bundled snapshot and a local server replaying the test fixtures.
Each session is a real Streamlit client: it opens the app's websocket (/_stcore/stream) and asks for one
page after another (rerun_script with the page name, as the browser does on navigation); a page's time runs
from the request to the server's script_finished message, so it includes the queries, the charts and the
serialisation of every element. Meanwhile `depin refresh --only akash,ionet` runs every `--refresh-every`
seconds in its own process. Reports page-time percentiles, pages whose script raised, failed refreshes and
the rows the refreshes added (checked against the database afterwards).
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WARMUP_S = 15.0
PAGES = ["", "cost_comparison", "token_markets", "tokenomics", "node_earnings", "due_diligence", "data_sources"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(port: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the dashboard did not become healthy on port {port} within {timeout_s:.0f} s")


async def _session(port: int, index: int, until: float, times: list, errors: list, think_s: float = 0.0) -> None:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from tornado.websocket import websocket_connect

    ws = await websocket_connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"])
    turn = index  # sessions start on different pages
    pause = random.Random(index)  # the same pauses in every run
    try:
        if think_s:  # people do not all arrive in the same second
            await asyncio.sleep(pause.uniform(0, think_s))
        while time.monotonic() < until:
            page = PAGES[turn % len(PAGES)]
            turn += 1
            request = BackMsg()
            request.rerun_script.query_string = ""
            request.rerun_script.page_name = page
            started, sent_at = time.perf_counter(), time.monotonic()
            await ws.write_message(request.SerializeToString(), binary=True)
            raised = False
            while True:
                raw = await ws.read_message()
                if raw is None:
                    errors.append((page or "overview", "websocket closed"))
                    return
                message = ForwardMsg()
                message.ParseFromString(raw)
                kind = message.WhichOneof("type")
                if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                    raised = raised or message.delta.new_element.WhichOneof("type") == "exception"
                if kind == "script_finished":
                    break
            times.append((page or "overview", time.perf_counter() - started, sent_at))
            if raised:
                errors.append((page or "overview", "the page raised an exception"))
            if think_s:  # a person reads the page before the next click: 0.5x to 1.5x the mean
                await asyncio.sleep(pause.uniform(0.5 * think_s, 1.5 * think_s))
    finally:
        ws.close()


def _refresher(db: Path, env: dict, every_s: float, stop: threading.Event, outcomes: list) -> None:
    while not stop.wait(every_s):
        done = subprocess.run(
            [sys.executable, "-m", "analytics.cli", "--db", str(db), "refresh", "--only", "akash,ionet"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        outcomes.append(done.returncode)


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))]


def run_sessions(
    sessions: int, duration_s: float, refresh_every_s: float, think_s: float = 0.0, servers: int = 1
) -> dict:
    """`servers` > 1 starts that many `depin dashboard` processes on the same database (as replicas behind a
    load balancer with sticky sessions would run) and spreads the sessions over them round-robin."""
    from analytics.snapshot import load_snapshot
    from analytics.store import Store
    from tests.fakeserver import FakeApis

    with tempfile.TemporaryDirectory() as tmp, FakeApis() as apis:
        db = Path(tmp) / "sessions.duckdb"
        load_snapshot(Store(db))
        rows_before = Store(db).query_rows("SELECT count(*) FROM gpu_offer_observations")[0][0]
        env = {**os.environ, **apis.base_urls(), "PYTHONPATH": str(REPO), "DEPIN_DB": str(db)}
        ports = [_free_port() for _ in range(servers)]
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "analytics.cli", "--db", str(db), "dashboard", "--port", str(port)]
                + ["--address", "127.0.0.1", "--allow-writes"],
                env=env,
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its streamlit child goes down with it (killpg below)
            )
            for port in ports
        ]
        stop, refreshes = threading.Event(), []
        refresher = threading.Thread(target=_refresher, args=(db, env, refresh_every_s, stop, refreshes))
        try:
            for port in ports:
                _wait_healthy(port)
            times: list[tuple[str, float]] = []
            errors: list[tuple[str, str]] = []
            refresher.start()
            until = time.monotonic() + duration_s

            async def all_sessions() -> None:
                await asyncio.gather(
                    *(_session(ports[i % servers], i, until, times, errors, think_s) for i in range(sessions))
                )

            started = time.perf_counter()
            asyncio.run(all_sessions())
            wall = time.perf_counter() - started
        finally:
            stop.set()
            if refresher.is_alive():
                refresher.join(timeout=300)
            for proc in procs:
                os.killpg(proc.pid, 15)
            for proc in procs:
                proc.wait(timeout=30)
        rows_after = Store(db).query_rows("SELECT count(*) FROM gpu_offer_observations")[0][0]
    ordered = sorted(t for _, t, _ in times)
    # the first WARMUP_S every cache of every server process is empty: reported apart as well
    steady = sorted(t for _, t, at in times if at - (until - duration_s) > WARMUP_S)
    per_page = {}
    for page in dict.fromkeys(p for p, _, _ in times):
        page_times = sorted(t for p, t, _ in times if p == page)
        per_page[page] = {"pages": len(page_times), "p50_s": statistics.median(page_times)}
    return {
        "sessions": sessions,
        "duration_s": duration_s,
        "think_s": think_s,
        "servers": servers,
        "wall_s": wall,
        "pages_rendered": len(times),
        "page_errors": len(errors),
        "error_examples": errors[:3],
        "page_time_s": {
            "p50": statistics.median(ordered) if ordered else None,
            "p90": _percentile(ordered, 0.90) if ordered else None,
            "p99": _percentile(ordered, 0.99) if ordered else None,
            "max": ordered[-1] if ordered else None,
        },
        "after_warmup_page_time_s": {
            "warmup_s": WARMUP_S,
            "pages": len(steady),
            "p50": statistics.median(steady) if steady else None,
            "p90": _percentile(steady, 0.90) if steady else None,
            "p99": _percentile(steady, 0.99) if steady else None,
            "max": steady[-1] if steady else None,
        },
        "per_page": per_page,
        "refreshes": len(refreshes),
        "failed_refreshes": sum(1 for rc in refreshes if rc != 0),
        "rows_added_by_refreshes": rows_after - rows_before,
        "cpu_count": os.cpu_count(),
    }


def describe(result: dict) -> list[str]:
    t, w = result["page_time_s"], result["after_warmup_page_time_s"]
    pace = f"reading each page {result['think_s']:.0f} s on average" if result["think_s"] else "no pause between pages"
    if result.get("servers", 1) > 1:
        pace += f", spread over {result['servers']} dashboard processes"
    lines = [
        f"{result['sessions']} sessions for {result['duration_s']:.0f} s ({pace}): {result['pages_rendered']} pages, "
        f"{result['page_errors']} raised; page time p50 {t['p50']:.2f} s, p90 {t['p90']:.2f} s, "
        f"p99 {t['p99']:.2f} s, max {t['max']:.2f} s",
        f"after the first {w['warmup_s']:.0f} s (every cache empty): {w['pages']} pages, p50 {w['p50']:.2f} s, "
        f"p90 {w['p90']:.2f} s, p99 {w['p99']:.2f} s, max {w['max']:.2f} s",
        f"refreshes: {result['refreshes']} ({result['failed_refreshes']} failed), "
        f"+{result['rows_added_by_refreshes']} rows",
    ]
    lines += [f"  {page:<16} {v['pages']:>4} pages, p50 {v['p50_s']:.2f} s" for page, v in result["per_page"].items()]
    return lines
