"""Commands for investors and operators: tokens, earnings, and the due-diligence group."""

from __future__ import annotations

import json
from pathlib import Path

import click

from analytics.cli.base import _Context, _fail, main
from analytics.sanitize import strict_json


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
        click.echo(strict_json(report, indent=2))
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


class EarningsNumber(click.ParamType):
    """A numeric flag checked against the model's own range for that input (finite values only), so a bad
    value exits 2 with the flag's name, never an internal field name."""

    def __init__(self, field: str) -> None:
        self.field = field

    @property
    def name(self) -> str:  # shown in --help
        from analytics.metrics.earnings import input_limits

        return "INTEGER" if input_limits(self.field).integer else "NUMBER"

    def convert(self, value, param, ctx):
        from analytics.metrics.earnings import input_limits

        limits = input_limits(self.field)
        try:
            number = value if isinstance(value, int | float) else (int if limits.integer else float)(str(value))
        except ValueError:
            self.fail(f"must be {limits.describe()}, got {value!r}", param, ctx)
        problem = limits.problem(number)
        if problem:
            self.fail(problem, param, ctx)
        return number


def _proxy_segments() -> list[str]:
    from analytics.earnings_defaults import PROXY_ORDER

    return list(PROXY_ORDER)


class _LazyChoice(click.Choice):
    """A Choice whose values are loaded when click first needs them: importing analytics.earnings_defaults
    (and pandas with it) at import time made `depin --help` take 0.4-0.9 s."""

    def __init__(self, load, case_sensitive: bool = True) -> None:  # no super().__init__: it reads the values
        self._load = load
        self.case_sensitive = case_sensitive

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(self._load())


@main.command()
@click.option("--gpu", required=True, metavar="MODEL", help="GPU model, e.g. H100-SXM-80GB, 'RTX 4090', A100.")
@click.option("--network", default="akash", show_default=True, help="akash, ionet, render, marketplace or custom.")
@click.option("--gpus", "gpu_count", type=EarningsNumber("gpu_count"), default=None, help="Number of GPUs (default 1).")
@click.option(
    "--price-per-gpu-hour",
    "price",
    type=EarningsNumber("price_per_gpu_hour_usd"),
    default=None,
    help="USD; default: the network's own latest price for this GPU, else a labelled proxy (--proxy-segment).",
)
@click.option(
    "--proxy-segment",
    type=_LazyChoice(_proxy_segments),
    default=None,
    help="Market segment whose two-stage median stands in when the network has no price for this GPU "
    "(default: community_marketplace).",
)
@click.option("--utilization", type=EarningsNumber("utilization"), default=None, help="0-1 (default 0.5).")
@click.option("--take-rate", type=EarningsNumber("take_rate"), default=None, help="0-1, network fee share.")
@click.option("--power-watts", type=EarningsNumber("power_watts"), default=None, help="Board power (default: TDP).")
@click.option("--electricity-usd-per-kwh", type=EarningsNumber("electricity_usd_per_kwh"), default=None)
@click.option("--pue", type=EarningsNumber("pue"), default=None, help="Power usage effectiveness (default 1.2).")
@click.option(
    "--hours-per-day",
    type=EarningsNumber("hours_per_day"),
    default=None,
    help="Hours the machine is offered per day (default 24).",
)
@click.option("--hardware-cost", "hardware_cost", type=EarningsNumber("hardware_cost_usd"), help="USD per GPU.")
@click.option("--depreciation-months", type=EarningsNumber("depreciation_months"), default=None)
@click.option("--seed", type=click.IntRange(min=0), default=42, show_default=True, help="Monte Carlo seed.")
@click.option("--json", "as_json", is_flag=True, help="Every input used with its source, and the outputs.")
@click.pass_obj
def earnings(
    obj: _Context,
    gpu,
    network,
    gpu_count,
    price,
    proxy_segment,
    utilization,
    take_rate,
    power_watts,
    electricity_usd_per_kwh,
    pue,
    hours_per_day,
    hardware_cost,
    depreciation_months,
    seed,
    as_json,
) -> None:
    """What a GPU would earn per day and month on a network, after fees, power and depreciation."""
    from analytics.earnings_report import earnings_report
    from analytics.formatting import usd
    from analytics.metrics.earnings import EarningsInputError

    store = obj.store
    store.check_readable()
    try:
        report = earnings_report(
            store,
            gpu,
            network,
            seed=seed,
            proxy_segment=proxy_segment,
            gpu_count=gpu_count,
            price_per_gpu_hour_usd=price,
            utilization=utilization,
            take_rate=take_rate,
            power_watts=power_watts,
            electricity_usd_per_kwh=electricity_usd_per_kwh,
            pue=pue,
            hours_per_day=hours_per_day,
            hardware_cost_usd=hardware_cost,
            depreciation_months=depreciation_months,
        )
    except EarningsInputError as exc:
        _fail(str(exc))
    if as_json:
        click.echo(strict_json(report, indent=2))
        return
    for name, item in report["inputs"].items():
        click.echo(f"  {name:<24} {item['value']!s:<16} {item['source']}")
    if report["price_default"]["proxy_note"]:
        click.echo(f"note: {report['price_default']['proxy_note']}")
    for warning in report["stale_inputs"]:
        click.echo(f"warning: {warning['message']}")
    out = report["outputs"]
    click.echo(
        f"gross {usd(out['gross_usd_per_day'])}/day, power {usd(out['power_cost_usd_per_day'])}/day, "
        f"net {usd(out['net_usd_per_day'])}/day ({usd(out['net_usd_per_month'], 0)}/month), after depreciation "
        f"{usd(out['net_after_depreciation_usd_per_day'])}/day"
    )
    click.echo(
        f"payback {_payback(out['payback_months'])}; "
        f"break-even utilization {_pct(out['break_even_utilization'])} "
        f"({_pct(out['break_even_utilization_with_depreciation'])} with depreciation)"
    )
    if report["monte_carlo"]:
        for row in report["monte_carlo"]["rows"]:
            click.echo(
                f"  paid in {report['monte_carlo']['token']}, {row['horizon_days']:>3} days: P10 "
                f"{usd(row['p10_usd'], 0)}  P50 {usd(row['p50_usd'], 0)}  P90 {usd(row['p90_usd'], 0)} "
                f"(paid in USD: {usd(row['if_paid_in_usd'], 0)})"
            )


def _payback(months: float | None) -> str:
    if months is None:
        return "never at these inputs"
    return "immediate (no hardware cost)" if months == 0 else f"{months:.1f} months"


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
    except (OSError, ValueError) as exc:  # unreadable, not UTF-8, not JSON
        _fail(f"cannot read answers from {path}: {exc}")
    except RecursionError:
        _fail(f"cannot read answers from {path}: nested too deeply")
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
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
        click.echo(
            f"v{r.version:<3} {r.created_at:%Y-%m-%d %H:%M}  {r.author:<16} overall {ddlib.fmt_score(r.overall)}"
        )


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
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write {output}: {exc.strerror or exc}")
        click.echo(f"wrote {output}")
