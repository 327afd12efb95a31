"""The one shape every GPU-offer collector has: fetch raw -> parse to validated rows -> the store writes.

`fetch` does the network I/O and returns the raw payload; `parse` is pure and turns it into OfferRow
objects plus rejected records with a reason (they go to quarantine). A payload whose overall shape is wrong
raises PayloadError: the whole source fails with that reason and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Literal

import requests
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from analytics.settings import Settings

PricingKind = Literal["on_demand", "spot", "bid_derived", "published_list"]


class SourceError(RuntimeError):
    """The source failed as a whole (network, HTTP status, malformed payload); the message says why."""


class PayloadError(SourceError):
    pass


class SkipSource(Exception):
    """The source is deliberately not run (e.g. no API key); not an error."""


class OfferRow(BaseModel):
    """One price of one offer as the provider gives it, validated."""

    model_config = ConfigDict(extra="forbid")

    provider: str = Field(min_length=1)
    via: str | None = None
    instance_type: str = Field(min_length=1)
    gpu_name_raw: str = Field(min_length=1)
    gpu_count: int = Field(ge=1, le=64)
    gpu_memory_gb: float | None = Field(default=None, gt=0, lt=1024)
    vcpus: float | None = Field(default=None, ge=0)
    memory_gib: float | None = Field(default=None, ge=0)
    region: str | None = None
    pricing_kind: PricingKind
    price_usd_per_hour: float = Field(gt=0, description="whole offer, all its GPUs")
    available: bool | None = None
    price_as_of: str | None = None
    hint: str | None = Field(default=None, description="extra text naming the form factor, e.g. SXM5")
    listing: str | None = Field(default=None, description="the listing's own tier words, e.g. SECURE or COMMUNITY")
    observed_at: datetime | None = Field(default=None, description="when the source observed it, if not now")
    price_date: date | None = Field(default=None, description="day the price was observed, if the source says")
    attributes: dict[str, Any] = Field(default_factory=dict)


@dataclass
class ParseResult:
    rows: list[OfferRow] = field(default_factory=list)
    rejected: list[tuple[Any, str]] = field(default_factory=list)  # (raw record, reason)
    notes: list[str] = field(default_factory=list)  # things skipped on purpose, said in the status

    def add(self, raw: Any, candidate: dict[str, Any]) -> None:
        try:
            self.rows.append(OfferRow.model_validate(candidate))
        except ValidationError as exc:
            self.rejected.append((raw, _summarise(exc)))


def _summarise(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


def validate_payload(model: type[BaseModel], raw: Any, source: str) -> Any:
    """Check the payload's overall shape; a mismatch fails the whole source with a readable reason."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise PayloadError(f"{source}: unexpected payload shape: {_summarise(exc)}") from exc


class Collector:
    """Base class: subclasses set name/description and implement fetch and parse."""

    name: ClassVar[str]
    description: ClassVar[str]
    needs_api_key: ClassVar[bool] = False
    settings_source: ClassVar[str | None] = None  # key into Settings base URLs / API keys

    def __init__(self, settings: Settings, session: requests.Session | None = None) -> None:
        self.settings = settings
        self.session = session or requests.Session()

    @property
    def base_url(self) -> str:
        return self.settings.base_url(self.settings_source or self.name)

    @property
    def api_key(self) -> str | None:
        return self.settings.api_key(self.settings_source or self.name)

    def check_ready(self) -> None:
        if self.needs_api_key and not self.api_key:
            env = f"DEPIN_{(self.settings_source or self.name).upper()}_API_KEY"
            raise SkipSource(f"skipped: no API key (set {env})")

    def fetch(self) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def parse(self, raw: Any, observed_at: datetime) -> ParseResult:  # pragma: no cover - interface
        raise NotImplementedError
