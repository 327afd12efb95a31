"""Each collector's pure parser on realistic payloads: units, quirks and rejections."""

import json
from datetime import datetime
from pathlib import Path

import pytest

from analytics.collectors import COLLECTORS, PayloadError
from analytics.refresh import offer_frame
from analytics.settings import Settings
from tests.fakeserver import FIXTURES

NOW = datetime(2026, 11, 24, 12, 0)


def load(path: str):
    return json.loads((FIXTURES / path).read_text())


def parse(name: str, raw):
    collector = COLLECTORS[name](Settings(_env_file=None))
    return collector.parse(raw, NOW)


def frame_of(name: str, raw):
    frame, quarantined = offer_frame(parse(name, raw), name, NOW)
    return frame, quarantined


def by(frame, **match):
    rows = frame
    for key, value in match.items():
        rows = rows[rows[key] == value]
    assert len(rows) == 1, (match, len(rows))
    return rows.iloc[0]


def test_every_collector_has_fixtures_and_a_test():
    tested = Path(__file__).read_text()
    for name in COLLECTORS:
        assert (FIXTURES / name).is_dir(), f"no fixture folder for {name}"
        assert f'"{name}"' in tested, f"collector {name} has no test here"


def test_akash_median_per_gpu_with_stats_and_availability():
    result = parse("akash", load("akash/v1/gpu-prices.json"))
    assert "1 GPU model(s) without bids" in result.notes[0]
    frame, quarantined = frame_of("akash", load("akash/v1/gpu-prices.json"))
    h100 = by(frame, gpu_family="H100")
    assert (h100.gpu_model, h100.pricing_kind, h100.price_per_gpu_hour_usd) == ("H100-SXM-80GB", "bid_derived", 1.86)
    attributes = json.loads(h100.attributes)
    assert attributes["price_stats_usd"]["min"] == 1.25 and attributes["gpus_available"] == 41
    assert by(frame, gpu_family="A100").gpu_model == "A100-PCIE-80GB"
    assert [reason for _, reason in quarantined] == ["price_usd_per_hour: Input should be greater than 0"]


def test_ionet_whole_config_price_divided_by_cards():
    frame, quarantined = frame_of("ionet", load("ionet/v1/io-cloud/vmaas/hardware.json"))
    h100 = by(frame, gpu_family="H100")
    assert h100.gpu_count == 8
    assert h100.price_per_gpu_hour_usd == pytest.approx(27.875342465753423 / 8)
    assert h100.gpu_model == "H100-SXM-80GB" and h100.region == "FI"
    assert by(frame, gpu_family="B300").available is False or not by(frame, gpu_family="B300").available
    assert by(frame, gpu_family="RTX4090").price_per_gpu_hour_usd == pytest.approx(0.3)
    assert by(frame, gpu_family="A100").gpu_model == "A100-SXM-80GB"
    assert len(quarantined) == 1 and "greater than 0" in quarantined[0][1]  # the L40S price 0 placeholder
    assert "L40S" not in set(frame["gpu_family"])  # and the CPU-only row is skipped, not an offer


def test_vastai_units_and_spot():
    frame, quarantined = frame_of("vastai", load("vastai/api/v0/bundles/index.json"))
    h100 = by(frame, gpu_family="H100", pricing_kind="on_demand")
    assert h100.price_per_gpu_hour_usd == pytest.approx(17.85 / 8)
    assert h100.gpu_model == "H100-SXM-80GB" and h100.gpu_memory_gb == 80
    spot = by(frame, gpu_family="H100", pricing_kind="spot")
    assert spot.price_per_gpu_hour_usd == pytest.approx(9.6 / 8)
    assert json.loads(h100.attributes)["reliability"] == 0.9971
    rtx3090 = by(frame, gpu_family="RTX3090", pricing_kind="on_demand")
    assert rtx3090.memory_gib == pytest.approx(128556 / 1024)  # cpu_ram is MB
    rtx4090 = by(frame, gpu_family="RTX4090", pricing_kind="on_demand")
    assert rtx4090.price_per_gpu_hour_usd == pytest.approx(0.37)  # "0.74" as a string, two GPUs
    assert len(quarantined) == 2 and all("gpu_count" in reason for _, reason in quarantined)


def test_runpod_per_gpu_prices_and_quirks():
    frame, quarantined = frame_of("runpod", load("runpod/graphql/index.json"))
    secure = by(frame, gpu_family="H100", pricing_kind="on_demand", instance_type="1x H100 SXM SECURE")
    assert secure.price_per_gpu_hour_usd == 2.99 and secure.gpu_model == "H100-SXM-80GB"
    assert by(frame, gpu_family="RTX4090", instance_type="1x RTX 4090 COMMUNITY").price_per_gpu_hour_usd == 0.34
    assert not by(frame, gpu_family="RTX4090", instance_type="1x RTX 4090 COMMUNITY").available  # out of stock
    l40s_spot = by(frame, gpu_family="L40S", pricing_kind="spot")
    assert "spot_above_on_demand" in l40s_spot["flags"]
    assert len(quarantined) == 1  # the RTX PRO 6000 placeholder price 0


def test_lambda_cents_regions_and_sold_out():
    frame, quarantined = frame_of("lambda", load("lambda/api/v1/instance-types.json"))
    h100 = frame[frame["gpu_family"] == "H100"]
    assert sorted(h100["region"]) == ["us-east-1", "us-south-2"]
    assert set(h100["price_per_gpu_hour_usd"]) == {4.29}
    assert set(h100["gpu_model"]) == {"H100-SXM-80GB"}
    a100 = by(frame, gpu_family="A100")
    assert (a100.gpu_model, a100.gpu_count, a100.price_per_gpu_hour_usd) == ("A100-SXM-80GB", 8, 2.79)
    assert a100.region is None or a100.region != a100.region  # no region has capacity
    assert not a100.available
    assert quarantined == []


def test_skypilot_hyperscalers():
    raw = {c: (FIXTURES / f"skypilot/v7/{c}/vms.csv").read_text() for c in ("aws", "gcp", "azure", "oci")}
    result = parse("skypilot", raw)
    assert any("fractional-GPU" in note for note in result.notes)
    frame, _ = frame_of("skypilot", raw)
    p5_spot = by(frame, instance_type="p5.48xlarge", pricing_kind="spot")
    assert p5_spot.price_usd_per_hour == 19.8  # cheapest zone
    # AWS documents p4d as 8 x A100 SXM4 (data/gpu_instance_forms.csv): the form is filled in from that
    assert by(frame, instance_type="p4d.24xlarge", pricing_kind="on_demand").gpu_model == "A100-SXM-40GB"
    assert set(frame["provider_category"]) == {"hyperscaler"}
    assert set(frame["provider"]) == {"aws", "gcp", "azure", "oci"}


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("akash", {"data": []}),
        ("ionet", {"hardware": []}),
        ("vastai", []),
        ("runpod", {"data": {}}),
        ("lambda", {"data": []}),
    ],
)
def test_unexpected_payload_shape_fails_the_source(name, raw):
    with pytest.raises(PayloadError, match=f"{name}: unexpected payload shape"):
        parse(name, raw)


def test_absurd_prices_are_quarantined():
    raw = load("akash/v1/gpu-prices.json")
    raw["models"][0]["price"]["med"] = 500.0
    frame, quarantined = frame_of("akash", raw)
    assert "H100" not in set(frame["gpu_family"])
    assert any("implausible price" in reason for _, reason in quarantined)


def test_published_list_prices_ranges_claims_and_bad_numbers():
    raw = (FIXTURES / "published/published_prices.csv").read_text()
    result = parse("published", raw)
    assert result.notes == ["1 market-overview claim(s) kept as claims, not offers"]
    frame, quarantined = frame_of("published", raw)
    coreweave = by(frame, provider="coreweave")
    assert (coreweave.gpu_model, coreweave.price_per_gpu_hour_usd) == ("H100-SXM-80GB", pytest.approx(49.24 / 8))
    assert coreweave.price_as_of == "2026-07-02" and coreweave.pricing_kind == "published_list"
    dataoorts = frame[frame["provider"] == "dataoorts"].sort_values("price_per_gpu_hour_usd")
    assert list(dataoorts["price_per_gpu_hour_usd"]) == [0.85, 1.10]  # both ends of the range, nothing invented
    assert "runpod" not in set(frame["provider"])  # the claim is not an offer
    assert len(quarantined) == 1 and "not a number" in quarantined[0][1]
