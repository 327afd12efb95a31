"""`depin dashboard` stops with its Streamlit server: a plain `kill PID` (SIGTERM) or Ctrl+C (SIGINT) frees
the port within seconds and leaves no process behind."""

import os
import signal
import time

import pytest

from tests.browser import alive, free_port, port_free, start_dashboard, stop_dashboard, wait_healthy


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_depin_dashboard_stops_streamlit_and_frees_the_port(snapshot_store, sig):
    proc, server = start_dashboard(snapshot_store, free_port())
    try:
        wait_healthy(proc, server)
        streamlit = [pid for pid in server["pids"] if pid != proc.pid]
        assert streamlit, "depin dashboard should run Streamlit as a child process"
        assert not port_free(server["port"])

        os.kill(proc.pid, sig)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (
            proc.poll() is None or any(alive(pid) for pid in streamlit) or not port_free(server["port"])
        ):
            time.sleep(0.05)
        assert proc.poll() == 0, "depin dashboard should exit (status 0) once Streamlit has stopped"
        assert [pid for pid in streamlit if alive(pid)] == [], "a Streamlit process is still running"
        assert port_free(server["port"]), "the port is still served 5 s after the signal"
    finally:
        stop_dashboard(proc, server)
