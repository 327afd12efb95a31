import pandas as pd
import pytest

from analytics.normalize import normalize_gpu, provider_info
from analytics.paths import bundled_data_dir
from analytics.snapshot import attribute_provider


@pytest.mark.parametrize(
    ("name", "vram", "hint", "key", "status"),
    [
        ("H100", None, "gpu_1x_h100_pcie", "H100-PCIE-80GB", "exact"),
        ("H100", 79.65, "1x-H100_SXM-32-65536", "H100-SXM-80GB", "exact"),
        ("H100", 93.58, "2x-H100_NVL-32-65536", "H100-NVL-94GB", "exact"),  # 94 GB only ships as NVL
        ("H100", 94, "epyc-genoa-h100-nvl-pcie_1x12v24gb", "H100-NVL-94GB", "exact"),
        ("H100", None, "1x_H100_SECURE", "H100-80GB", "partial"),  # form never guessed, 80 GB filled in
        ("H100-NVL", None, None, "H100-NVL-94GB", "exact"),
        ("NVIDIA H100 80GB HBM3", 80, None, "H100-SXM-80GB", "exact"),  # HBM3 only ships on the SXM5 module
        ("NVIDIA H100 PCIe", 80, None, "H100-PCIE-80GB", "exact"),
        ("NVIDIA H200", 141, None, "H200-141GB", "partial"),  # HBM3e on both SXM and NVL: not guessed
        ("HGX H100", None, None, "H100-SXM-80GB", "exact"),
        ("A100", None, "paperspace_A100", "A100", "partial"),  # 40 or 80 GB: not guessed
        ("A100", 40, "gpu_1x_a100", "A100-40GB", "partial"),
        ("A100-80GB-SXM", None, None, "A100-SXM-80GB", "exact"),
        ("A100-SXM4-80GB", 80, None, "A100-SXM-80GB", "exact"),
        ("A100-80G", None, "crusoe_A100-80G", "A100-80GB", "partial"),
        ("A100", 80, "epyc-genoa-a100-pcie_1x12v24gb", "A100-PCIE-80GB", "exact"),
        ("GeForce RTX 4090", None, None, "RTX4090-24GB", "exact"),
        ("RTXA6000", 47.99, None, "RTXA6000-48GB", "exact"),
        ("A6000", 48, None, "RTXA6000-48GB", "exact"),
        ("RTX6000-Ada", None, None, "RTX6000ADA-48GB", "exact"),
        ("RTX6000Ada", 48, None, "RTX6000ADA-48GB", "exact"),
        ("RTX6000", 24, None, "RTX6000-24GB", "exact"),  # Quadro RTX 6000, not the A6000
        ("L40S", 44.99, None, "L40S-48GB", "exact"),
        ("MI300X", None, None, "MI300X-192GB", "exact"),
        ("V100-32G", None, None, "V100-32GB", "exact"),
        ("V100", None, "paperspace_V100", "V100", "partial"),
        ("H200", 140.4, None, "H200-141GB", "partial"),
    ],
)
def test_canonical_keys(name, vram, hint, key, status):
    model = normalize_gpu(name, vram, hint)
    assert (model.key, model.status) == (key, status)


def test_odd_reported_memory_is_flagged_not_believed():
    model = normalize_gpu("RTX4090", 47.99)
    assert model.key == "RTX4090-24GB"
    assert "unexpected_reported_vram" in model.flags


def test_unknown_name_is_kept_and_flagged():
    model = normalize_gpu("Quantum Tensor 9000")
    assert model.key is None and model.status == "unknown"
    assert model.raw_name == "Quantum Tensor 9000"
    assert "unknown_gpu_name" in model.flags


def test_every_gpu_name_in_the_bundled_snapshot_maps():
    offers = pd.read_csv(bundled_data_dir() / "snapshot" / "gpu_offers_skypilot.csv")
    unmapped = []
    for row in offers.itertuples():
        vram = None if pd.isna(row.gpu_memory_gib) else row.gpu_memory_gib
        model = normalize_gpu(row.gpu_model, vram, row.instance_type)
        if model.status == "unknown":
            unmapped.append(row.gpu_model)
        else:
            assert model.key.startswith(model.family), row
    assert unmapped == []


def test_every_published_gpu_name_maps():
    published = pd.read_csv(bundled_data_dir() / "published_prices.csv")
    assert all(normalize_gpu(n).status != "unknown" for n in published["gpu_model"])


@pytest.mark.parametrize(
    ("name", "category", "model"),
    [
        ("aws", "hyperscaler", "centralized"),
        ("lambdalabs", "neocloud", "centralized"),
        ("CoreWeave", "neocloud", "centralized"),
        ("vast", "community_marketplace", "decentralized"),
        ("RunPod", "datacenter_marketplace", "centralized"),
        ("Salad", "community_marketplace", "decentralized"),
        ("Theta EdgeCloud", "depin_network", "decentralized"),
        ("oracle_cloud", "hyperscaler", "centralized"),
        ("akash", "depin_network", "decentralized"),
        ("io.net", "depin_network", "decentralized"),
        ("somecloud", "unknown", "unknown"),
    ],
)
def test_provider_categories(name, category, model):
    info = provider_info(name)
    assert (info.category, info.market_model) == (category, model)


@pytest.mark.parametrize(
    ("instance_type", "segment"),
    [
        ("1x_H100_SECURE", "datacenter_marketplace"),
        ("1x_RTX4090_COMMUNITY", "community_marketplace"),
        ("H100 SXM", "datacenter_marketplace"),  # no tier in the listing: the provider's segment
    ],
)
def test_runpod_offers_take_their_segment_from_the_listing(instance_type, segment):
    assert provider_info("runpod").segment_of_listing(instance_type) == segment


@pytest.mark.parametrize(
    ("listed_by", "instance_type", "provider", "via"),
    [
        ("primeintellect", "akash__1xH100_80GB__20__16", "akash", "primeintellect"),
        ("primeintellect", "lambdalabs__1xA100_40GB__30__200", "lambda", "primeintellect"),
        ("shadeform", "datacrunch_H100-sxm5", "datacrunch", "shadeform"),
        ("shadeform", "cudo_A100-80Gx2", "cudo", "shadeform"),
        ("runpod", "1x_H100_SECURE", "runpod", None),
    ],
)
def test_aggregator_rows_belong_to_the_upstream_provider(listed_by, instance_type, provider, via):
    assert attribute_provider(listed_by, instance_type)[:2] == (provider, via)
