"""Writes the notebooks from the cell sources below (outputs stripped), so they stay reviewable as code.

Run `python notebooks/build_notebooks.py` after editing; tests execute every notebook and check that the
committed files carry no outputs.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent

GETTING_STARTED = [
    (
        "md",
        "# Getting started with DePIN Lens\n\n"
        "Everything the dashboard shows comes from the `analytics` package. This notebook opens the same "
        "database (`DEPIN_DB`, else `data/depin.duckdb`), loads the bundled snapshot if it is empty, and "
        "reproduces the Overview page's numbers.",
    ),
    (
        "code",
        "from analytics.settings import get_settings\n"
        "from analytics.snapshot import load_snapshot\n"
        "from analytics.store import Store\n"
        "from analytics import queries\n"
        "from analytics.metrics.overview import overview_kpis\n\n"
        "store = Store(get_settings().db)\n"
        "if not store.path.exists() or store.schema_version() == 0:\n"
        "    load_snapshot(store)\n"
        "store",
    ),
    ("md", "## What is in the database, and where it came from"),
    ("code", "queries.datasets(store)[['dataset_id', 'publisher', 'stored_rows', 'as_of', 'source_url']]"),
    ("md", "## The Overview headline (the same function `depin compare` uses)"),
    (
        "code",
        "kpis = overview_kpis(store)\n"
        "print(kpis.freshness.message)\n"
        "print(f'offers: {kpis.offers:,}  providers: {kpis.providers}  sources: {kpis.sources}')\n"
        "print(kpis.headline.sentence)\n"
        "for t in kpis.tokens:\n"
        "    print(f'{t.token}: close {t.close} on {t.as_of}, 30-day change {t.change_30d_pct:+.1f} % '\n"
        "          f'({t.symbol}, {t.exchange}, {t.instrument})')",
    ),
    ("md", "## The offers behind the headline, per segment (two-stage: median per provider, then across)"),
    (
        "code",
        "from analytics.comparison.report import compare, definition_for\n"
        "report = compare(store, definition_for(kpis.headline.gpu))\n"
        "per_provider = report.selected.groupby(['segment', 'provider'])['price_per_gpu_hour_usd'].median()\n"
        "per_segment = per_provider.groupby('segment').median()\n"
        "per_segment",
    ),
    (
        "code",
        "for s in kpis.headline.segments:\n"
        "    if s['median_usd'] is not None:\n"
        "        assert round(per_segment[s['segment']], 6) == round(s['median_usd'], 6)\n"
        "'the notebook and the Overview agree'",
    ),
]

COST_ARBITRAGE = [
    (
        "md",
        "# Cost arbitrage: is decentralized GPU compute really cheaper?\n\n"
        "The market overview claims H100s at $2.50-5.00/h on centralized clouds vs $0.79-1.29/h on "
        "decentralized ones, and a 100-hour run at 'upwards of $300' vs 'under $100'. This notebook checks "
        "both against the database through `analytics` (the same functions the Cost comparison page uses).",
    ),
    (
        "code",
        "from analytics.settings import get_settings\n"
        "from analytics.snapshot import load_snapshot\n"
        "from analytics.store import Store\n"
        "from analytics import queries\n"
        "from analytics.metrics.jobs import JobSpec, hundred_hour_example, job_costs, market_model_job_summary\n\n"
        "store = Store(get_settings().db)\n"
        "if not store.path.exists() or store.schema_version() == 0:\n"
        "    load_snapshot(store)\n"
        "firm = queries.latest_offers(store, pricing_kinds=queries.FIRM_PRICING_KINDS)\n"
        "len(firm)",
    ),
    ("md", "## Like for like: H100 SXM per market segment (two-stage medians, provider and offer counts)"),
    (
        "code",
        "from analytics.comparison.report import compare, definition_for\n"
        "report = compare(store, definition_for('H100-SXM-80GB'))\n"
        "report.segments[['segment_label', 'median_usd', 'cheapest_usd', 'cheapest_provider', 'providers', "
        "'offers', 'newest_price_date', 'withheld_reason']]",
    ),
    ("md", "## How much the answer depends on the definition (the robustness table)"),
    ("code", "report.robustness.round(2)"),
    ("md", "## Sources that disagree, and which one is trusted"),
    ("code", "report.conflicts[['provider', 'instance_type', 'region', 'source_a', 'price_a', 'source_b', 'price_b', "
     "'trusted_source', 'reason']]"),
    ("md", "## The overview's H100 price table next to the data"),
    (
        "code",
        "from analytics.metrics.prices import check_published_claims\n"
        "check_published_claims(firm, queries.published_prices(store), 'H100')",
    ),
    ("md", "## The 100-hour example: list price and reliability-adjusted (checkpoint every hour, 15 min restart)"),
    (
        "code",
        "example = hundred_hour_example(firm, family='H100', hours=100, checkpoint_h=1.0, restart_h=0.25)\nexample.T",
    ),
    (
        "code",
        "for r in example.itertuples():\n"
        "    verdict = 'holds' if r.claim_holds_at_median else 'does not hold'\n"
        "    print(f'{r.market_model}: claim {r.overview_claim!r} {verdict} at the median '\n"
        "          f'(${r.median_list_cost_usd:.0f} list, ${r.median_expected_cost_usd:.0f} expected, '\n"
        "          f'cheapest ${r.cheapest_list_cost_usd:.0f}, {r.offers} offers)')",
    ),
    ("md", "## The same job on every offer that fits one GPU exactly"),
    (
        "code",
        "costs = job_costs(firm[firm.gpu_family == 'H100'], JobSpec(gpus=1, hours=100))\n"
        "market_model_job_summary(costs).round(2)",
    ),
]

TOKEN_RISK = [
    (
        "md",
        "# Token risk: volatility, drawdowns and beta of the DePIN tokens\n\n"
        "Computed through `analytics` from the stored daily candles (the bundled Bybit USDT perpetuals by "
        "default: say so when quoting them). The same table is on the Token markets page and in "
        "`depin tokens --json`.",
    ),
    (
        "code",
        "import pandas as pd\n"
        "from analytics.settings import get_settings\n"
        "from analytics.snapshot import load_snapshot\n"
        "from analytics.store import Store\n"
        "from analytics.token_report import token_closes, token_report\n"
        "from analytics.metrics.tokens import correlation_matrix\n\n"
        "store = Store(get_settings().db)\n"
        "if not store.path.exists() or store.schema_version() == 0:\n"
        "    load_snapshot(store)\n"
        "report = token_report(store)\n"
        "len(report)",
    ),
    ("md", "## Volatility, drawdown and beta table"),
    (
        "code",
        "columns = ['token', 'last_close', 'as_of', 'return_30d', 'return_365d', 'volatility_30d', "
        "'volatility_90d', 'volatility_365d', 'max_drawdown', 'current_drawdown', 'beta_btc', 'corr_btc', "
        "'beta_eth', 'corr_eth']\n"
        "table = pd.DataFrame(report)[columns].set_index('token')\n"
        "table.round(3)",
    ),
    ("md", "## Which series each number comes from"),
    ("code", "pd.DataFrame({r['token']: r['series'] for r in report}).T"),
    ("md", "## Correlation of daily log returns, last 365 days"),
    ("code", "closes, _ = token_closes(store)\ncorrelation_matrix(closes).round(2)"),
    (
        "code",
        "depin = table.loc[[t for t in ('RENDER', 'AKT', 'IO') if t in table.index]]\n"
        "print('median 90-day volatility of RENDER/AKT/IO:', f\"{depin.volatility_90d.median():.0%}\", "
        "'vs BTC', f\"{table.loc['BTC', 'volatility_90d']:.0%}\")",
    ),
]

NODE_PAYBACK = [
    (
        "md",
        "# Node payback: what an H100 and an RTX 4090 earn\n\n"
        "The market overview says high-end NVIDIA GPUs 'can generate between $3.00 and $7.00 daily'. This "
        "notebook runs the node-earnings model (the same `analytics` functions as the Node earnings page and "
        "`depin earnings --json`) for both cards with the default, stated assumptions.",
    ),
    (
        "code",
        "import pandas as pd\n"
        "from analytics.settings import get_settings\n"
        "from analytics.snapshot import load_snapshot\n"
        "from analytics.store import Store\n"
        "from analytics.earnings_report import claim_cases, earnings_report, explain_claim\n\n"
        "store = Store(get_settings().db)\n"
        "if not store.path.exists() or store.schema_version() == 0:\n"
        "    load_snapshot(store)",
    ),
    ("md", "## Every input and where it comes from (H100 SXM on Akash)"),
    (
        "code",
        "h100 = earnings_report(store, 'H100-SXM-80GB', 'akash')\npd.DataFrame(h100['inputs']).T",
    ),
    (
        "md",
        "## Where the rental price comes from\n\nAkash's own price for the GPU where the data has one (source, "
        "dataset and date), otherwise a proxy that says which market segment stands in and why.",
    ),
    (
        "code",
        "{'H100-SXM-80GB': h100['price_default'], 'RTX4090-24GB': earnings_report(store, 'RTX4090-24GB', "
        "'akash')['price_default']}",
    ),
    ("md", "## Outputs for both cards"),
    (
        "code",
        "rtx = earnings_report(store, 'RTX4090-24GB', 'akash')\n"
        "pd.DataFrame({'H100-SXM-80GB': h100['outputs'], 'RTX4090-24GB': rtx['outputs']}).drop(index='notes')",
    ),
    ("md", "## Against the overview's $3-7/day"),
    ("code", "cases = claim_cases(store)\ncases.T"),
    ("code", "for line in explain_claim(cases):\n    print(line)"),
    ("md", "## Sensitivity of the RTX 4090 case, and the same card paid in RENDER"),
    ("code", "pd.DataFrame(rtx['tornado']).round(2)"),
    (
        "code",
        "render = earnings_report(store, 'RTX4090-24GB', 'render', seed=42)\n"
        "pd.DataFrame(render['monte_carlo']['rows']).round(1)",
    ),
]

NOTEBOOKS = {
    "00_getting_started.ipynb": GETTING_STARTED,
    "01_cost_arbitrage.ipynb": COST_ARBITRAGE,
    "02_token_risk.ipynb": TOKEN_RISK,
    "03_node_payback.ipynb": NODE_PAYBACK,
}


def build(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src) for kind, src in cells
    ]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    return nb


if __name__ == "__main__":
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(cells), HERE / name)
        print(f"wrote notebooks/{name}")
