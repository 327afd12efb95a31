"""How long `depin dashboard` takes to stop after SIGTERM (`kill PID`): until the process has exited, and until
its port is free again. Also with an open browser session, the case where Streamlit alone lingered.

    python -m benchmarks.dashboard_stop [--repeat 5] [--json]

Timings, not assertions: the test suite only checks that the port is free within 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from analytics.snapshot import load_snapshot
from analytics.store import Store
from tests.browser import free_port, port_free, start_dashboard, stop_dashboard, wait_healthy


def one_stop(db: Path, with_session: bool) -> tuple[float, float]:
    proc, server = start_dashboard(db, free_port())
    try:
        url = wait_healthy(proc, server)
        if with_session:  # a browser tab's connection, opened with tornado's client (Streamlit ships tornado)
            import asyncio

            from tornado.websocket import websocket_connect

            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)

            async def connect():
                return await websocket_connect(url.replace("http", "ws") + "/_stcore/stream")

            ws = loop.run_until_complete(connect())
        start = time.perf_counter()
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        exited = time.perf_counter() - start
        while not port_free(server["port"]):
            time.sleep(0.01)
        freed = time.perf_counter() - start
        if with_session:
            ws.close()
            loop.close()
        return exited, freed
    finally:
        stop_dashboard(proc, server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "stop.duckdb"
        load_snapshot(Store(db))
        for with_session in (False, True):
            samples = [one_stop(db, with_session) for _ in range(args.repeat)]
            results["with an open session" if with_session else "idle"] = {
                "exit_median_s": statistics.median(s[0] for s in samples),
                "exit_max_s": max(s[0] for s in samples),
                "port_free_median_s": statistics.median(s[1] for s in samples),
                "port_free_max_s": max(s[1] for s in samples),
                "runs": len(samples),
            }
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for name, r in results.items():
            print(
                f"{name:<22} exit median {r['exit_median_s']:.2f} s (max {r['exit_max_s']:.2f}), port free median "
                f"{r['port_free_median_s']:.2f} s (max {r['port_free_max_s']:.2f}), {r['runs']} runs"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
