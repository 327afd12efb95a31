"""`depin doctor`: check the database's integrity and say what to do. Exit 0 healthy, 1 problems found."""

from __future__ import annotations

import sys

import click

from analytics.cli.base import _Context, main
from analytics.sanitize import strict_json


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.option(
    "--rebuild-read-models",
    is_flag=True,
    help="First recompute the read models (latest offers, daily history, per-source summaries) from raw history.",
)
@click.pass_obj
def doctor(obj: _Context, as_json: bool, rebuild_read_models: bool) -> None:
    """Read every table in full (DuckDB verifies each block's checksum), check the schema version and that the
    read models agree with raw offer history, and say what to do when something is wrong."""
    from analytics.store.doctor import examine
    from analytics.store.doctor import rebuild_read_models as rebuild

    if rebuild_read_models:
        obj.store.check_readable()
        rebuild(obj.store)
    report = examine(obj.store)
    if as_json:
        click.echo(strict_json(report.as_dict(), indent=2))
    else:
        click.echo(f"database: {report.database}")
        for check in report.checks:
            click.echo(f"  {'ok     ' if check.ok else 'PROBLEM'} {check.name}: {check.detail}")
        click.echo("healthy" if report.healthy else "problems found; what to do:")
        for line in report.advice:
            click.echo(f"  - {line}")
    if not report.healthy:
        sys.exit(1)
