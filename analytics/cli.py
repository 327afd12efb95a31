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


def _unit_interval(ctx, param, value):
    if value is not None and not 0 <= value <= 1:
        raise click.BadParameter(f"must be between 0 and 1 (a fraction, e.g. 0.6 for 60 %), got {value}")
    return value


def _non_negative(ctx, param, value):
    if value is not None and value < 0:
        raise click.BadParameter(f"cannot be negative, got {value}")
    return value


@main.command()
@click.option("--gpu", required=True, metavar="MODEL", help="GPU model, e.g. H100-SXM-80GB, 'RTX 4090', A100.")
@click.option("--network", default="akash", show_default=True, help="akash, ionet, render, marketplace or custom.")
@click.option("--gpus", "gpu_count", type=int, default=None, help="Number of GPUs (default 1).")
@click.option(
    "--price-per-gpu-hour",
    "price",
    type=float,
    default=None,
    callback=_non_negative,
    help="USD; default: the market median for this GPU.",
)
@click.option("--utilization", type=float, default=None, callback=_unit_interval, help="0-1 (default 0.5).")
@click.option("--take-rate", type=float, default=None, callback=_unit_interval, help="0-1, network fee share.")
@click.option("--power-watts", type=float, default=None, callback=_non_negative, help="Board power (default: TDP).")
@click.option("--electricity-usd-per-kwh", type=float, default=None, callback=_non_negative)
@click.option("--hours-per-day", type=float, default=None, help="Hours the machine is offered per day (default 24).")
@click.option("--hardware-cost", "hardware_cost", type=float, default=None, callback=_non_negative, help="USD per GPU.")
@click.option("--seed", type=int, default=42, show_default=True, help="Monte Carlo seed (reproducible).")
@click.option("--json", "as_json", is_flag=True, help="Every input used with its source, and the outputs.")
@click.pass_obj
def earnings(
    obj: _Context,
    gpu,
    network,
    gpu_count,
    price,
    utilization,
    take_rate,
    power_watts,
    electricity_usd_per_kwh,
    hours_per_day,
    hardware_cost,
    seed,
    as_json,
) -> None:
    """What a GPU would earn per day and month on a network, after fees, power and depreciation."""
    from analytics.earnings_report import earnings_report
    from analytics.metrics.earnings import EarningsInputError

    store = obj.store
    store.check_readable()
    try:
        report = earnings_report(
            store,
            gpu,
            network,
            seed=seed,
            gpu_count=gpu_count,
            price_per_gpu_hour_usd=price,
            utilization=utilization,
            take_rate=take_rate,
            power_watts=power_watts,
            electricity_usd_per_kwh=electricity_usd_per_kwh,
            hours_per_day=hours_per_day,
            hardware_cost_usd=hardware_cost,
        )
    except EarningsInputError as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
        return
    for name, item in report["inputs"].items():
        click.echo(f"  {name:<24} {item['value']!s:<16} {item['source']}")
    out = report["outputs"]
    click.echo(
        f"gross ${out['gross_usd_per_day']:.2f}/day, power ${out['power_cost_usd_per_day']:.2f}/day, "
        f"net ${out['net_usd_per_day']:.2f}/day (${out['net_usd_per_month']:.0f}/month), after depreciation "
        f"${out['net_after_depreciation_usd_per_day']:.2f}/day"
    )
    payback = out["payback_months"]
    click.echo(
        f"payback {'never at these inputs' if payback is None else f'{payback:.1f} months'}; "
        f"break-even utilization {_pct(out['break_even_utilization'])} "
        f"({_pct(out['break_even_utilization_with_depreciation'])} with depreciation)"
    )
    if report["monte_carlo"]:
        for row in report["monte_carlo"]["rows"]:
            click.echo(
                f"  paid in {report['monte_carlo']['token']}, {row['horizon_days']:>3} days: P10 "
                f"${row['p10_usd']:.0f}  P50 ${row['p50_usd']:.0f}  P90 ${row['p90_usd']:.0f} "
                f"(paid in USD: ${row['if_paid_in_usd']:.0f})"
            )


def _pct(value) -> str:
    return "n/a" if value is None else f"{value:.0%}"


@main.group()
def dd() -> None:
    """Due-diligence checklist: show, save (versioned), compare and export assessments."""


def _dd_answers(path: Path | None) -> dict | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        _fail(f"cannot read answers from {path}: {exc}")
    if not isinstance(data, dict):
        _fail(f"{path}: expected an object of question id -> {{answer, weight, note}}")
    return data


@dd.command("projects")
@click.pass_obj
def dd_projects(obj: _Context) -> None:
    """List the projects that can be assessed."""
    from analytics import dd as ddlib

    for pid, project in ddlib.projects(obj.store).items():
        click.echo(f"{pid:<12} {project.name} ({project.token or 'no token'})")


@dd.command("add")
@click.argument("name")
@click.option("--token", default=None, help="Token symbol, e.g. ATH.")
@click.option("--provider", default=None, help="Provider id in the offers data, if any.")
@click.pass_obj
def dd_add(obj: _Context, name: str, token: str | None, provider: str | None) -> None:
    """Add a project to assess (Render, Akash and io.net are built in)."""
    from analytics import dd as ddlib

    obj.store.migrate()
    try:
        pid = ddlib.add_project(obj.store, name, token, provider)
    except ddlib.DDInputError as exc:
        _fail(str(exc))
    click.echo(f"added project {pid}")


@dd.command("show")
@click.argument("project")
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="JSON file: {question_id: {answer: yes|partial|no|unknown, weight, note}}.",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def dd_show(obj: _Context, project: str, answers_file: Path | None, as_json: bool) -> None:
    """Assess PROJECT now: evidence from the data, answers, scores and red flags (nothing is saved)."""
    from analytics import dd as ddlib

    obj.store.check_readable()
    try:
        assessment = ddlib.assess(obj.store, project, _dd_answers(answers_file))
    except ddlib.DDInputError as exc:
        _fail(str(exc))
    click.echo(ddlib.to_json(assessment) if as_json else ddlib.to_markdown(assessment))


@dd.command("save")
@click.argument("project")
@click.option("--author", required=True, help="Who answered.")
@click.option("--answers", "answers_file", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.pass_obj
def dd_save(obj: _Context, project: str, author: str, answers_file: Path | None) -> None:
    """Save an assessment of PROJECT as a new version (never overwrites)."""
    from analytics import dd as ddlib

    obj.store.check_readable()
    try:
        version = ddlib.save(obj.store, ddlib.assess(obj.store, project, _dd_answers(answers_file)), author)
    except ddlib.DDInputError as exc:
        _fail(str(exc))
    click.echo(f"saved {project} version {version}")


@dd.command("history")
@click.argument("project")
@click.pass_obj
def dd_history(obj: _Context, project: str) -> None:
    """Saved versions of PROJECT's assessment."""
    from analytics import dd as ddlib

    frame = ddlib.history(obj.store, project)
    if frame.empty:
        _fail(f"no saved assessment for {project!r}")
    for r in frame.itertuples():
        click.echo(f"v{r.version:<3} {r.created_at:%Y-%m-%d %H:%M}  {r.author:<16} overall {r.overall:.0f}")


@dd.command("compare")
@click.argument("project")
@click.argument("old", type=int)
@click.argument("new", type=int)
@click.pass_obj
def dd_compare(obj: _Context, project: str, old: int, new: int) -> None:
    """What changed between two saved versions."""
    from analytics import dd as ddlib

    try:
        diff = ddlib.compare(ddlib.load(obj.store, project, old), ddlib.load(obj.store, project, new))
    except ddlib.DDInputError as exc:
        _fail(str(exc))
    if diff.empty:
        click.echo("no differences")
    for r in diff.itertuples():
        click.echo(f"{r.item:<28} {r.before:>16} -> {r.after}")


@dd.command("export")
@click.argument("project")
@click.option("--version", type=int, default=None, help="Saved version (default: the latest).")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.pass_obj
def dd_export(obj: _Context, project: str, version: int | None, fmt: str, output: Path | None) -> None:
    """Export a saved assessment as Markdown or JSON, with evidence, sources and a not-advice notice."""
    from analytics import dd as ddlib

    try:
        assessment = ddlib.load(obj.store, project, version)
    except ddlib.DDInputError as exc:
        _fail(str(exc))
    text = ddlib.to_markdown(assessment) if fmt == "md" else ddlib.to_json(assessment)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")


@main.command()
@click.option("--quick", is_flag=True, help="Fewer shapes and iterations (under a minute on a 2-core CPU).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--no-store", is_flag=True, help="Do not save the run in the database.")
@click.option("--export", "export_run_id", default=None, metavar="RUN_ID", help="Print a stored run as JSON.")
@click.option("--json", "as_json", is_flag=True, help="Print the run as JSON.")
@click.pass_obj
def bench(obj: _Context, quick: bool, device: str, no_store: bool, export_run_id: str | None, as_json: bool) -> None:
    """Measure this machine (GPU with PyTorch, else CPU with numpy): matmul throughput and memory bandwidth,
    % of the spec-sheet peak; stored with a fingerprint, never overwritten."""
    from analytics.bench.runner import export_run, run_benchmark, save_run

    store = obj.store
    if export_run_id:
        store.check_readable()
        try:
            click.echo(json.dumps(export_run(store, export_run_id), indent=2))
        except KeyError as exc:
            _fail(str(exc.args[0]))
        return

    def show(event: dict) -> None:
        if as_json:
            return
        if event["event"] == "hardware":
            click.echo(f"device: {event['device']}" + (f" ({event['why_cpu']})" if event["why_cpu"] else ""))
        elif event["event"] == "result":
            pct = f", {event['pct_of_peak']:.0f} % of peak" if event["pct_of_peak"] else ""
            click.echo(
                f"  {event['metric']:<17} {event['dtype']:<5} {event['shape']:<16} median "
                f"{event['median']:,.1f} {event['unit']}, best {event['best']:,.1f}{pct}"
            )

    try:
        report = run_benchmark(quick=quick, device=device, progress=show)
    except RuntimeError as exc:
        _fail(str(exc))
    if not no_store:
        save_run(store, report)
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
    elif not no_store:
        click.echo(f"stored as {report['run_id']} in {store.path} (depin bench --export {report['run_id']})")


@main.command("config")
@click.pass_obj
def config_cmd(obj: _Context) -> None:
    """Show every setting, its environment variable and value (API keys only as set / not set)."""
    for row in obj.settings.describe():
        click.echo(f"{row['env']:<28} {row['value']}")


if __name__ == "__main__":  # pragma: no cover
    main()
