"""What a failing database says to a person: one line, what happened, what to do.

DuckDB raises checksum and I/O errors (a corrupted or truncated file, a full disk) while a query runs, not
only when the file is opened. The CLI and the pages turn them into one message via `describe_store_error`.
"""

from __future__ import annotations

import duckdb

# Everything DuckDB raises (a checksum mismatch is a plain duckdb.Error), and the machine's own failures.
STORE_FAILURES: tuple[type[BaseException], ...] = (duckdb.Error, OSError, MemoryError)


def describe_store_error(exc: BaseException, db_path: object | None = None) -> str:
    first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    where = f" {db_path}" if db_path else ""
    text = first_line.lower()
    if "no space left" in text or "disk full" in text:
        advice = "free disk space and try again; nothing partial was committed"
    elif "checksum" in text or "corrupt" in text or "truncated" in text or "not a valid duckdb" in text:
        advice = "the file looks damaged: run `depin doctor` and restore a copy (<db>.bak-v<N>) or run `depin init`"
    elif "permission" in text or "read-only" in text:
        advice = "check the file's permissions (a read-only copy can still be read with DEPIN_READ_ONLY=1)"
    else:
        advice = "run `depin doctor` to check the database"
    return f"database{where} failed: {type(exc).__name__}: {first_line}; {advice}"
