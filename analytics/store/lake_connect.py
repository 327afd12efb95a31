"""Opening a DuckLake: one in-memory DuckDB per process with the extensions loaded, the S3 secret (for an
s3:// data path) created, the lake attached and, for a PostgreSQL catalog, its database attached directly
(for the writers' advisory lock). Failures become one StoreError line (lake_errors.py)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import duckdb

from analytics.store.db import StoreError
from analytics.store.lake_errors import lake_failure
from analytics.store.s3 import S3Options

LAKE = "lake"  # the name the lake is attached as in every connection
LOCK_DB = "__depin_catalog"  # the catalog's PostgreSQL database attached directly, for the advisory lock


def extension_directory() -> str | None:
    """The folder of the duckdb-ext-* wheels (laid out as DuckDB's extension directory), if installed."""
    spec = importlib.util.find_spec("duckdb_ext")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "extensions"
        if candidate.is_dir():
            return str(candidate)
    return None


def redact(catalog: str) -> str:
    """The catalog string without its password (key=value form and URL form)."""
    catalog = re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", catalog, flags=re.IGNORECASE)
    return re.sub(r"(://[^:/@\s]+:)[^@\s]+@", r"\1***@", catalog)


def postgres_dsn(catalog: str) -> str | None:
    return catalog[len("postgres:") :] if catalog.startswith("postgres:") else None


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def open_instance(catalog: str, data_path: str, s3: S3Options | None, display_name: str) -> duckdb.DuckDBPyConnection:
    config: dict[str, str | bool] = {}
    ext_dir = extension_directory()
    if ext_dir:
        config = {"extension_directory": ext_dir, "autoinstall_known_extensions": False}
    instance = duckdb.connect(":memory:", config=config)
    dsn = postgres_dsn(catalog)
    try:
        instance.execute("LOAD ducklake")
        if dsn is not None:
            instance.execute("LOAD postgres")
        if s3 is not None:
            s3.create_secret(instance, data_path)
        elif "://" not in data_path:
            Path(data_path).mkdir(parents=True, exist_ok=True)
        instance.execute(f"ATTACH {quote('ducklake:' + catalog)} AS {LAKE} (DATA_PATH {quote(data_path)})")
        if dsn is not None:
            instance.execute(f"ATTACH {quote(dsn)} AS {LOCK_DB} (TYPE postgres)")
    except (duckdb.Error, OSError, ValueError) as exc:
        instance.close()
        failure = lake_failure(exc, "open", catalog, data_path)
        if failure is not None:
            raise failure from exc
        reason = redact(str(exc)).splitlines()[0]
        if "extension" in reason.lower():
            reason += (
                f" (DuckDB {duckdb.__version__}; the lake needs DuckDB 1.4.4 with its extensions: "
                "pip install 'depin-lens[lake]')"
            )
        raise StoreError(f"cannot open {display_name}: {reason}") from exc
    return instance
