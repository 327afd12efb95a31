"""Commands that compare like with like: `depin compare` and `depin history`."""

from __future__ import annotations

import json

import click

from analytics.cli.base import _Context, _fail, main

SEGMENT_CHOICES = ("hyperscaler", "neocloud", "datacenter_marketplace", "community_marketplace", "depin_network")
KIND_CHOICES = ("on_demand", "spot", "bid_derived", "published_list")


def _strict_json(payload) -> str:
    return json.dumps(payload, indent=2, default=str, allow_nan=False)


def _money(value) -> str:
    if value is None or value != value:
        return "—"
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


@main.command()
@click.option(
    "--gpu", required=True, metavar="MODEL", help="Canonical model, e.g. H100-SXM-80GB (or a family with --family)."
)
@click.option(
    "--gpus", type=click.IntRange(min=1, max=64), default=None, help="Size class of an N-GPU offer (1; 2-7; 8+)."
)
@click.option("--pricing-kind", type=click.Choice(KIND_CHOICES), default=None, help="Only this pricing kind.")
@click.option("--family", "pool_family", is_flag=True, help="Pool every variant of the family (SXM, PCIe, NVL).")
@click.option(
    "--runpod-secure-decentralized",
    is_flag=True,
    help="Count data-centre marketplaces (RunPod Secure) as decentralized, as the market overview does.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.pass_obj
def compare(
    obj: _Context, gpu: str, gpus, pricing_kind, pool_family: bool, runpod_secure_decentralized: bool, as_json: bool
) -> None:
    """Like-for-like prices per market segment (two-stage medians) and how the answer depends on the definition."""
    from analytics.comparison.report import compare as run_compare
    from analytics.comparison.report import definition_for

    store = obj.store
    store.check_readable()
    definition = definition_for(
        gpu,
        gpus=gpus,
        pricing_kind=pricing_kind,
        pool_family=pool_family,
        runpod_secure_decentralized=runpod_secure_decentralized,
    )
    report = run_compare(store, definition)
    if report.selected.empty:
        _fail(
            f"no dated offers for {gpu!r} under this definition; canonical models look like H100-SXM-80GB, "
            "A100-SXM-80GB, RTX4090-24GB (see `depin prices`)"
        )
    if as_json:
        click.echo(_strict_json(report.as_dict()))
        return
    click.echo(f"{gpu}: {definition.describe()}\n")
    click.echo(f"{'segment':<26}{'median':>10}{'cheapest':>10}  {'providers':>9}{'offers':>8}  newest     cheapest at")
    for r in report.segments.itertuples():
        median = _money(r.median_usd) if r.median_usd is not None else "withheld"
        click.echo(
            f"{r.segment_label:<26}{median:>10}{_money(r.cheapest_usd):>10}  {r.providers:>9}{r.offers:>8}  "
            f"{r.newest_price_date or '—':<10} {r.cheapest_provider or ''}"
            + (f"  ({r.withheld_reason})" if isinstance(r.withheld_reason, str) and r.offers else "")
        )
    d = report.discount
    verdict = (
        f"decentralized median {d.discount_pct:.1f} % below centralized"
        if d.discount_pct is not None
        else f"discount withheld: {d.reason}"
    )
    click.echo(
        f"\n{d.centralized.side}: {_money(d.centralized.median_usd)} ({d.centralized.providers} providers); "
        f"{d.decentralized.side}: {_money(d.decentralized.median_usd)} ({d.decentralized.providers} providers): "
        f"{verdict}\n"
    )
    click.echo("Robustness (discount of the cheaper side):")
    for r in report.robustness.itertuples():
        value = (
            f"{r.discount_pct:+.1f} %"
            if r.discount_pct == r.discount_pct and r.discount_pct is not None
            else "withheld"
        )
        click.echo(
            f"  {value:>9}  {r.definition}: {r.comparison}" + (f" ({r.reason})" if isinstance(r.reason, str) else "")
        )
    for r in report.conflicts.itertuples():
        click.echo(
            f"\nconflict: {r.provider} {r.instance_type} {r.region}: {r.source_a} ${r.price_a:.2f} vs "
            f"{r.source_b} ${r.price_b:.2f} per GPU-hour; trusted {r.trusted_source} ({r.reason})"
        )
    from analytics.comparison.compare import KIND_LABELS

    for r in report.distrust.listings.itertuples():
        kind = KIND_LABELS.get(r.pricing_kind, r.pricing_kind)
        click.echo(
            f"also left out: {r.offers_left_out} {r.source} {r.provider} {r.instance_type} {kind} "
            f"prices in other regions, dated no later than the contradicted one (same outdated listing)"
        )


@main.command()
@click.option("--gpu", required=True, metavar="MODEL", help="Canonical model, e.g. H100-SXM-80GB.")
@click.option("--provider", default=None, help="One provider's series, per source (e.g. aws).")
@click.option("--segment", type=click.Choice(SEGMENT_CHOICES), default=None, help="One segment's series.")
@click.option("--pricing-kind", type=click.Choice(KIND_CHOICES), default=None, help="Only this pricing kind.")
@click.option("--json", "as_json", is_flag=True, help="Print the series as JSON.")
@click.pass_obj
def history(obj: _Context, gpu: str, provider, segment, pricing_kind, as_json: bool) -> None:
    """Daily prices: per segment the two-stage median with coverage changes marked, or one provider per source."""
    from analytics.comparison.report import history_report

    store = obj.store
    store.check_readable()
    report = history_report(store, gpu, provider=provider, segment=segment, pricing_kind=pricing_kind)
    if not report["series"]:
        _fail(
            f"no dated prices for {gpu!r}"
            + (f" from provider {provider!r}" if provider else "")
            + (f" in segment {segment!r}" if segment else "")
        )
    if as_json:
        click.echo(_strict_json(report))
        return
    for point in report["series"]:
        label = point.get("source") or point.get("segment")
        extra = f"  {point['providers']} providers" if "providers" in point else ""
        marks = "  coverage change" if point.get("coverage_change") else ""
        click.echo(f"{point['date']}  {label:<24}{_money(point['median_usd']):>10}{extra}{marks}")
    for move in report.get("price_moves", []):
        click.echo(
            f"move: {move['date']} {move['source']}: {_money(move['previous_usd'])} -> "
            f"{_money(move['median_usd'])} ({move['change_pct']:+.1f} %)"
        )
