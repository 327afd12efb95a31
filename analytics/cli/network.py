"""`depin network`: one network's demand, supply, emissions and issuance coverage, with sources and dates."""

from __future__ import annotations

import json

import click

from analytics.cli.base import _Context, main
from analytics.network import NETWORKS


def _usd(value) -> str:
    return "n/a" if value is None else f"${value:,.0f}"


@main.command()
@click.option("--network", "network", required=True, type=click.Choice(NETWORKS), help="Which network.")
@click.option("--json", "as_json", is_flag=True, help="Print the series, emissions and ratios as strict JSON.")
@click.pass_obj
def network(obj: _Context, network: str, as_json: bool) -> None:
    """Real demand vs token emissions: revenue series, monthly emissions (1kx and our schedule), coverage."""
    from analytics.network.report import network_report, strict_json

    store = obj.store
    store.check_readable()
    report = strict_json(network_report(store, network))
    if as_json:
        click.echo(json.dumps(report, indent=2, allow_nan=False))
        return
    click.echo(f"{report['name']} ({report['token']})")
    for name, points in report["series"].items():
        last = points[-1]
        click.echo(
            f"  {name:<26} {len(points):>4} value(s) {points[0]['date']} .. {last['date']}, "
            f"last {last['value']:,.2f} {last['unit']} ({last['source']})"
        )
    if report["demand_metric"]:
        click.echo(f"Demand ({report['demand_metric']}, USD per day):")
        for point in report["series"][report["demand_metric"]][-10:]:
            flags = f"  [{', '.join(point['flags'])}]" if point["flags"] else ""
            click.echo(f"  {point['date']}  {_usd(point['value']):>12}  {point['source']}{flags}")
    annual = report["annualised_revenue"]
    if annual:
        click.echo(
            f"Annualised revenue: {_usd(annual['usd'])} (mean of {annual['days_observed']} day(s) in "
            f"{annual['start']} .. {annual['end']} x 365)"
        )
    fdv = report["fdv_to_annualised_revenue"]
    if fdv:
        click.echo(f"FDV / annualised revenue: {fdv['ratio']:,.1f}x (CoinGecko {fdv['snapshot_date']})")
    if report["emissions"]:
        click.echo("Monthly emissions (last 12 rows):")
        for e in report["emissions"][-12:]:
            tokens = f"{e['tokens']:>14,.0f} {report['token']:<7}"
            click.echo(f"  {e['month'][:7]}  {e['source']:<9} {tokens} {_usd(e['usd']):>14}")
    for d in report["emission_disagreements"][-6:]:
        click.echo(
            f"  1kx and schedule disagree for {d['month'][:7]}: {d['tokens_1kx']:,.0f} vs {d['tokens_schedule']:,.0f} "
            f"{report['token']}"
        )
    for c in report["coverage_monthly"]:
        click.echo(
            f"Coverage {c['month'][:7]} ({c['emission_source']}): {c['coverage']:.2f}x  "
            f"revenue {_usd(c['revenue_usd'])} from {c['days_observed']}/{c['days_in_month']} days "
            f"vs emissions {_usd(c['emissions_usd'])}"
        )
    for c in report["coverage_30d"]:
        click.echo(f"30-day coverage to {c['end']} ({c['emission_source']}): {c['coverage']:.2f}x")
    growth = report["demand_growth_30d"]
    if growth:
        click.echo(f"Demand growth, 30 days to {growth['end']} vs the 30 before: {growth['growth']:+.1%}")
    for line in report["missing"]:
        click.echo(f"Not shown - {line}")
