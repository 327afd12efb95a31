"""Node-earnings formulas against hand-computed cases, input validation, the report's sources, Monte Carlo."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analytics.earnings_report import claim_cases, earnings_report, explain_claim, resolve_inputs
from analytics.metrics.earnings import (
    EarningsInputError,
    compute,
    monte_carlo,
    tornado,
    validate_inputs,
)
from tests.stores import store_env, use_store

BASE = {
    "gpu_model": "RTX4090-24GB",
    "network": "custom",
    "gpu_count": 1,
    "price_per_gpu_hour_usd": 0.5,
    "utilization": 0.5,
    "take_rate": 0.1,
    "power_watts": 400.0,
    "idle_power_fraction": 0.25,
    "electricity_usd_per_kwh": 0.2,
    "pue": 1.0,
    "hours_per_day": 24.0,
    "hardware_cost_usd": 1826.25,
    "depreciation_months": 10.0,
    "payout": "usd",
}


def test_formulas_by_hand():
    r = compute(validate_inputs(BASE))
    assert r.gross_usd_per_day == pytest.approx(0.5 * 12)  # 12 rented hours
    assert r.revenue_usd_per_day == pytest.approx(6.0 * 0.9)
    # 400 W x 12 h busy + 100 W x 12 h idle = 6.0 kWh, x 0.20 USD
    assert r.energy_kwh_per_day == pytest.approx(6.0)
    assert r.power_cost_usd_per_day == pytest.approx(1.2)
    assert r.net_usd_per_day == pytest.approx(5.4 - 1.2)
    assert r.depreciation_usd_per_day == pytest.approx(1826.25 / (10 * 30.4375))  # = 6.0
    assert r.net_after_depreciation_usd_per_day == pytest.approx(4.2 - 6.0)
    assert r.payback_months == pytest.approx(1826.25 / (4.2 * 30.4375))
    # net(u) = u * (0.5*24*0.9 - 0.4*24*0.75*0.2) - 0.1*24*0.2 = u * 9.36 - 0.48
    assert r.break_even_utilization == pytest.approx(0.48 / 9.36)
    assert r.break_even_utilization_with_depreciation == pytest.approx((0.48 + 6.0) / 9.36)


def test_token_break_even_price():
    r = compute(validate_inputs({**BASE, "payout": "token", "token": "X", "token_price_usd": 2.0}))
    assert r.tokens_per_day == pytest.approx(5.4 / 2.0)
    assert r.break_even_token_price_usd == pytest.approx((1.2 + 6.0) / 2.7)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hours_per_day": -4}, "hours_per_day"),
        ({"utilization": 1.5}, "utilization"),
        ({"gpu_count": 0}, "gpu_count"),
        ({"price_per_gpu_hour_usd": 0}, "price_per_gpu_hour_usd"),
        ({"take_rate": 1.0}, "take_rate"),
        ({"payout": "token"}, "token payout needs"),
    ],
)
def test_invalid_inputs_get_a_clear_message(change, message):
    with pytest.raises(EarningsInputError, match=message):
        validate_inputs({**BASE, **change})


def test_unknown_gpu_and_network(snapshot_store):
    with pytest.raises(EarningsInputError, match="unknown GPU 'Voodoo 5'"):
        resolve_inputs(snapshot_store, "Voodoo 5")
    with pytest.raises(EarningsInputError, match="unknown network 'filecoin'"):
        resolve_inputs(snapshot_store, "H100", "filecoin")


def test_tornado_orders_by_swing():
    table = tornado(validate_inputs(BASE))
    assert list(table["swing"]) == sorted(table["swing"], reverse=True)
    util = table.set_index("input").loc["utilization"]
    assert (util["low_value"], util["high_value"]) == (pytest.approx(0.3), pytest.approx(0.7))


def test_monte_carlo_is_seeded_and_centred_on_flat_prices():
    inputs = validate_inputs({**BASE, "payout": "token", "token": "X", "token_price_usd": 1.0})
    flat = pd.Series(np.zeros(100))
    mc = monte_carlo(inputs, flat, paths=200).set_index("horizon_days")
    r = compute(inputs)
    expected = (r.revenue_usd_per_day - r.power_cost_usd_per_day - r.depreciation_usd_per_day) * 30
    assert mc.loc[30, "p10_usd"] == pytest.approx(expected) == pytest.approx(mc.loc[30, "p90_usd"])
    noisy = pd.Series(np.random.default_rng(1).normal(0, 0.05, 400))
    first, second = monte_carlo(inputs, noisy, seed=7), monte_carlo(inputs, noisy, seed=7)
    pd.testing.assert_frame_equal(first, second)
    assert (first["p10_usd"] < first["p90_usd"]).all()
    with pytest.raises(EarningsInputError, match="at least 30 daily returns"):
        monte_carlo(inputs, pd.Series(np.zeros(5)))


def test_report_echoes_every_input_with_its_source(snapshot_store):
    report = earnings_report(snapshot_store, "H100-SXM-80GB", "render", utilization=0.8)
    inputs = report["inputs"]
    assert inputs["utilization"] == {"value": 0.8, "source": "your input"}
    assert "median" in inputs["price_per_gpu_hour_usd"]["source"]
    assert report["price_default"]["kind"] == "proxy"  # no Render price in the data
    assert report["price_default"]["proxy_note"].startswith("no Render Network price for H100-SXM-80GB:")
    assert inputs["power_watts"]["value"] == 700.0
    assert report["monte_carlo"]["token"] == "RENDER" and len(report["monte_carlo"]["rows"]) == 3


def test_claim_cases_and_explanation_follow_the_numbers(snapshot_store):
    cases = claim_cases(snapshot_store)
    assert list(cases["gpu"]) == ["H100-SXM-80GB", "RTX4090-24GB"]
    for r in cases.itertuples():
        expected = "inside" if 3 <= r.net_usd_per_day <= 7 else "above" if r.net_usd_per_day > 7 else "below"
        assert r.net_vs_claim == expected
    lines = explain_claim(cases)
    assert f"${cases.iloc[0]['net_usd_per_day']:.2f}/day" in lines[0]


def test_cli_json_matches_the_page(snapshot_store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import REPO

    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics.cli",
            "earnings",
            "--gpu",
            "RTX4090-24GB",
            "--network",
            "akash",
            "--json",
        ],
        env=store_env(snapshot_store),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    report = json.loads(cli.stdout)
    use_store(monkeypatch, snapshot_store)
    at = AppTest.from_file(str(REPO / "app" / "streamlit_app.py"), default_timeout=60).run()
    at.switch_page("views/node_earnings.py").run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Net per day"] == f"${report['outputs']['net_usd_per_day']:,.2f}"
    assert shown["Gross per day"] == f"${report['outputs']['gross_usd_per_day']:,.2f}"


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--utilization", "1.5"], "--utilization"),
        (["--gpus", "0"], "--gpus"),
        (["--gpus", "-2"], "--gpus"),
        (["--gpus", "1.5"], "--gpus"),
        (["--price-per-gpu-hour", "0"], "--price-per-gpu-hour"),
        (["--price-per-gpu-hour", "-1"], "--price-per-gpu-hour"),
        (["--price-per-gpu-hour", "nan"], "--price-per-gpu-hour"),
        (["--hours-per-day", "-2"], "--hours-per-day"),
        (["--hours-per-day", "0"], "--hours-per-day"),
        (["--take-rate", "1"], "--take-rate"),
        (["--power-watts", "inf"], "--power-watts"),
        (["--electricity-usd-per-kwh", "-0.1"], "--electricity-usd-per-kwh"),
        (["--pue", "0.5"], "--pue"),
        (["--hardware-cost", "-5"], "--hardware-cost"),
        (["--depreciation-months", "0"], "--depreciation-months"),
        (["--proxy-segment", "moon"], "--proxy-segment"),
    ],
)
def test_cli_refuses_bad_inputs_naming_the_flag(snapshot_store, args, flag):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics.cli",
            "earnings",
            "--gpu",
            "RTX4090-24GB",
            *args,
        ],
        env=store_env(snapshot_store),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert f"Invalid value for '{flag}'" in result.stderr and "Traceback" not in result.stderr
    assert "gpu_count" not in result.stderr and "price_per_gpu_hour_usd" not in result.stderr
