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
    ("md", "## The Overview KPIs"),
    (
        "code",
        "kpis = overview_kpis(store)\n"
        "print(kpis.freshness.message)\n"
        "print(f'offers: {kpis.offers:,}  providers: {kpis.providers}  sources: {kpis.sources}')\n"
        "for model, stats in kpis.prices.items():\n"
        "    print(f'{kpis.family} {model:<13} cheapest ${stats.cheapest_usd:.2f} ({stats.cheapest_provider}), '\n"
        "          f'median ${stats.median_usd:.2f} over {stats.offers} offers')\n"
        "print(f'decentralized discount (medians): {kpis.decentralized_discount_pct:.1f} %')\n"
        "for t in kpis.tokens:\n"
        "    print(f'{t.token}: close {t.close} on {t.as_of}, 30-day change {t.change_30d_pct:+.1f} % '\n"
        "          f'({t.symbol}, {t.exchange}, {t.instrument})')",
    ),
    ("md", "## The H100 offers behind those numbers"),
    (
        "code",
        "h100 = queries.latest_offers(store, family='H100', pricing_kinds=queries.FIRM_PRICING_KINDS)\n"
        "h100.groupby(['market_model', 'provider_category'])['price_per_gpu_hour_usd']"
        ".describe()[['count', 'min', '50%', 'max']]",
    ),
    (
        "code",
        "assert round(h100[h100.market_model == 'centralized'].price_per_gpu_hour_usd.median(), 6) == "
        "round(kpis.prices['centralized'].median_usd, 6)\n"
        "assert round(h100[h100.market_model == 'decentralized'].price_per_gpu_hour_usd.median(), 6) == "
        "round(kpis.prices['decentralized'].median_usd, 6)\n"
        "'the notebook and the Overview agree'",
    ),
]

NOTEBOOKS = {"00_getting_started.ipynb": GETTING_STARTED}


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
