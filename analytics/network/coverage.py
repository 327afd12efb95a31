"""Issuance coverage and the ratios around it. Pure functions on small frames (formulas in README,
"Network economics").

revenue:   one row per day, columns date, value (USD that day), source, flags; days flagged `partial_day`
           are left out of every average (half a day would understate demand).
emissions: one row per month and source, columns month, source, usd (and tokens).

- monthly coverage(m, s) = revenue_usd(m) / emissions_usd(m, s), where revenue_usd(m) = mean daily revenue
  over the observed days of m x days in m (the number of observed days is reported; `complete` only when
  every day of the month was observed);
- 30-day coverage = mean daily revenue over the observed days of the 30 days ending `end` x 30 / emissions in
  the same 30 days (each day's share of its month's USD emissions: usd(m) / days in m);
- annualised revenue = mean daily revenue over the last 30 days x 365.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pandas as pd


def complete_days(revenue: pd.DataFrame) -> pd.DataFrame:
    if revenue.empty:
        return revenue
    keep = revenue["flags"].apply(lambda f: "partial_day" not in (f or []))
    return revenue[keep]


def _days_in(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def monthly_coverage(revenue: pd.DataFrame, emissions: pd.DataFrame) -> pd.DataFrame:
    columns = ["month", "emission_source", "revenue_usd", "days_observed", "days_in_month", "complete",
               "emissions_usd", "coverage", "revenue_source", "revenue_dates"]  # fmt: skip
    days = complete_days(revenue)
    if days.empty or emissions.empty:
        return pd.DataFrame(columns=columns)
    days = days.assign(month=[d.replace(day=1) for d in days["date"]])
    out = []
    for _, e in emissions.dropna(subset=["usd"]).iterrows():
        observed = days[days["month"] == e["month"]]
        if observed.empty or not e["usd"]:
            continue
        n, total_days = len(observed), _days_in(e["month"])
        revenue_usd = float(observed["value"].mean()) * total_days
        out.append({"month": e["month"], "emission_source": e["source"], "revenue_usd": revenue_usd,
                    "days_observed": n, "days_in_month": total_days, "complete": n == total_days,
                    "emissions_usd": float(e["usd"]), "coverage": revenue_usd / float(e["usd"]),
                    "revenue_source": ", ".join(sorted(observed["source"].unique())),
                    "revenue_dates": f"{observed['date'].min()} .. {observed['date'].max()}"})  # fmt: skip
    return pd.DataFrame(out, columns=columns).sort_values(["month", "emission_source"], ignore_index=True)


def window_emissions_usd(emissions: pd.DataFrame, source: str, start: date, end: date) -> float | None:
    """USD emitted by `source` between two dates (inclusive), pro rata per day; None when a month is missing."""
    months = emissions[(emissions["source"] == source)].dropna(subset=["usd"]).set_index("month")["usd"]
    total, day = 0.0, start
    while day <= end:
        month = day.replace(day=1)
        if month not in months.index:
            return None
        total += float(months[month]) / _days_in(month)
        day += timedelta(days=1)
    return total


def window_coverage(revenue: pd.DataFrame, emissions: pd.DataFrame, end: date, days: int = 30) -> list[dict]:
    """Coverage over the `days` ending `end`, one entry per emission source that covers the whole window."""
    start = end - timedelta(days=days - 1)
    observed = complete_days(revenue)
    observed = observed[(observed["date"] >= start) & (observed["date"] <= end)] if not observed.empty else observed
    if observed.empty:
        return []
    revenue_usd = float(observed["value"].mean()) * days
    out = []
    for source in sorted(emissions["source"].unique()) if not emissions.empty else []:
        emitted = window_emissions_usd(emissions, source, start, end)
        if emitted:
            out.append({"start": start, "end": end, "days": days, "days_observed": len(observed),
                        "revenue_usd": revenue_usd, "emissions_usd": emitted, "coverage": revenue_usd / emitted,
                        "emission_source": source,
                        "revenue_source": ", ".join(sorted(observed["source"].unique()))})  # fmt: skip
    return out


def annualised_revenue(revenue: pd.DataFrame, end: date, days: int = 30) -> dict | None:
    """Mean daily revenue over the `days` ending `end` x 365 (None without an observed day)."""
    start = end - timedelta(days=days - 1)
    observed = complete_days(revenue)
    observed = observed[(observed["date"] >= start) & (observed["date"] <= end)] if not observed.empty else observed
    if observed.empty:
        return None
    mean = float(observed["value"].mean())
    return {"usd": mean * 365, "mean_daily_usd": mean, "start": start, "end": end, "days_observed": len(observed)}


def fdv_to_revenue(fdv_usd: float | None, annual_revenue_usd: float | None) -> float | None:
    if fdv_usd is None or not annual_revenue_usd or pd.isna(fdv_usd):
        return None
    return float(fdv_usd) / annual_revenue_usd


def growth(monthly: pd.DataFrame) -> pd.DataFrame:
    """Month-on-month growth of revenue and of emissions (same emission source), for consecutive months where
    both sides exist in both months: revenue_growth = R(m) / R(m-1) - 1, emission_growth = E(m) / E(m-1) - 1."""
    columns = ["month", "emission_source", "revenue_growth", "emission_growth", "demand_outgrows_emissions"]
    out = []
    for source, group in monthly.groupby("emission_source") if not monthly.empty else []:
        rows = group.sort_values("month").to_dict("records")
        for prev, cur in zip(rows, rows[1:], strict=False):
            if (cur["month"] - timedelta(days=1)).replace(day=1) != prev["month"]:
                continue
            r = cur["revenue_usd"] / prev["revenue_usd"] - 1 if prev["revenue_usd"] else None
            e = cur["emissions_usd"] / prev["emissions_usd"] - 1 if prev["emissions_usd"] else None
            outgrows = None if r is None or e is None else r > e
            out.append({"month": cur["month"], "emission_source": source, "revenue_growth": r,
                        "emission_growth": e, "demand_outgrows_emissions": outgrows})  # fmt: skip
    return pd.DataFrame(out, columns=columns)


def demand_growth(revenue: pd.DataFrame, end: date, days: int = 30) -> dict | None:
    """Mean daily revenue of the `days` ending `end` vs the `days` before (demand only; for networks without
    emission data, so growth can still be read)."""
    now = annualised_revenue(revenue, end, days)
    before = annualised_revenue(revenue, end - timedelta(days=days), days)
    if now is None or before is None or not before["mean_daily_usd"]:
        return None
    return {"growth": now["mean_daily_usd"] / before["mean_daily_usd"] - 1, "end": end, "days": days,
            "mean_daily_usd": now["mean_daily_usd"], "previous_mean_daily_usd": before["mean_daily_usd"]}  # fmt: skip
