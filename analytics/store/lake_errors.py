"""What a failing DuckLake says to a person: one line naming what failed (the catalog, password redacted, or the
data path), why in a few words, and what to do.

DuckDB reports a PostgreSQL catalog that is down or unreachable, and an object store or folder it cannot
read, as long multi-line errors (the libpq text, the catalog query, a caret). `lake_failure` recognises
those and returns a StoreError; any other error (a bug in a query, bad data) is left alone so it is not
disguised as an outage. The same message reaches the CLI (`error: ...`, exit 1), `depin doctor` and the
dashboard (which shows a StoreError's text).
"""

from __future__ import annotations

import re

from analytics.store.db import StoreError

# Patterns (regular expressions, matched on the lower-cased error) -> the reason shown.
# libpq's and the postgres extension's words for "no usable connection to the catalog".
_CATALOG_MARKERS: tuple[tuple[str, str], ...] = (
    ("connection refused", "connection refused"),
    ("server closed the connection", "the server closed the connection"),
    ("terminating connection", "the server shut the connection down"),
    ("no connection to the server", "no connection to the server"),
    ("could not translate host name", "unknown host"),
    ("name or service not known", "unknown host"),
    ("timeout expired", "connection timed out"),
    ("connection timed out", "connection timed out"),
    ("no route to host", "no route to host"),
    ("password authentication failed", "password authentication failed"),
    (r'database "[^"]*" does not exist', "the catalog database does not exist"),
    ("the database system is shutting down", "PostgreSQL is shutting down"),
    ("the database system is starting up", "PostgreSQL is starting up"),
    ("failed to connect to postgres", "cannot connect"),
    ("to connect to postgres", "cannot connect"),
)
# httpfs (object storage) and the local filesystem, reading or writing the Parquet files.
_DATA_MARKERS: tuple[tuple[str, str], ...] = (
    ("could not establish connection", "the object store does not answer"),
    ("connection error for http", "the object store does not answer"),
    ("nosuchbucket", "the bucket does not exist"),
    ("bucket does not exist", "the bucket does not exist"),
    ("http 404", "a file is missing, HTTP 404"),
    (r"404 \(not found\)", "a file is missing, HTTP 404"),
    ("http 403", "access denied, HTTP 403: check the credentials"),
    (r"403 \(forbidden\)", "access denied, HTTP 403: check the credentials"),
    ("accessdenied", "access denied: check the credentials"),
    ("signaturedoesnotmatch", "the secret key is wrong"),
    ("invalidaccesskeyid", "the access key id is unknown"),
    ("http 5", "the object store failed, HTTP 5xx"),
    ("no such file or directory", "a file or folder is missing"),
    ("permission denied", "permission denied"),
    ("read-only file system", "the file system is read-only"),
    ("no space left", "the disk is full"),
    ("cannot open file", "a file cannot be opened"),
    ("no files found", "a file is missing"),
)


def _reason(text: str, markers: tuple[tuple[str, str], ...]) -> str | None:
    lowered = text.lower()
    return next((reason for pattern, reason in markers if re.search(pattern, lowered)), None)


def _is_catalog_error(text: str) -> bool:
    lowered = text.lower()
    return "postgres" in lowered or "ducklake" in lowered or "snapshot" in lowered or "libpq" in lowered


def _is_data_error(text: str, data_path: str) -> bool:
    """The error names a data file or URL (its files are called ducklake-<uuid>.parquet: not the catalog)."""
    lowered = text.lower()
    return data_path.lower() in lowered or "http" in lowered or "s3://" in lowered or ".parquet" in lowered


def lake_failure(exc: BaseException, action: str, catalog: str, data_path: str) -> StoreError | None:
    """A StoreError for an unreachable catalog or unreadable data path, else None (not an outage)."""
    from analytics.store.lake_connect import redact  # lake_connect imports this module

    text = str(exc)
    reason = None if _is_data_error(text, data_path) else _reason(text, _CATALOG_MARKERS)
    if reason is not None and (_is_catalog_error(text) or isinstance(exc, OSError)):
        todo = "create it (createdb)" if reason == "the catalog database does not exist" else "start PostgreSQL there"
        return StoreError(
            f"cannot {action} the DuckLake: its catalog {redact(catalog)} is unreachable ({reason}); "
            f"{todo} or check DEPIN_LAKE_CATALOG"
        )
    reason = _reason(text, _DATA_MARKERS)
    if reason is not None:
        if data_path.lower().startswith("s3://"):
            advice = "check that the object store runs, DEPIN_LAKE_DATA_PATH and the DEPIN_LAKE_S3_* settings"
        else:
            advice = "check DEPIN_LAKE_DATA_PATH and that this user can read and write the folder"
        state = "failed" if action.startswith("write") else "is unreadable"  # a write reads first
        named = _first_path(text)
        detail = f"{reason}: {named}" if named else reason
        return StoreError(f"cannot {action} the DuckLake: its data path {data_path} {state} ({detail}); {advice}")
    return None


def _first_path(text: str) -> str | None:
    """The object or file a data-path error names, for the message (first one only)."""
    found = re.search(r"((?:s3|https?)://[^\s\"']+|/[^\s\"':]+\.parquet)", text)
    return found[1] if found else None
