"""What hostile upstreams cost (127.0.0.1 only).

    python -m benchmarks.hostile [--deadline 2]

1. Slow sources: `depin refresh --only akash --timeout D` against a server that drips one byte every 0.1 s,
   one that never answers and one that drips its headers; reports the source's time and the process's wall
   time (the per-read timeout is set to 30 s, so only the deadline can stop it early).
2. Gzip bomb: 1 GiB of zeros gzip-compressed (about 1 MB on the wire) fetched with the default byte budget;
   reports the outcome and the client process's peak memory (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def slow_source(mode: str, deadline_s: float) -> dict:
    command = [sys.executable, "-m", "tests.slowserver", mode]
    server = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{int(server.stdout.readline())}"
        env = {**os.environ, "PYTHONPATH": str(REPO), "DEPIN_AKASH_BASE_URL": url, "DEPIN_HTTP_TIMEOUT_S": "30"}
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "analytics.cli", "--db", f"{tmp}/h.duckdb", "refresh", "--only", "akash"]
                + ["--timeout", str(deadline_s), "--json"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            wall = time.perf_counter() - started
        outcome = json.loads(done.stdout)["outcomes"][0]
        return {"mode": mode, "exit": done.returncode, "source_s": outcome["duration_ms"] / 1000, "wall_s": wall}
    finally:
        server.terminate()
        server.wait(timeout=10)


_CLIENT = """
import re, sys, requests
from analytics.collectors.base import SourceError
from analytics.collectors.http import request_text
from analytics.collectors.policy import SourcePolicy, guard_session, installed
from analytics.settings import Settings
budget = int(Settings(_env_file=None).http_max_response_mb * 1024 * 1024)
with installed(SourcePolicy("bomb", 60, budget)):
    try:
        request_text(guard_session(requests.Session()), "GET", sys.argv[1], timeout_s=30)
        outcome = "accepted"
    except SourceError as exc:
        outcome = str(exc)
hwm = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) // 1024
print(hwm)
print(outcome)
"""


def gzip_bomb() -> dict:
    from tests.fakeserver import FakeApis, Reply

    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1024 * 1024)
    bomb = b"".join(compressor.compress(zeros) for _ in range(1024)) + compressor.flush()
    with FakeApis() as apis:
        apis.script("/bomb", Reply(200, bomb, {"Content-Encoding": "gzip"}))
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _CLIENT, f"{apis.url}/bomb"],
            env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        wall = time.perf_counter() - started
    peak_mb, outcome = done.stdout.strip().splitlines()
    return {"wire_bytes": len(bomb), "peak_rss_mb": int(peak_mb), "wall_s": wall, "outcome": outcome}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deadline", type=float, default=2.0)
    args = parser.parse_args()
    for mode in ("drip", "silent", "headers-drip"):
        r = slow_source(mode, args.deadline)
        print(
            f"slow source ({mode}): exit {r['exit']}, source stopped after {r['source_s']:.2f} s, "
            f"process wall {r['wall_s']:.2f} s (deadline {args.deadline:g} s)"
        )
    b = gzip_bomb()
    print(
        f"gzip bomb ({b['wire_bytes']:,} bytes on the wire, 1 GiB inflated): peak RSS {b['peak_rss_mb']} MB, "
        f"{b['wall_s']:.2f} s; {b['outcome']}"
    )


if __name__ == "__main__":
    main()
