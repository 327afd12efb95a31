"""Settings from the environment (DEPIN_*), an optional .env file and .streamlit/secrets.toml.

Precedence: explicit arguments > environment > .env > secrets.toml > defaults. API keys are SecretStr: their
value never appears in repr(), logs, CLI output or the database.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from analytics.paths import checkout_root

# Every external source a collector talks to. One base URL each, overridable as DEPIN_<SOURCE>_BASE_URL.
SOURCES: tuple[str, ...] = ("akash", "ionet", "vastai", "runpod", "lambda", "coingecko", "skypilot")


def default_db_path() -> Path:
    root = checkout_root()
    if root is not None:
        return root / "data" / "depin.duckdb"
    return Path(platformdirs.user_data_dir("depin-lens", appauthor=False)) / "depin.duckdb"


def _secrets_files() -> list[Path]:
    candidates = [Path.cwd() / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"]
    root = checkout_root()
    if root is not None:
        candidates.insert(0, root / ".streamlit" / "secrets.toml")
    seen: list[Path] = []
    for path in candidates:
        if path.is_file() and path.resolve() not in seen:
            seen.append(path.resolve())
    return seen


class StreamlitSecretsSource(PydanticBaseSettingsSource):
    """Reads DEPIN_* keys from Streamlit's secrets.toml (top level, or under a [depin] table)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for path in reversed(_secrets_files()):  # earlier files win
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError):
                continue
            flat = {k: v for k, v in data.items() if not isinstance(v, dict)}
            flat.update({f"depin_{k}": v for k, v in data.get("depin", {}).items()})
            for key, value in flat.items():
                key = key.lower()
                if key.startswith("depin_") and key[6:] in self.settings_cls.model_fields:
                    values[key[6:]] = value
        return values


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DEPIN_", env_file=".env", env_file_encoding="utf-8", extra="ignore", allow_inf_nan=False
    )

    db: Path = Field(default_factory=default_db_path, description="DuckDB database file")
    store: Literal["duckdb", "ducklake"] = Field(
        "duckdb", description="Storage backend: duckdb (one file, one machine) or ducklake (catalog + data path)"
    )
    lake_catalog: str | None = Field(
        None, description="DuckLake catalog, e.g. postgres:dbname=depin host=db.internal user=depin"
    )
    lake_data_path: str | None = Field(None, description="DuckLake data path: a directory or s3://bucket/prefix")
    # An s3:// data path (analytics/store/s3.py); each one unset falls back to the standard AWS_* variable.
    lake_s3_endpoint: str | None = Field(
        None, description="S3-compatible endpoint of an s3:// data path, e.g. http://minio.internal:9000 (unset: AWS)"
    )
    lake_s3_region: str | None = Field(None, description="S3 region (unset: AWS_REGION, else us-east-1)")
    lake_s3_key_id: str | None = Field(None, description="S3 access key id (unset: AWS_ACCESS_KEY_ID)")
    lake_s3_secret: SecretStr | None = Field(None, description="S3 secret access key (unset: AWS_SECRET_ACCESS_KEY)")
    lake_s3_session_token: SecretStr | None = Field(
        None, description="S3 session token for temporary credentials (unset: AWS_SESSION_TOKEN)"
    )
    lake_s3_url_style: Literal["path", "vhost"] | None = Field(
        None, description="path or vhost addressing (unset: path with an endpoint, vhost on AWS)"
    )
    lake_s3_use_ssl: bool | None = Field(None, description="HTTPS to the endpoint (unset: from its scheme, else on)")
    http_timeout_s: float = Field(20.0, gt=0, description="Timeout of every outbound HTTP request")
    refresh_interval_hours: float = Field(
        1.0, gt=0, description="Expected refresh cadence; data older than twice this is flagged stale"
    )
    http_max_response_mb: float = Field(
        32.0, gt=0, le=4096, description="Largest HTTP response a collector reads (after decompression), MB"
    )
    max_records_per_source: int = Field(
        50_000, ge=1, description="Sanity bound: a source that sends more records fails instead of storing them"
    )
    read_only: bool = Field(
        False, description="Viewer mode: the dashboard hides every control that writes (set by depin dashboard)"
    )
    shared_reads: bool = Field(
        True,
        description="Dashboard server: keep one read-only DuckDB connection per process, closed for every write",
    )

    cache_ttl_s: float = Field(
        60.0, gt=0, description="How long the dashboard reuses a query result; a refresh shows within this time"
    )

    akash_base_url: str = "https://console-api.akash.network"
    ionet_base_url: str = "https://api.io.solutions"
    vastai_base_url: str = "https://console.vast.ai"
    runpod_base_url: str = "https://api.runpod.io"
    lambda_base_url: str = "https://cloud.lambda.ai"
    coingecko_base_url: str = "https://api.coingecko.com/api/v3"
    skypilot_base_url: str = "https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs"

    akash_api_key: SecretStr | None = None
    ionet_api_key: SecretStr | None = None
    vastai_api_key: SecretStr | None = None
    runpod_api_key: SecretStr | None = None
    lambda_api_key: SecretStr | None = None
    coingecko_api_key: SecretStr | None = None
    skypilot_api_key: SecretStr | None = None

    @field_validator("db", mode="before")
    @classmethod
    def _expand_db(cls, value: Any) -> Any:
        return Path(value).expanduser() if isinstance(value, str | Path) else value

    @field_validator(*(f"{s}_base_url" for s in SOURCES))
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https://, got {value!r}")
        return value.rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, dotenv_settings, StreamlitSecretsSource(settings_cls))

    def base_url(self, source: str) -> str:
        return getattr(self, f"{_known(source)}_base_url")

    def api_key(self, source: str) -> str | None:
        secret: SecretStr | None = getattr(self, f"{_known(source)}_api_key")
        return secret.get_secret_value() if secret is not None else None

    def describe(self) -> list[dict[str, str]]:
        """Every setting with its env variable and current value; secrets only say whether they are set."""
        rows = []
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            secret = "SecretStr" in str(field.annotation)  # API keys, the S3 secret: only whether set
            shown = ("set" if value is not None else "not set") if secret else str(value)
            if name == "lake_catalog" and value is not None:
                from analytics.store.lake import redact

                shown = redact(value)
            rows.append({"env": f"DEPIN_{name.upper()}", "value": shown, "description": field.description or ""})
        return rows


def _known(source: str) -> str:
    if source not in SOURCES:
        raise KeyError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
    return source


def get_settings(**overrides: Any) -> Settings:
    """Settings as the environment says now (not cached: a changed DEPIN_* takes effect on the next call)."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
