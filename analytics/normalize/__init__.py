"""Normalisation of provider-specific names: GPU models and provider categories."""

from analytics.normalize.gpus import GpuModel, normalize_gpu
from analytics.normalize.providers import ProviderInfo, market_model_of, provider_info

__all__ = ["GpuModel", "ProviderInfo", "market_model_of", "normalize_gpu", "provider_info"]
