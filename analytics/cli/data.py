"""Commands about the database itself: init, status, dashboard, config."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analytics.cli.base import _Context, _fail, main
from analytics.sanitize import strict_json

if TYPE_CHECKING:
    from analytics.store import Store


def lake_options(command):
    """--catalog/--data-path: the DuckLake to use instead of DEPIN_LAKE_CATALOG / DEPIN_LAKE_DATA_PATH."""
    command = click.option(
        "--data-path", default=None, help="DuckLake data path (directory or s3://...); default DEPIN_LAKE_DATA_PATH."
    )(command)
    return click.option(
        "--catalog",
        default=None,
        help="DuckLake catalog, e.g. 'postgres:dbname=depin host=db'; default DEPIN_LAKE_CATALOG.",
    )(command)


@main.command()
@click.option(
    "--store",
    "backend",
    type=click.Choice(["duckdb", "ducklake"]),
    default=None,
    help="Backend to create (default: DEPIN_STORE, else duckdb).",
)
@lake_options
@click.pass_obj
def init(obj: _Context, backend: str | None, catalog: str | None, data_path: str | None) -> None:
    """Create or upgrade the database (or DuckLake) and load the bundled snapshot (safe to run again)."""
    from analytics.scheduling import refresh_lock
    from analytics.snapshot import load_snapshot

    overrides = {"store": backend, "lake_catalog": catalog, "lake_data_path": data_path}
    obj.overrides.update({k: v for k, v in overrides.items() if v is not None})
    store = obj.store
    with refresh_lock(store, wait_s=60):
        report = load_snapshot(store)
    added = ", ".join(f"{table} +{n}" for table, n in report.rows_added.items())
    click.echo(
        f"database {store.display_name} ready (schema v{store.schema_version()}): {added} in {report.duration_s:.2f} s"
    )


@main.command("migrate-store")
@click.option("--to", "target", type=click.Choice(["ducklake"]), required=True, help="Backend to copy into.")
@lake_options
@click.pass_obj
def migrate_store_cmd(obj: _Context, target: str, catalog: str | None, data_path: str | None) -> None:
    """Copy the DuckDB file (--db / DEPIN_DB) into an empty DuckLake, verified per table (counts, checksums)."""
    from analytics.store import Store
    from analytics.store.copy import copy_store

    source = Store(obj.settings.db)
    overrides = {"store": target, "lake_catalog": catalog, "lake_data_path": data_path}
    obj.overrides.update({k: v for k, v in overrides.items() if v is not None})
    obj._db = None  # the target comes from the lake settings, not from --db
    lake = obj.store
    click.echo(f"copying {source.display_name} into {lake.display_name} ...")
    for check in copy_store(source, lake):
        click.echo(f"  {check.table:<24} {check.rows:>9,} rows  checksum {check.checksum}  verified")
    click.echo("done: every table matches row count and checksum")


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
    click.echo(f"database: {report['database']} (schema v{report['schema_version']}, {report['store']['backend']})")
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
    from analytics.store.migrations import MIGRATIONS

    store = obj.store
    if read_only is None:
        read_only = not is_loopback(address)
    version = 0 if read_only or not store.exists() else store.schema_version()
    if read_only:
        store.check_readable()  # viewer mode never loads or upgrades the database
    elif version == 0 or _is_empty(store):
        from analytics.snapshot import load_snapshot  # pandas and the loaders only when there is work

        click.echo(f"loading the bundled snapshot into {store.display_name} ...")
        load_snapshot(store)
    elif version < MIGRATIONS[-1].version:  # a current schema needs no write (and no lock) to start
        store.migrate()
    elif version > MIGRATIONS[-1].version:
        store.check_readable()  # says the database is newer than this DePIN Lens
    if not _port_free(port, address):
        _fail(f"port {port} is already in use on {address}; choose another with --port")
    url = f"http://{'localhost' if address in ('0.0.0.0', '') else address}:{port}"
    mode = "viewer mode, read-only" if read_only else "writes allowed"
    click.echo(f"DePIN Lens dashboard: {url}  (database {store.display_name}; {mode}; Ctrl+C stops it)")
    if not read_only and not is_loopback(address):
        click.echo(
            "warning: serving other machines with writes allowed; anyone who can reach it can add projects, "
            "save assessments and start benchmarks. Put an authenticating proxy in front (see README).",
            err=True,
        )
    env = {**os.environ, **store.environment(), "DEPIN_READ_ONLY": "1" if read_only else "0"}
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
        "--runner.magicEnabled",
        "false",  # a bare expression in a page must never print Streamlit internals (.streamlit/config.toml)
        *SAFE_SERVER_FLAGS,
    ]
    sys.exit(_serve(command, env))


# Streamlit can take tens of seconds to stop while browser sessions are open; after this grace period the
# whole process group is killed so a plain `kill PID` (or systemd stop) frees the port within seconds.
STOP_GRACE_S = 3.0


def _serve(command: list[str], env: dict[str, str]) -> int:
    """Run Streamlit in its own process group, forward SIGTERM/SIGINT/SIGHUP to it, return its exit status.

    Without this, a SIGTERM to `depin dashboard` killed only this process and left Streamlit serving the port.
    """
    child = subprocess.Popen(command, env=env, start_new_session=True)
    stopping: list[int] = []

    def forward(signum: int, _frame) -> None:
        stopping.append(signum)
        _signal_group(child.pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        while True:
            try:
                returncode = child.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if stopping:
                    try:
                        returncode = child.wait(timeout=STOP_GRACE_S)
                    except subprocess.TimeoutExpired:
                        _signal_group(child.pid, signal.SIGKILL)
                        returncode = child.wait()
                    break
    finally:
        _signal_group(child.pid, signal.SIGKILL)  # anything Streamlit started and left behind
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if stopping:
        click.echo("dashboard stopped")
        return 0
    return returncode


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


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


@main.command("export")
@click.argument("dataset_id")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File to write.")
@click.option("--table", default=None, help="For a dataset stored in two tables: which one (default: the first).")
@click.pass_obj
def export_cmd(obj: _Context, dataset_id: str, fmt: str, out: Path | None, table: str | None) -> None:
    """Write every stored row of one dataset (an id from `depin status`) to a file; DuckDB writes it directly,
    so any history size fits."""
    from analytics.exports import dataset_tables, export_dataset, export_file_name

    store = obj.store
    store.check_readable()
    try:
        tables = dataset_tables(store, dataset_id)
    except KeyError:
        _fail(f"no dataset {dataset_id!r}; `depin status` lists them")
    if table is not None and table not in tables:
        _fail(f"dataset {dataset_id!r} has no rows in table {table!r}; it has rows in {', '.join(tables) or 'none'}")
    target = out or Path(export_file_name(dataset_id, fmt, table))
    if not target.parent.exists():
        _fail(f"folder {target.parent} does not exist")
    export_dataset(store, dataset_id, target, fmt, table)
    click.echo(f"wrote {dataset_id} to {target} ({target.stat().st_size:,} bytes, {fmt})")
