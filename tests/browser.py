"""Helpers for real-browser tests: run `depin dashboard` on a free port and drive Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from analytics.store import Store

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: .ci/run must install the Debian package `chromium`")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (Linux /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children, grandchildren...), read from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in parents.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


# Every server a test started: the session-end check in conftest fails the suite if one is still running.
STARTED: list[dict] = []


def leftover_servers() -> list[str]:
    left = []
    for server in STARTED:
        pids = [p for p in server["pids"] if alive(p)]
        if pids or not port_free(server["port"]):
            left.append(
                f"dashboard on port {server['port']}: processes {pids or 'gone'}, "
                f"port {'free' if port_free(server['port']) else 'still served'}"
            )
    return left


def kill_leftovers() -> None:
    for server in STARTED:
        for pid in server["pids"]:
            with contextlib.suppress(ProcessLookupError):
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)


def start_dashboard(db: Path | Store, port: int) -> tuple[subprocess.Popen, dict]:
    """`depin dashboard` on a DuckDB file (a path) or on any store (its DEPIN_* environment)."""
    env = {**os.environ, **(db.environment() if isinstance(db, Store) else {"DEPIN_DB": str(db)})}
    # a file, not a pipe: nobody has to drain it for the server to keep running; closed in stop_dashboard
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "analytics.cli", "dashboard", "--port", str(port), "--address", "127.0.0.1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    proc.log = log
    server = {"port": port, "pids": [proc.pid]}
    STARTED.append(server)
    return proc, server


def wait_healthy(proc: subprocess.Popen, server: dict, timeout_s: float = 90.0) -> str:
    url = f"http://127.0.0.1:{server['port']}"
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            proc.log.seek(0)
            raise AssertionError(f"dashboard exited early:\n{proc.log.read()}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{url}/_stcore/health", timeout=2).text == "ok":
                break
        if time.monotonic() > deadline:
            raise AssertionError(f"dashboard not healthy after {timeout_s} s")
        time.sleep(0.25)
    server["pids"] = sorted({*server["pids"], *descendants(proc.pid)})  # Streamlit runs in its own group
    return url


def stop_dashboard(proc: subprocess.Popen, server: dict, timeout_s: float = 15.0) -> None:
    """SIGTERM, as `kill PID` or systemd would send; escalate to SIGKILL only if it does not stop."""
    server["pids"] = sorted({*server["pids"], *descendants(proc.pid)})
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and (any(alive(p) for p in server["pids"]) or not port_free(server["port"])):
        time.sleep(0.1)
    proc.log.close()


@contextlib.contextmanager
def running_dashboard(db: Path | Store, timeout_s: float = 90.0) -> Iterator[str]:
    proc, server = start_dashboard(db, free_port())
    try:
        yield wait_healthy(proc, server, timeout_s)
    finally:
        stop_dashboard(proc, server)


@contextlib.contextmanager
def browser_page(tmp_path: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )  # Playwright gives every launch a fresh, empty profile
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            yield page
        finally:
            browser.close()


def wait_for_app(page, timeout_ms: int = 60_000) -> None:
    """Streamlit's own e2e condition: connected, and the script has finished running."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=timeout_ms)
    page.wait_for_selector("[data-test-script-state='notRunning']", timeout=timeout_ms)
