"""Earnings defaults per network: the network's own price with its source and date, else a labelled proxy;
payback, money formatting, stale-input warnings, and the page's handling of out-of-range inputs."""

import json
import subprocess
import sys
from datetime import date, datetime

import pandas as pd
import pytest

from analytics import queries
from analytics.earnings_defaults import network_price, proxy_price, stale_warning
from analytics.earnings_report import claim_cases, earnings_report, explain_claim
from analytics.formatting import usd
from analytics.metrics.earnings import compute, input_problem, validate_inputs
from analytics.store.writes import upsert
from tests.stores import store_env, use_store
from tests.test_earnings import BASE

RTX4090 = pd.Series({"model_key": "RTX4090-24GB", "family": "RTX4090", "vram_gb": 24})
H100_SXM = pd.Series({"model_key": "H100-SXM-80GB", "family": "H100", "vram_gb": 80})
TODAY = date(2026, 11, 30)


def offer(provider, segment, price, model="RTX4090-24GB", day="2026-11-01", kind="on_demand"):
    return {
        "provider": provider,
        "segment": segment,
        "price_per_gpu_hour_usd": price,
        "gpu_model": model,
        "price_date": pd.Timestamp(day) if day else pd.NaT,
        "pricing_kind": kind,
        "source": f"synthetic_{provider}",
        "dataset_id": f"test:{provider}",
    }


def synthetic_offers() -> pd.DataFrame:
    """Synthetic offers (not market data): one provider with many rows must not decide a median."""
    rows = [offer("vastai", "community_marketplace", p) for p in (0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60)]
    rows += [offer("hyperbolic", "community_marketplace", 0.80), offer("tensordock", "community_marketplace", 0.70)]
    rows += [offer("runpod", "datacenter_marketplace", 0.69)]
    rows += [offer("lambda", "neocloud", 1.10), offer("nebius", "neocloud", 1.20), offer("crusoe", "neocloud", 1.00)]
    rows += [offer("akash", "depin_network", 1.20, "H100-SXM-80GB", "2026-03-01", "bid_derived")]
    rows += [offer("akash", "depin_network", 1.53, "H100-SXM-80GB", "2026-03-22", "bid_derived")]
    rows += [offer("akash", "depin_network", 0.90, "H100-PCIE-80GB", "2026-03-22", "bid_derived")]
    return pd.DataFrame(rows)


def test_network_price_is_its_own_latest_observation_of_that_exact_gpu():
    own = network_price(synthetic_offers(), "akash", "Akash Network", H100_SXM)
    assert (own.price_usd, own.price_date, own.kind, own.offers) == (1.53, "2026-03-22", "network", 1)
    assert "Akash Network's own bid-derived price for H100-SXM-80GB" in own.source
    assert own.datasets == ["test:akash"] and "observed 2026-03-22" in own.source
    assert network_price(synthetic_offers(), "akash", "Akash Network", RTX4090) is None


def test_network_price_accepts_a_listing_without_form_factor_but_never_another_variant():
    frame = pd.DataFrame([offer("akash", "depin_network", 1.21, "H100-80GB", None)])
    own = network_price(frame, "akash", "Akash Network", H100_SXM)
    assert own.price_usd == 1.21 and own.matched_gpu_model == "H100-80GB" and own.price_date is None
    assert "does not state the form factor" in own.source
    pcie_only = pd.DataFrame([offer("akash", "depin_network", 0.9, "H100-PCIE-80GB")])
    assert network_price(pcie_only, "akash", "Akash Network", H100_SXM) is None


def test_proxy_is_a_two_stage_median_of_the_chosen_segment():
    found, reason = proxy_price(synthetic_offers(), RTX4090, "community_marketplace")
    # per provider: vastai 0.45 (7 rows), hyperbolic 0.80, tensordock 0.70 -> median 0.70 (pooled would be 0.50)
    assert reason is None and found.price_usd == pytest.approx(0.70)
    assert (found.providers, found.offers, found.segment) == (3, 9, "community_marketplace")
    neocloud, _ = proxy_price(synthetic_offers(), RTX4090, "neocloud")
    assert neocloud.price_usd == pytest.approx(1.10)
    withheld, reason = proxy_price(synthetic_offers(), RTX4090, "datacenter_marketplace")
    assert withheld is None and reason == "data-centre-marketplace median withheld: only 1 provider (a median needs 3)"


def test_stale_warning_after_30_days():
    assert stale_warning("GPU price", "2026-11-15", TODAY) is None
    old = stale_warning("GPU price", "2026-03-22", TODAY)
    assert old["age_days"] == 253 and "2026-03-22, 253 days before today" in old["message"]
    assert stale_warning("GPU price", None, TODAY) is None
    assert stale_warning("GPU price", None, TODAY, undated_note="no date")["message"] == "no date"


def test_payback_is_immediate_without_hardware_cost_and_money_puts_the_sign_first():
    free = compute(validate_inputs({**BASE, "hardware_cost_usd": 0.0}))
    assert free.payback_months == 0.0
    losing = compute(validate_inputs({**BASE, "hardware_cost_usd": 100.0, "price_per_gpu_hour_usd": 0.01}))
    assert losing.payback_months is None
    assert (usd(-1.655), usd(1234.5), usd(-0.001), usd(None)) == ("-$1.66", "$1,234.50", "$0.00", "n/a")
    assert input_problem("gpu_count", 0) == "must be a whole number from 1 to 1,024, got 0"
    assert input_problem("price_per_gpu_hour_usd", float("inf")).startswith("must be a number above 0")
    assert input_problem("take_rate", 0.5) is None


def add_akash_console_h100(store, price=1.53, day="2026-03-22"):
    """A test row shaped like Akash Console's bid-derived H100 price (written by this test, not bundled)."""
    row = queries.latest_offers(store).iloc[[0]].copy()
    row["offer_id"] = "test-akash-console-h100"
    row["observed_at"] = datetime(2026, 3, 22)
    row["source"], row["dataset_id"] = "akash", "live:akash"
    row["provider"], row["via"], row["segment"] = "akash", None, "depin_network"
    row["gpu_model"], row["gpu_family"], row["gpu_memory_gb"] = "H100-SXM-80GB", "H100", 80
    row["pricing_kind"], row["price_per_gpu_hour_usd"], row["price_usd_per_hour"] = "bid_derived", price, price
    row["price_date"] = pd.Timestamp(day).date()
    with store.writer() as conn:
        upsert(conn, "gpu_offer_observations", row)


def test_report_uses_akash_own_h100_price_from_the_bundled_data(snapshot_store):
    report = earnings_report(snapshot_store, "H100-SXM-80GB", "akash", today=TODAY)
    price = report["price_default"]
    # Akash Console /v1/gpu-prices of 2026-03-22 (opencomputeprices): weighted average $1.53 (min 1.20, max 2.07)
    assert report["inputs"]["price_per_gpu_hour_usd"]["value"] == 1.53
    assert (price["kind"], price["price_date"], price["sources"]) == ("network", "2026-03-22", ["opencomputeprices"])
    assert price["proxy_note"] is None and "observed 2026-03-22" in price["source"]
    assert any(w["input"] == "GPU price" and w["age_days"] == 253 for w in report["stale_inputs"])
    cases = claim_cases(snapshot_store, "akash", today=TODAY)
    h100 = cases.set_index("gpu").loc["H100-SXM-80GB"]
    assert h100["price_per_gpu_hour_usd"] == 1.53 and h100["price_kind"] == "network"
    assert "at Akash Network's own price of $1.53/GPU-hour (observed 2026-03-22)" in explain_claim(cases)[0]


def test_a_newer_network_observation_replaces_the_older_one(snapshot_store):
    add_akash_console_h100(snapshot_store, price=1.40, day="2026-04-01")
    price = earnings_report(snapshot_store, "H100-SXM-80GB", "akash", today=TODAY)["price_default"]
    assert (price["price_usd"], price["price_date"], price["datasets"]) == (1.40, "2026-04-01", ["live:akash"])


def test_a_minimum_live_offer_is_used_only_when_nothing_else_exists():
    floor = {**offer("akash", "depin_network", 0.10, day="2026-05-24"), "flags": ["min_live_offer"]}
    typical = {**offer("akash", "depin_network", 0.35, day="2026-03-22"), "flags": []}
    both = network_price(pd.DataFrame([floor, typical]), "akash", "Akash Network", RTX4090)
    assert (both.price_usd, both.price_date) == (0.35, "2026-03-22")
    alone = network_price(pd.DataFrame([floor]), "akash", "Akash Network", RTX4090)
    assert alone.price_usd == 0.10 and "a floor, not a typical price" in alone.source


def test_cli_uses_the_networks_own_price_else_names_the_proxy(snapshot_store):
    def depin(*args):
        result = subprocess.run(
            [sys.executable, "-m", "analytics.cli", "earnings", *args, "--json"],
            env=store_env(snapshot_store),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    offers = queries.latest_offers(snapshot_store, pricing_kinds=queries.FIRM_PRICING_KINDS)
    akash_models = set(offers.loc[offers["provider"] == "akash", "gpu_model"].dropna())
    # the bundled 2026 data prices the RTX 4090 on Akash itself, so that case uses Akash's own price
    assert "RTX4090-24GB" in akash_models
    rtx = depin("--gpu", "RTX4090-24GB", "--network", "akash", "--hardware-cost", "0")
    assert rtx["price_default"]["kind"] == "network" and rtx["price_default"]["price_date"]
    assert rtx["outputs"]["payback_months"] == 0
    # an L40S has no Akash price: a proxy, named, from the segment asked for
    assert "L40S-48GB" not in akash_models
    l40s = depin("--gpu", "L40S-48GB", "--network", "akash")
    note = l40s["price_default"]["proxy_note"]
    assert l40s["price_default"]["kind"] == "proxy"
    assert note == "no Akash Network price for L40S-48GB: community-marketplace median used instead"
    assert l40s["inputs"]["price_per_gpu_hour_usd"]["source"].startswith("proxy: Community marketplace two-stage")
    neocloud = depin("--gpu", "L40S-48GB", "--network", "akash", "--proxy-segment", "neocloud")
    assert neocloud["price_default"]["segment"] == "neocloud"
    assert neocloud["price_default"]["proxy_note"].endswith("neocloud median used instead")
    assert neocloud["price_default"]["providers"] >= 3


def node_page(store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import REPO

    use_store(monkeypatch, store)
    at = AppTest.from_file(str(REPO / "app" / "streamlit_app.py"), default_timeout=90).run()
    at.switch_page("views/node_earnings.py").run()
    assert not at.exception
    return at


def set_number(at, label, value):
    next(n for n in at.number_input if n.label == label).set_value(value).run()
    assert not at.exception


@pytest.mark.parametrize(
    ("label", "bad"),
    [
        ("Rental price (USD per GPU-hour)", 0.0),
        ("Rental price (USD per GPU-hour)", -1.0),
        ("Hours offered per day", 0.0),
        ("Network take rate (0-1)", 1.5),
        ("GPUs", 0),
    ],
)
def test_page_hides_results_until_an_out_of_range_input_is_fixed(snapshot_store, monkeypatch, label, bad):
    at = node_page(snapshot_store, monkeypatch)
    good = next(n for n in at.number_input if n.label == label).value
    set_number(at, label, bad)
    assert any("must be" in e.value for e in at.error)
    assert not [m for m in at.metric if m.label == "Net per day"]
    assert any("Results hidden" in w.value for w in at.warning)
    set_number(at, label, good)
    assert not at.error
    assert [m for m in at.metric if m.label == "Net per day"]


def test_page_shows_payback_immediate_and_the_price_source(snapshot_store, monkeypatch):
    at = node_page(snapshot_store, monkeypatch)
    assert any("proxy" in w.value for w in at.warning) or any("own" in i.value for i in at.info)
    set_number(at, "Hardware cost (USD per GPU)", 0.0)
    assert {m.label: m.value for m in at.metric}["Payback"] == "immediate"
