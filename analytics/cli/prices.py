"""Commands that fetch and show GPU prices: refresh, schedule, prices."""

from __future__ import annotations

import sys

import click

from analytics.cli.base import _Context, _fail, main
from analytics.cli.types import FiniteFloat
from analytics.sanitize import strict_json


@main.command()
@click.option("--only", default=None, metavar="SOURCES", help="Comma-separated sources to run (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@click.option("--timeout", "timeout_s", type=FiniteFloat(min=1), default=None, help="Per-source limit (s).")
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
        click.echo(f"refreshing {', '.join(names)} into {obj.store.display_name} ...")
    try:
        with refresh_lock(obj.store):
            report = run_refresh(obj.store, obj.settings, only=names, timeout_s=timeout_s, progress=show)
    except RefreshLocked as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_LOCKED)
    if as_json:
        click.echo(strict_json(report.as_dict(), indent=2))
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
@click.option(
    "--segment",
    type=click.Choice(["hyperscaler", "neocloud", "datacenter_marketplace", "community_marketplace", "depin_network"]),
    default=None,
    help="Only offers of this market segment.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per offer, one per line.")
@click.pass_obj
def prices(obj: _Context, gpu: str | None, segment: str | None, as_json: bool) -> None:
    """The latest price of every offer, cheapest per GPU-hour first."""
    from analytics.queries import latest_offers, offers_for_output

    store = obj.store
    store.check_readable()
    offers = latest_offers(store, family=gpu)
    if segment:
        offers = offers[offers["segment"] == segment]
    frame = offers_for_output(offers)
    if frame.empty:
        _fail(
            f"no offers for GPU {gpu!r}"
            + (f" in segment {segment}" if segment else "")
            + "; families look like H100, A100, RTX4090"
            if gpu or segment
            else "no offers stored"
        )
    if as_json:
        for record in frame.to_dict(orient="records"):
            click.echo(strict_json(record))
        return
    for r in frame.itertuples():
        via = f" via {r.via}" if r.via else ""
        click.echo(
            f"{r.price_per_gpu_hour_usd:>8.3f} USD/GPU-h  {r.gpu_model or r.gpu_name_raw:<16} x{r.gpu_count:<2} "
            f"{r.provider}{via} [{r.segment}] {r.pricing_kind} {r.region or ''} ({r.source})"
        )
