"""The `depin` command line. Every command takes --db PATH (or DEPIN_DB) and --help.

Errors a person can act on (locked or missing database, unwritable path, bad settings) print one line
starting with "error:" and exit 1; click reports unknown flags and bad values with exit 2.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import click
import pydantic

from analytics.settings import Settings, get_settings
from analytics.store import Store, StoreError


class _Context:
    def __init__(self, db: Path | None) -> None:
        self._db = db

    @property
    def settings(self) -> Settings:
        return get_settings(db=self._db)

    @property
    def store(self) -> Store:
        return Store(self.settings.db)


class _Group(click.Group):
    """Turns expected failures into one clear line instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except StoreError as exc:
            _fail(str(exc))
        except pydantic.ValidationError as exc:
            problems = "; ".join(f"DEPIN_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
            _fail(f"invalid setting: {problems}")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="DuckDB file to use (default: DEPIN_DB, else data/depin.duckdb in a checkout).",
)
@click.version_option(package_name="depin-lens")
@click.pass_context
def main(ctx: click.Context, db: Path | None) -> None:
    """DePIN Lens: decentralized vs centralized GPU prices, and the tokens behind the networks."""
    ctx.obj = _Context(db)


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
        click.echo(json.dumps(report, indent=2, default=str))
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
@click.pass_obj
def dashboard(obj: _Context, port: int, address: str) -> None:
    """Start the Streamlit dashboard (headless) on the database, loading the snapshot if it is empty."""
    from analytics.paths import app_entry_script
    from analytics.snapshot import load_snapshot

    store = obj.store
    if not store.path.exists() or store.schema_version() == 0 or _is_empty(store):
        click.echo(f"loading the bundled snapshot into {store.path} ...")
        load_snapshot(store)
    else:
        store.migrate()
    if not _port_free(port, address):
        _fail(f"port {port} is already in use on {address}; choose another with --port")
    url = f"http://{'localhost' if address in ('0.0.0.0', '') else address}:{port}"
    click.echo(f"DePIN Lens dashboard: {url}  (database {store.path}; Ctrl+C stops it)")
    env = {**os.environ, "DEPIN_DB": str(store.path)}
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
    ]
    try:
        completed = subprocess.run(command, env=env, check=False)
    except KeyboardInterrupt:
        return
    sys.exit(completed.returncode)


def _is_empty(store: Store) -> bool:
    return store.query_rows("SELECT count(*) FROM datasets")[0][0] == 0


@main.command()
@click.option("--only", default=None, metavar="SOURCES", help="Comma-separated sources to run (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=1), default=None, help="Per-source limit (s).")
@click.pass_obj
def refresh(obj: _Context, only: str | None, as_json: bool, timeout_s: float | None) -> None:
    """Fetch live GPU prices from every source (or --only some) and store them.

    Exit status: 0 every source that ran succeeded (skipped sources, e.g. no API key, are fine);
    3 some failed; 4 all failed; 5 another refresh was already running (nothing done).
    """
    from analytics.refresh import parse_only, run_refresh

    try:
        names = parse_only(only)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--only'") from exc

    def show(outcome) -> None:
        if not as_json:
            extra = f" ({outcome.message})" if outcome.message else ""
            click.echo(
                f"  {outcome.source:<10} {outcome.status:<8} +{outcome.rows_added} rows, "
                f"{outcome.rows_quarantined} quarantined, {outcome.duration_ms / 1000:.1f} s{extra}",
                err=False,
            )

    from analytics.scheduling import EXIT_LOCKED, RefreshLocked, refresh_lock

    if not as_json:
        click.echo(f"refreshing {', '.join(names)} into {obj.store.path} ...")
    try:
        with refresh_lock(obj.store):
            report = run_refresh(obj.store, obj.settings, only=names, timeout_s=timeout_s, progress=show)
    except RefreshLocked as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_LOCKED)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        click.echo(f"run {report.run_id}: {report.status}")
    sys.exit(report.exit_code)


@main.command()
@click.option("--every", "every_text", default="1h", show_default=True, help="Interval: 1h, 30m, 1h30m, 90s, 1d.")
@click.option("--only", default=None, metavar="SOURCES", help="Comma-separated sources to run (default: all).")
@click.option("--no-run-now", is_flag=True, help="Wait one interval before the first refresh.")
@click.pass_obj
def schedule(obj: _Context, every_text: str, only: str | None, no_run_now: bool) -> None:
    """Refresh on a schedule in this long-lived process until SIGINT/SIGTERM (logs each run).

    Runs never overlap, also with refreshes started elsewhere (a lock file next to the database).
    """
    import logging

    from analytics.refresh import parse_only
    from analytics.scheduling import parse_interval, run_schedule

    try:
        every = parse_interval(every_text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--every'") from exc
    try:
        names = parse_only(only) if only else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--only'") from exc
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    obj.store.migrate()
    run_schedule(obj.store, obj.settings, every, only=names, run_now=not no_run_now)


@main.command()
@click.option("--gpu", default=None, metavar="FAMILY_OR_MODEL", help="e.g. H100 or H100-SXM-80GB.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per offer, one per line.")
@click.pass_obj
def prices(obj: _Context, gpu: str | None, as_json: bool) -> None:
    """The latest price of every offer, cheapest per GPU-hour first."""
    from analytics.queries import latest_offers, offers_for_output

    store = obj.store
    store.check_readable()
    frame = offers_for_output(latest_offers(store, family=gpu))
    if frame.empty:
        _fail(f"no offers for GPU {gpu!r}; families look like H100, A100, RTX4090" if gpu else "no offers stored")
    if as_json:
        for record in frame.to_dict(orient="records"):
            click.echo(json.dumps(record, default=str))
        return
    for r in frame.itertuples():
        via = f" via {r.via}" if r.via else ""
        click.echo(
            f"{r.price_per_gpu_hour_usd:>8.3f} USD/GPU-h  {r.gpu_model or r.gpu_name_raw:<16} x{r.gpu_count:<2} "
            f"{r.provider}{via} [{r.model}/{r.provider_category}] {r.pricing_kind} {r.region or ''} ({r.source})"
        )


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON (a list, one object per token).")
@click.pass_obj
def tokens(obj: _Context, as_json: bool) -> None:
    """Per token: latest close, returns, volatility, drawdowns, beta to BTC/ETH, supply figures and sources."""
    from analytics.token_report import token_report

    store = obj.store
    store.check_readable()
    report = token_report(store)
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
        return

    def fmt(value, pattern="{:+.1%}"):
        return "n/a" if value is None else pattern.format(value)

    click.echo(
        f"{'token':<7} {'close':>11} {'as of':<10} {'30d':>8} {'365d':>8} {'vol 90d':>8} {'max DD':>8} "
        f"{'beta BTC':>8}  series"
    )
    for r in report:
        s = r["series"]
        click.echo(
            f"{r['token']:<7} {r['last_close']:>11.4f} {r['as_of']:<10} {fmt(r['return_30d']):>8} "
            f"{fmt(r['return_365d']):>8} {fmt(r['volatility_90d'], '{:.0%}'):>8} {fmt(r['max_drawdown'], '{:.0%}'):>8} "
            f"{fmt(r.get('beta_btc'), '{:.2f}'):>8}  {s['symbol']} {s['exchange']} ({s['instrument']})"
        )


@main.command("config")
@click.pass_obj
def config_cmd(obj: _Context) -> None:
    """Show every setting, its environment variable and value (API keys only as set / not set)."""
    for row in obj.settings.describe():
        click.echo(f"{row['env']:<28} {row['value']}")


if __name__ == "__main__":  # pragma: no cover
    main()
