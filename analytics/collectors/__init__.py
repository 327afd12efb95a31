"""GPU-offer collectors. Adding a provider = one module here, one fixture folder, one test file, and one
line in COLLECTORS (a meta-test fails when a collector module is not registered or has no fixture)."""

from analytics.collectors.akash import AkashCollector
from analytics.collectors.base import Collector, OfferRow, ParseResult, PayloadError, SkipSource, SourceError
from analytics.collectors.ionet import IonetCollector
from analytics.collectors.lambda_cloud import LambdaCollector
from analytics.collectors.published import PublishedCollector
from analytics.collectors.runpod import RunpodCollector
from analytics.collectors.skypilot import SkypilotCollector
from analytics.collectors.vastai import VastaiCollector

COLLECTORS: dict[str, type[Collector]] = {
    c.name: c
    for c in (
        AkashCollector,
        IonetCollector,
        VastaiCollector,
        RunpodCollector,
        LambdaCollector,
        SkypilotCollector,
        PublishedCollector,
    )
}

__all__ = [
    "COLLECTORS",
    "Collector",
    "OfferRow",
    "ParseResult",
    "PayloadError",
    "SkipSource",
    "SourceError",
]
