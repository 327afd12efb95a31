"""Commands about the database itself: init, status, dashboard, config."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import click

from analytics.cli.base import _Context, _fail, main
from analytics.sanitize import strict_json
from analytics.store import Store


@main.command()
@click.pass_obj
def init(obj: _Context) -> None:
    """Create or upgrade the database and load the bundled snapshot (safe to run again)."""
    from analytics.scheduling import refresh_lock
    from analytics.snapshot import load_snapshot

    store = obj.store
    with refresh_lock(store, wait_s=60):
        report = load_snapshot(store)
    added = ", ".join(f"{table} +{n}" for table, n in report.rows_added.items())
    click.echo(f"database {store.path} ready (schema v{store.schema_version()}): {added} in {report.duration_s:.2f} s")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.pass_obj
def status(obj: _Context, as_json: bool) -> None:
    """Per table and source: rows, date range, provenance, last refresh and freshness."""
    from analytics.status import status_report

    store = obj.store
    store.check_readable()
    report = status_report(store)
    if as_json:
        click.echo(strict_json(report, indent=2))
        return
    click.echo(f"database: {report['database']} (schema v{report['schema_version']})")
    for table, rows in report["tables"].items():
        click.echo(f"  {table:<24} {rows:>8,} rows")
    click.echo("offers by source:")
    for src in report["offers"]["by_source"]:
        click.echo(
            f"  {src['source']:<20} {src['rows']:>6,} rows, {src['offers']:>5,} offers, "
            f"{src['providers']:>3} providers, last observed {src['last_observed_at'][:16]}"
        )
    click.echo("candles:")
    for s in report["candles"]:
        click.echo(
            f"  {s['token']:<7} {s['exchange']:<22} {s['symbol']:<11} {s['timeframe']:<3} "
            f"{s['rows']:>5} rows  {s['first_ts'][:10]} .. {s['last_ts'][:10]}  ({s['instrument']})"
        )
    if report["last_refresh"]:
        lr = report["last_refresh"]
        click.echo(f"last refresh: {lr['run_id']} ({lr['trigger']}) {lr['status']} at {lr['finished_at']}")
    click.echo(f"freshness: {report['freshness']['message']}")


def _port_free(port: int, address: str) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address if address not in ("", "0.0.0.0") else "0.0.0.0", port))
        except OSError:
            return False
    return True


@main.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True, help="Port to serve on.")
@click.option(
    "--address",
    default="localhost",
    show_default=True,
    help="Address to bind (0.0.0.0 to serve other machines).",
)
@click.option(
    "--read-only/--allow-writes",
    "read_only",
    default=None,
    help="Viewer mode: hide every control that writes. Default: on unless the address is loopback.",
)
@click.pass_obj
def dashboard(obj: _Context, port: int, address: str, read_only: bool | None) -> None:
    """Start the Streamlit dashboard (headless) on the database, loading the snapshot if it is empty."""
    from analytics.paths import app_entry_script
    from analytics.snapshot import load_snapshot

    store = obj.store
    if read_only is None:
        read_only = not is_loopback(address)
    if read_only:
        store.check_readable()  # viewer mode never loads or upgrades the database
    elif not store.path.exists() or store.schema_version() == 0 or _is_empty(store):
        click.echo(f"loading the bundled snapshot into {store.path} ...")
        load_snapshot(store)
    else:
        store.migrate()
    if not _port_free(port, address):
        _fail(f"port {port} is already in use on {address}; choose another with --port")
    url = f"http://{'localhost' if address in ('0.0.0.0', '') else address}:{port}"
    mode = "viewer mode, read-only" if read_only else "writes allowed"
    click.echo(f"DePIN Lens dashboard: {url}  (database {store.path}; {mode}; Ctrl+C stops it)")
    if not read_only and not is_loopback(address):
        click.echo(
            "warning: serving other machines with writes allowed; anyone who can reach it can add projects, "
            "save assessments and start benchmarks. Put an authenticating proxy in front (see README).",
            err=True,
        )
    env = {**os.environ, "DEPIN_DB": str(store.path), "DEPIN_READ_ONLY": "1" if read_only else "0"}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_entry_script()),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--client.showErrorDetails",
        "false",
        "--client.toolbarMode",
        "viewer",
        *SAFE_SERVER_FLAGS,
    ]
    server = subprocess.Popen(command, env=env)
    sys.exit(_supervise(server))


def _supervise(server: subprocess.Popen, grace_s: float = 10.0) -> int:
    """Wait for the Streamlit server. SIGTERM (systemd, a supervisor, a test) is passed on to it instead of
    orphaning it, and it is killed if it has not stopped `grace_s` later; Ctrl+C reaches both processes
    through the terminal."""
    import time

    asked: list[float] = []

    def on_sigterm(signum, _frame) -> None:
        asked.append(time.monotonic())
        server.send_signal(signum)

    signal.signal(signal.SIGTERM, on_sigterm)
    while True:
        try:
            return server.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            if asked and time.monotonic() - asked[0] > grace_s:
                server.kill()
        except KeyboardInterrupt:
            try:
                return server.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                server.kill()
                return server.wait()


# The same safe settings as .streamlit/config.toml, enforced for `depin dashboard` whatever the config says.
SAFE_SERVER_FLAGS = (
    "--server.enableXsrfProtection",
    "true",
    "--server.enableCORS",
    "true",
    "--server.maxUploadSize",
    "1",
    "--server.enableStaticServing",
    "false",
)


def is_loopback(address: str) -> bool:
    """Whether binding `address` serves only this machine (localhost, 127.x, ::1)."""
    import ipaddress

    if address.strip().lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def _is_empty(store: Store) -> bool:
    return store.query_rows("SELECT count(*) FROM datasets")[0][0] == 0


@main.command("config")
@click.pass_obj
def config_cmd(obj: _Context) -> None:
    """Show every setting, its environment variable and value (API keys only as set / not set)."""
    for row in obj.settings.describe():
        click.echo(f"{row['env']:<28} {row['value']}")
