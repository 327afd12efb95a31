"""Token risk metrics and the tokenomics model against hand-computed values."""

import json
import math
import subprocess
import sys
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from analytics.markets.tokenomics import (
    emissions_between,
    ionet_emitted,
    ionet_first_hour,
    networks,
    schedule_dilution,
    supply_basis,
    supply_projection,
)
from analytics.metrics.tokens import (
    beta_and_correlation,
    correlation_matrix,
    drawdowns,
    normalised_performance,
    realised_volatility,
    window_return,
)
from tests.stores import store_env, use_store


def series(values, start="2025-01-01"):
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="D"), dtype=float)


def test_window_return_and_drawdowns_by_hand():
    closes = series([100, 120, 60, 90, 80])
    assert window_return(closes, 4) == pytest.approx(-0.2)  # 80 / 100 - 1
    assert window_return(closes, 2) == pytest.approx(80 / 60 - 1)
    assert window_return(closes, 10) is None
    max_dd, current = drawdowns(closes)
    assert max_dd == pytest.approx(-0.5)  # 60 from the 120 peak
    assert current == pytest.approx(80 / 120 - 1)


def test_volatility_is_annualised_with_sqrt_365():
    closes = series([100 * math.exp(0.01 * (i % 2)) for i in range(40)])  # alternating +1 % / -1 % log moves
    returns = np.log(closes / closes.shift(1)).dropna()
    expected = returns.tail(29).std(ddof=1) * math.sqrt(365)
    assert realised_volatility(closes, 30) == pytest.approx(expected)
    assert realised_volatility(series([1.0, 2.0, 3.0]), 30) is None  # not enough days


def test_beta_of_a_levered_copy():
    rng = np.random.default_rng(7)
    bench_returns = rng.normal(0, 0.03, 200)
    bench = series(100 * np.exp(np.cumsum(np.r_[0, bench_returns])))
    asset = series(10 * np.exp(np.cumsum(np.r_[0, 2 * bench_returns])))
    beta, corr, overlap = beta_and_correlation(asset, bench)
    assert beta == pytest.approx(2.0) and corr == pytest.approx(1.0) and overlap == 200


def test_normalised_performance_and_correlation():
    a, b = series([10, 11, 12, 13]), series([5, 5, 10, 10], start="2025-01-02")
    perf = normalised_performance({"a": a, "b": b})
    assert list(perf["a"]) == pytest.approx([1.0, 12 / 11, 13 / 11])  # first common day is 2025-01-02
    assert correlation_matrix({"a": a, "b": b}).isna().all().all()  # under 30 overlapping days: no number


def test_ionet_schedule_matches_its_documentation():
    ionet = networks()["ionet"]
    curve = ionet.emissions[0]
    assert ionet_first_hour(curve) == pytest.approx(4566.21, abs=0.01)  # "first hour 4,566.21 IO"
    # The whole 20-year curve (175,319 hourly epochs) would emit the 300M reward pool.
    unbounded = type(curve)(
        curve.start, None, curve.model, curve.label, curve.source_url, curve.confidence, curve.params
    )
    total = ionet_emitted(unbounded, datetime(2024, 4, 28), datetime(2044, 4, 28))
    assert total == pytest.approx(300e6, rel=0.002)


def test_ionet_fixed_curve_stops_at_the_2026_06_11_change():
    ionet = networks()["ionet"]
    before = emissions_between(ionet, date(2026, 5, 1), date(2026, 6, 11))
    after = emissions_between(ionet, date(2026, 6, 11), date(2026, 12, 1))
    assert before.complete and before.low > 0
    assert after.low == 0 and not after.complete  # demand-linked: no schedule is extended past the change
    assert "Incentive Dynamic Engine" in after.basis


def test_render_year_three_emissions_and_projection():
    render = networks()["render"]
    assert float(render.fact("max_supply").value) == 644_245_094
    year3 = emissions_between(render, date(2025, 12, 1), date(2026, 12, 1))
    assert year3.low == pytest.approx(5.9e6) and year3.complete
    projection = supply_projection(render, 550e6, date(2026, 11, 24))
    assert not projection["complete"].any()  # nothing is published beyond year 3 (2026-11-30)
    assert projection["supply_low"].iloc[0] == pytest.approx(550e6 + 5.9e6 * 7 / 365)


def test_akash_band_gives_a_range():
    akash = networks()["akash"]
    dilution = schedule_dilution(akash, 260e6, date(2026, 11, 24))
    assert (dilution.low, dilution.high) == (pytest.approx(0.04), pytest.approx(0.08))
    assert supply_basis(akash, date(2026, 11, 24)) is None  # no supply figure offline: no projection


def test_every_fact_has_a_source_date_and_confidence():
    for network in networks().values():
        assert network.facts
        for fact in [*network.facts, *network.emissions]:
            assert fact.source_url.startswith("https://")
            assert fact.confidence in {"high", "medium", "low"}


def test_cli_tokens_json_matches_the_page_table(snapshot_store):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import REPO

    result = subprocess.run(
        [sys.executable, "-m", "analytics.cli", "tokens", "--json"],
        env=store_env(snapshot_store),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    cli = {r["token"]: r for r in json.loads(result.stdout)}
    assert {"RENDER", "AKT", "IO", "TAO", "GLM", "ATH", "BTC", "ETH", "RNDR"} <= set(cli)
    assert cli["RENDER"]["series"]["instrument"] == "perpetual"
    assert cli["RENDER"]["supply"]["max_supply"] == 644_245_094

    with pytest.MonkeyPatch.context() as monkeypatch:
        use_store(monkeypatch, snapshot_store)
        at = AppTest.from_file(str(REPO / "app" / "streamlit_app.py"), default_timeout=60).run()
        at.switch_page("views/token_markets.py").run()
    assert not at.exception
    table = at.dataframe[-1].value.set_index("token")
    for token in ("RENDER", "AKT", "IO"):
        # percentages reach the grid in percent (the browser writes "85.3 %"), the CLI keeps fractions
        assert table.loc[token, "volatility_90d"] == pytest.approx(100 * cli[token]["volatility_90d"])
        assert table.loc[token, "max_drawdown"] == pytest.approx(100 * cli[token]["max_drawdown"])
        # BTC has no beta to itself, so the column is shown as formatted text with a dash there
        assert table.loc[token, "beta_btc"] == f"{cli[token]['beta_btc']:,.2f}"
    assert table.loc["BTC", "beta_btc"] == "—"
