"""Network economics: the bundled files' quirks, and the coverage maths checked against hand-computed values."""

from datetime import date

import pandas as pd
import pytest

from analytics.network import coverage, emissions
from analytics.network.bundled import month_start, number
from analytics.network.metrics import network_metrics, series
from analytics.network.report import network_report, strict_json


def test_numbers_and_month_labels_as_the_files_write_them():
    assert number("1,247,905.58") == 1247905.58
    assert number("$2.80") == 2.8
    assert number("54.00%") == pytest.approx(0.54)
    assert number("") is None and number(None) is None
    assert month_start("Oct 2020") == date(2020, 10, 1)
    assert month_start("2024-2") == month_start("2024-02") == date(2024, 2, 1)
    assert month_start("06/2024") == date(2024, 6, 1)


def test_bundled_files_land_with_units_flags_and_provenance(snapshot_store):
    akash = network_metrics(snapshot_store, "akash")
    spend = series(akash, "daily_spend_usd")
    # micro-units: 11,331,975,809.50415 uUSD on 2025-01-02 and 12,168,082,098.84 uUSD on 2025-01-06
    assert dict(zip(spend["date"].astype(str), spend["value"].round(2), strict=True)) == {
        "2025-01-01": 10938.76,
        "2025-01-02": 11331.98,
        "2025-01-06": 12168.08,
    }
    assert all("rolling_24h" in f for f in spend["flags"])
    providers = series(akash, "active_providers")
    assert len(providers) == 667 and providers["date"].min() == date(2023, 3, 9)  # 665 daily + 2 readings

    aethir = series(network_metrics(snapshot_store, "aethir"), "revenue_usd")
    assert list(aethir["date"]) == sorted(aethir["date"])  # the file is newest first
    last = aethir.iloc[-1]
    assert (str(last["date"]), round(last["value"], 2), last["flags"]) == ("2025-01-06", 223857.15, ["partial_day"])
    assert not any("partial_day" in f for f in aethir["flags"].iloc[:-1])
    assert len(aethir) == 166 and date(2024, 7, 23) not in set(aethir["date"])  # the gap stays a gap

    render = network_metrics(snapshot_store, "render")
    jan = render[(render["metric"] == "emissions_usd") & (render["date"] == date(2024, 1, 1))].iloc[0]
    assert jan["value"] == pytest.approx(285213 * 4.07) and jan["flags"] == ["derived_usd"]
    claimed = render[(render["metric"] == "rewards_claimed_usd") & (render["date"] == date(2024, 1, 1))]
    assert claimed["value"].iloc[0] == 2084686  # 1kx's "rewards $" = claimed x price, kept apart
    ionet = network_metrics(snapshot_store, "ionet")
    feb = ionet[(ionet["metric"] == "emissions_tokens") & (ionet["date"] == date(2025, 2, 1))].iloc[0]
    assert feb["flags"] == ["partial_month"]
    akash_oct = akash[(akash["metric"] == "emissions_usd") & (akash["date"] == date(2020, 10, 1))].iloc[0]
    assert akash_oct["value"] == 1247905.58 and akash_oct["flags"] == []

    provenance = snapshot_store.query_df(
        "SELECT dataset_id, source_repo, source_commit, source_url, as_of FROM datasets WHERE kind = 'network_metrics'"
    )
    assert len(provenance) == 7 and provenance["source_commit"].str.len().eq(40).all()
    assert set(provenance["source_repo"]) == {"aabdel0181/quok.it", "1kx-network/depin_tokenomics"}
    assert "render_data_orig" not in " ".join(provenance["source_url"])  # a plan, not observations


def revenue_frame(values: dict[str, float], partial: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": [date.fromisoformat(d) for d in values],
            "value": list(values.values()),
            "source": "test",
            "flags": [["partial_day"] if d in partial else [] for d in values],
        }
    )


def emission_frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"month": date.fromisoformat(m), "source": s, "tokens": usd, "usd": usd} for m, s, usd in rows]
    )


def test_monthly_coverage_scales_observed_days_and_skips_partial_ones():
    revenue = revenue_frame({"2024-02-01": 100.0, "2024-02-02": 300.0, "2024-02-03": 9999.0}, partial=("2024-02-03",))
    table = emission_frame([("2024-02-01", "1kx", 2900.0), ("2024-03-01", "1kx", 5000.0)])
    result = coverage.monthly_coverage(revenue, table)
    assert len(result) == 1  # March has no revenue: not shown
    row = result.iloc[0]
    # mean of the 2 complete days = 200 USD/day x 29 days (2024 is a leap year) = 5,800; / 2,900 = 2.0
    assert (row["revenue_usd"], row["days_observed"], row["days_in_month"], row["complete"]) == (5800, 2, 29, False)
    assert row["coverage"] == pytest.approx(2.0)


def test_thirty_day_window_prorates_emissions_across_months():
    days = {f"2024-01-{d:02d}": 50.0 for d in range(20, 32)} | {f"2024-02-{d:02d}": 50.0 for d in range(1, 19)}
    revenue = revenue_frame(days)
    table = emission_frame([("2024-01-01", "s", 3100.0), ("2024-02-01", "s", 2900.0)])
    [window] = coverage.window_coverage(revenue, table, date(2024, 2, 18))
    # window 2024-01-20 .. 02-18: 12 January days x 100/day + 18 February days x 100/day = 3,000 emitted
    assert window["start"] == date(2024, 1, 20) and window["emissions_usd"] == pytest.approx(3000.0)
    assert window["revenue_usd"] == pytest.approx(1500.0) and window["coverage"] == pytest.approx(0.5)
    assert coverage.window_coverage(revenue, table[table["month"] != date(2024, 1, 1)], date(2024, 2, 18)) == []


def test_annualised_revenue_fdv_ratio_and_growth():
    revenue = revenue_frame({"2024-03-01": 10.0, "2024-03-02": 30.0})
    annual = coverage.annualised_revenue(revenue, date(2024, 3, 2))
    assert annual["usd"] == pytest.approx(20.0 * 365) and annual["days_observed"] == 2
    assert coverage.fdv_to_revenue(73000.0, annual["usd"]) == pytest.approx(10.0)
    assert coverage.fdv_to_revenue(None, annual["usd"]) is None
    monthly = pd.DataFrame(
        {
            "month": [date(2024, 1, 1), date(2024, 2, 1), date(2024, 4, 1)],
            "emission_source": "1kx",
            "revenue_usd": [100.0, 150.0, 10.0],
            "emissions_usd": [200.0, 220.0, 10.0],
        }
    )
    growth = coverage.growth(monthly)
    assert len(growth) == 1  # April does not follow February
    row = growth.iloc[0]
    assert row["revenue_growth"] == pytest.approx(0.5) and row["emission_growth"] == pytest.approx(0.1)
    assert bool(row["demand_outgrows_emissions"])


def test_schedule_months_priced_with_candles_and_disagreement_with_1kx():
    closes = pd.Series([4.0, 6.0], index=pd.DatetimeIndex(["2023-12-01", "2023-12-02"]))
    frame, reason = emissions.schedule_monthly("render", closes, date(2024, 1, 31))
    assert reason is None
    dec = frame[frame["month"] == date(2023, 12, 1)].iloc[0]
    # BME year 1: 9,130,000 RENDER a year x 31/365 days, at the mean close (4 + 6) / 2 = 5
    assert dec["tokens"] == pytest.approx(9130000 * 31 / 365)
    assert dec["usd"] == pytest.approx(9130000 * 31 / 365 * 5.0) and "priced from 2 daily closes" in dec["flags"]
    jan = frame[frame["month"] == date(2024, 1, 1)].iloc[0]
    assert jan["usd"] is None or pd.isna(jan["usd"])  # no candle that month: tokens only
    onekx = emission_frame([("2023-12-01", "1kx", 127090.0)])
    diff = emissions.disagreements(emissions.combined(onekx, frame))
    assert list(diff["month"]) == [date(2023, 12, 1)]
    assert diff["difference"].iloc[0] == pytest.approx(127090 / (9130000 * 31 / 365) - 1)
    none, why = emissions.schedule_monthly("akash", None, date(2025, 6, 30))
    assert none.empty and "supply figure" in why


def test_reports_show_what_exists_and_say_why_the_rest_is_missing(snapshot_store):
    aethir = strict_json(network_report(snapshot_store, "aethir", date(2026, 11, 30)))
    assert aethir["demand_metric"] == "revenue_usd" and len(aethir["series"]["revenue_usd"]) == 166
    assert aethir["coverage_monthly"] == [] and aethir["coverage_30d"] == []
    assert any(m.startswith("emission side: no emissions source") for m in aethir["missing"])
    assert aethir["annualised_revenue"]["end"] == "2025-01-05"  # the partial 2025-01-06 is left out
    akash = strict_json(network_report(snapshot_store, "akash", date(2026, 11, 30)))
    assert {e["source"] for e in akash["emissions"]} == {"1kx"}
    assert any("no month has both sides" in m for m in akash["missing"])
    render = strict_json(network_report(snapshot_store, "render", date(2026, 11, 30)))
    assert render["emission_disagreements"] and render["demand_metric"] is None
    assert any(m.startswith("demand side:") for m in render["missing"])


def test_fdv_over_annualised_revenue_and_schedule_on_a_coingecko_supply(snapshot_store):
    from datetime import datetime

    from analytics.store.writes import upsert

    snapshots = pd.DataFrame(
        [
            {"token": t, "snapshot_date": date(2026, 11, 29), "observed_at": datetime(2026, 11, 29, 12),
             "coingecko_id": i, "fdv_usd": fdv, "circulating_supply": supply, "source": "coingecko"}
            for t, i, fdv, supply in (("ATH", "aethir", 927_000_000.0, 1e10), ("AKT", "akash-network", 6e8, 2.5e8))
        ]
    )  # fmt: skip
    with snapshot_store.writer() as conn:
        upsert(conn, "token_market_snapshots", snapshots)
    aethir = strict_json(network_report(snapshot_store, "aethir", date(2026, 11, 30)))
    fdv = aethir["fdv_to_annualised_revenue"]
    assert fdv["ratio"] == pytest.approx(927_000_000 / aethir["annualised_revenue"]["usd"])
    assert fdv["snapshot_date"] == "2026-11-29"
    akash = strict_json(network_report(snapshot_store, "akash", date(2025, 6, 30)))
    march = next(e for e in akash["emissions"] if e["source"] == "schedule" and e["month"] == "2025-03-01")
    # 4-8 % a year on 250M AKT for 31 days: 250M x ((1.04)^(31/365) - 1) .. 250M x ((1.08)^(31/365) - 1), midpoint
    low, high = 2.5e8 * (1.04 ** (31 / 365) - 1), 2.5e8 * (1.08 ** (31 / 365) - 1)
    assert march["tokens"] == pytest.approx((low + high) / 2)
    assert any("on today's supply of 250,000,000" in f for f in march["flags"])


def test_the_report_memo_follows_writes_to_the_database(snapshot_store):
    from datetime import datetime

    from analytics.store.writes import upsert

    before = network_report(snapshot_store, "aethir", date(2026, 11, 30))
    before["series"].clear()  # the caller gets a copy: mutating it changes nothing stored
    assert network_report(snapshot_store, "aethir", date(2026, 11, 30))["series"]
    row = {"network": "aethir", "metric": "revenue_usd", "dimension": "", "date": date(2025, 1, 7), "period": "day",
           "value": 1000.0, "unit": "USD", "source": "test", "dataset_id": None,
           "observed_at": datetime(2025, 1, 8), "flags": []}  # fmt: skip
    with snapshot_store.writer() as conn:
        upsert(conn, "network_metrics", pd.DataFrame([row]))
    after = network_report(snapshot_store, "aethir", date(2026, 11, 30))
    assert after["series"]["revenue_usd"][-1]["value"] == 1000.0
