"""Monthly token incentives (emissions) per network, in tokens and USD, from two independent sources:

- `1kx`: 1kx's monthly reward research (data/network/, loaded into network_metrics);
- `schedule`: this project's own emission schedules (data/tokenomics/*.toml) for the month, priced at the
  mean daily close of the token's primary candle series in that month (RENDER before its 2024-07 migration:
  the RNDR series, converted 1:1).

Both are kept; `disagreements` lists the months where they differ by more than a tolerance.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pandas as pd

from analytics.markets.tokenomics import emissions_between, networks

COLUMNS = ["month", "source", "tokens", "usd", "price_usd", "basis", "flags"]
NO_EMISSIONS_REASON = {
    "aethir": "no emissions source: 1kx's repository has no Aethir rewards data (its aethir_data_rewards.csv is a "
    "copy of the Akash file) and data/tokenomics has no Aethir schedule",
}


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def next_month(month: date) -> date:
    return month_end(month) + timedelta(days=1)


def onekx_monthly(rows: pd.DataFrame) -> pd.DataFrame:
    """1kx months from one network's stored metrics: tokens, USD (given or derived) and 1kx's price."""
    mine = rows[rows["source"] == "1kx"] if not rows.empty else rows
    if mine.empty:
        return pd.DataFrame(columns=COLUMNS)
    wide = mine.pivot_table(index="date", columns="metric", values="value", aggfunc="first")
    flags = mine[mine["metric"] == "emissions_usd"].set_index("date")["flags"].to_dict()
    out = []
    for month, row in wide.iterrows():
        tokens = row.get("emissions_tokens")
        if pd.isna(tokens):
            continue
        usd = row.get("emissions_usd")
        f = list(flags.get(month, []))
        basis = "1kx monthly rewards" + (" (USD = tokens x 1kx monthly price)" if "derived_usd" in f else "")
        out.append({"month": month, "source": "1kx", "tokens": float(tokens),
                    "usd": None if pd.isna(usd) else float(usd),
                    "price_usd": None if pd.isna(row.get("token_price_usd")) else float(row["token_price_usd"]),
                    "basis": basis, "flags": f})  # fmt: skip
    return pd.DataFrame(out, columns=COLUMNS)


def monthly_mean_close(closes: pd.Series | None) -> dict[date, tuple[float, int]]:
    """Mean daily close and number of closes per calendar month."""
    if closes is None or closes.empty:
        return {}
    grouped = closes.groupby(closes.index.to_period("M"))
    return {p.start_time.date(): (float(g.mean()), len(g)) for p, g in grouped}


def schedule_monthly(
    slug: str, closes: pd.Series | None, until: date, supply: float | None = None
) -> tuple[pd.DataFrame, str | None]:
    """Monthly emissions implied by our schedule for the network, priced with candles; (frame, reason if none)."""
    network = networks().get(slug)
    if network is None or not network.emissions:
        return pd.DataFrame(columns=COLUMNS), f"no emission schedule for {slug} in data/tokenomics"
    prices = monthly_mean_close(closes)
    month = network.emissions[0].start.replace(day=1)
    out, skipped = [], []
    while month <= until:
        estimate = emissions_between(network, month, next_month(month), supply=supply)
        if estimate.low is None or (estimate.low == 0 and not estimate.complete):
            skipped.append(month)
        else:
            tokens = (estimate.low + estimate.high) / 2
            price, n = prices.get(month, (None, 0))
            flags = [] if estimate.complete else ["partly_unscheduled"]
            if estimate.low != estimate.high:
                on = f" on today's supply of {supply:,.0f}" if supply else ""
                flags.append(f"range {estimate.low:,.0f}-{estimate.high:,.0f}{on}")
            if price is not None and n < 20:
                flags.append(f"priced from {n} daily closes")
            out.append({"month": month, "source": "schedule", "tokens": tokens,
                        "usd": None if price is None else tokens * price, "price_usd": price,
                        "basis": estimate.basis, "flags": flags})  # fmt: skip
        month = next_month(month)
    reason = None
    if not out and skipped:
        reason = f"the {slug} schedule needs a supply figure (run depin refresh --only coingecko)"
    return pd.DataFrame(out, columns=COLUMNS), reason


def combined(onekx: pd.DataFrame, schedule: pd.DataFrame) -> pd.DataFrame:
    frames = [f for f in (onekx, schedule) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True).sort_values(["month", "source"], ignore_index=True)


def disagreements(emissions: pd.DataFrame, tolerance: float = 0.10) -> pd.DataFrame:
    """Months where 1kx and the schedule both give tokens and differ by more than `tolerance` (relative)."""
    columns = ["month", "tokens_1kx", "tokens_schedule", "usd_1kx", "usd_schedule", "difference"]
    if emissions.empty:
        return pd.DataFrame(columns=columns)
    a = emissions[emissions["source"] == "1kx"].set_index("month")
    b = emissions[emissions["source"] == "schedule"].set_index("month")
    out = []
    for month in sorted(set(a.index) & set(b.index)):
        t1, t2 = a.at[month, "tokens"], b.at[month, "tokens"]
        difference = t1 / t2 - 1 if t2 else None
        if difference is None or abs(difference) > tolerance:
            out.append({"month": month, "tokens_1kx": t1, "tokens_schedule": t2, "usd_1kx": a.at[month, "usd"],
                        "usd_schedule": b.at[month, "usd"], "difference": difference})  # fmt: skip
    return pd.DataFrame(out, columns=columns)
