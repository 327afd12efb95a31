"""The live benchmark command."""

from __future__ import annotations

import click

from analytics.cli.base import _Context, _fail, main
from analytics.sanitize import strict_json


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
            click.echo(strict_json(export_run(store, export_run_id), indent=2))
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
        click.echo(strict_json(report, indent=2))
    elif not no_store:
        click.echo(f"stored as {report['run_id']} in {store.display_name} (depin bench --export {report['run_id']})")
