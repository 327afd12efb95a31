"""The one shape every GPU-offer collector has: fetch raw -> parse to validated rows -> the store writes.

`fetch` does the network I/O and returns the raw payload; `parse` is pure and turns it into OfferRow
objects plus rejected records with a reason (they go to quarantine). A payload whose overall shape is wrong
raises PayloadError: the whole source fails with that reason and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Literal

import requests
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from analytics.sanitize import finite_or_none, sanitize
from analytics.settings import Settings

# What a record of the wrong shape raises inside a parser (a string where a number belongs, a list where an
# object belongs, int("1.0"), ...): caught per record and quarantined, never failing the whole source.
RECORD_SHAPE_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError, ArithmeticError)
TEXT_SANITISED = "text_sanitised"

PricingKind = Literal["on_demand", "spot", "bid_derived", "published_list"]


class SourceError(RuntimeError):
    """The source failed as a whole (network, HTTP status, malformed payload); the message says why."""


class PayloadError(SourceError):
    pass


class SkipSource(Exception):
    """The source is deliberately not run (e.g. no API key); not an error."""


class OfferRow(BaseModel):
    """One price of one offer as the provider gives it, validated."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

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
    flags: list[str] = Field(default_factory=list, description="quirks of the source row, kept with the offer")
    attributes: dict[str, Any] = Field(default_factory=dict)

    @field_validator("gpu_count", "gpu_memory_gb", "vcpus", "memory_gib", "price_usd_per_hour", mode="before")
    @classmethod
    def _no_bool_number(cls, value: Any) -> Any:
        if isinstance(value, bool):  # pydantic would read True as 1
            raise ValueError("a boolean is not a number")
        return value


@dataclass
class ParseResult:
    rows: list[OfferRow] = field(default_factory=list)
    rejected: list[tuple[Any, str]] = field(default_factory=list)  # (raw record, reason)
    notes: list[str] = field(default_factory=list)  # things skipped on purpose, said in the status

    def add(self, raw: Any, candidate: dict[str, Any]) -> None:
        """Validate one candidate row; invalid ones go to quarantine with the reason. Text that could not be
        stored (lone surrogates, NUL) is replaced and the row says so in its attributes."""
        candidate, changed = sanitize(candidate)
        attributes = candidate.get("attributes")
        if isinstance(attributes, dict):  # free-form extras are stored as JSON, which has no NaN or Infinity
            candidate["attributes"] = finite_or_none(attributes)
        if changed:
            extras = candidate.get("attributes")
            candidate["attributes"] = {**(extras if isinstance(extras, dict) else {}), TEXT_SANITISED: True}
        try:
            self.rows.append(OfferRow.model_validate(candidate))
        except ValidationError as exc:
            self.rejected.append((raw, _summarise(exc)))

    @contextmanager
    def record(self, raw: Any) -> Iterator[None]:
        """Parse one record inside this block: a record of the wrong shape is quarantined with what broke."""
        try:
            yield
        except RECORD_SHAPE_ERRORS as exc:
            self.rejected.append((raw, f"malformed record: {type(exc).__name__}: {str(exc)[:200]}"))


def _summarise(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False))


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
