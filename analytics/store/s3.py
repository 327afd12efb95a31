"""Object storage for a DuckLake data path (`s3://bucket/prefix`): AWS S3 or any S3-compatible server (MinIO,
Ceph, R2...), reached through DuckDB's httpfs extension with one in-memory SECRET scoped to the bucket.

Settings DEPIN_LAKE_S3_* win; each one left unset falls back to the standard AWS variable (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION / AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3 /
AWS_ENDPOINT_URL). The secret key and session token never leave this module except inside the CREATE SECRET
statement and the environment handed to a child process (the dashboard server): describe() says only
whether they are set, and an error from CREATE SECRET is reported without its SQL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import duckdb

if TYPE_CHECKING:
    from analytics.settings import Settings

SECRET_NAME = "depin_lake_s3"


def is_object_store(data_path: str) -> bool:
    return data_path.lower().startswith("s3://")


def bucket_of(data_path: str) -> str:
    """`s3://bucket/prefix` -> `s3://bucket` (the scope of the secret)."""
    return "s3://" + data_path[len("s3://") :].split("/", 1)[0]


@dataclass(frozen=True)
class S3Options:
    endpoint: str | None = None  # host[:port] as DuckDB wants it; None = AWS S3
    region: str | None = None
    key_id: str | None = None
    secret: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    url_style: str | None = None  # "path" or "vhost"
    use_ssl: bool | None = None
    credentials_from: str = "none"  # where key_id/secret came from, for describe()

    @classmethod
    def from_settings(cls, settings: Settings, environ: dict[str, str] | None = None) -> S3Options:
        env = os.environ if environ is None else environ

        def secret(value) -> str | None:
            return value.get_secret_value() if value is not None else None

        endpoint_url = settings.lake_s3_endpoint or env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
        endpoint, scheme_ssl = _split_endpoint(endpoint_url)
        key_id, secret_key = settings.lake_s3_key_id, secret(settings.lake_s3_secret)
        token = secret(settings.lake_s3_session_token)
        source = "DEPIN_LAKE_S3_KEY_ID / DEPIN_LAKE_S3_SECRET"
        if not key_id and not secret_key:
            key_id, secret_key = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
            token = token or env.get("AWS_SESSION_TOKEN")
            source = "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY"
        use_ssl = settings.lake_s3_use_ssl if settings.lake_s3_use_ssl is not None else scheme_ssl
        url_style = settings.lake_s3_url_style or ("path" if endpoint else None)  # MinIO & co: path style
        return cls(
            endpoint=endpoint,
            region=settings.lake_s3_region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"),
            key_id=key_id or None,
            secret=secret_key or None,
            session_token=token or None,
            url_style=url_style,
            use_ssl=use_ssl,
            credentials_from=source if key_id else "none (anonymous requests)",
        )

    def describe(self) -> dict[str, str]:
        """What `depin status --json` shows: where the bucket is and whether credentials are set, never them."""
        return {
            "endpoint": self.endpoint or "AWS S3",
            "region": self.region or "us-east-1 (default)",
            "url_style": self.url_style or "vhost (default)",
            "use_ssl": "false" if self.use_ssl is False else "true",
            "credentials": self.credentials_from,
        }

    def environment(self) -> dict[str, str]:
        """DEPIN_LAKE_S3_* for a child process that must reach the same bucket (the dashboard server)."""
        values = {
            "DEPIN_LAKE_S3_ENDPOINT": self.endpoint,
            "DEPIN_LAKE_S3_REGION": self.region,
            "DEPIN_LAKE_S3_KEY_ID": self.key_id,
            "DEPIN_LAKE_S3_SECRET": self.secret,
            "DEPIN_LAKE_S3_SESSION_TOKEN": self.session_token,
            "DEPIN_LAKE_S3_URL_STYLE": self.url_style,
            "DEPIN_LAKE_S3_USE_SSL": None if self.use_ssl is None else str(self.use_ssl).lower(),
        }
        return {name: value for name, value in values.items() if value is not None}

    def create_secret(self, conn: duckdb.DuckDBPyConnection, data_path: str) -> None:
        """LOAD httpfs and create the (temporary, in-memory) secret for the data path's bucket."""
        conn.execute("LOAD httpfs")
        options = {
            "KEY_ID": self.key_id,
            "SECRET": self.secret,
            "SESSION_TOKEN": self.session_token,
            "REGION": self.region or "us-east-1",
            "ENDPOINT": self.endpoint,
            "URL_STYLE": self.url_style,
            "SCOPE": bucket_of(data_path),
        }
        parts = ["TYPE s3"] + [f"{name} {_literal(value)}" for name, value in options.items() if value]
        if self.use_ssl is not None:
            parts.append(f"USE_SSL {str(self.use_ssl).lower()}")
        try:
            conn.execute(f"CREATE OR REPLACE SECRET {SECRET_NAME} ({', '.join(parts)})")
        except duckdb.Error as exc:  # the statement holds the secret: report the kind of failure only
            raise ValueError(f"cannot create the S3 secret for {bucket_of(data_path)} ({type(exc).__name__})") from None


def _split_endpoint(url: str | None) -> tuple[str | None, bool | None]:
    """`http://minio:9000` -> ("minio:9000", False); a bare `host:port` keeps use_ssl unset."""
    if not url:
        return None, None
    if "://" not in url:
        return url.rstrip("/"), None
    parts = urlsplit(url)
    return parts.netloc, parts.scheme.lower() == "https"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
