"""One way for a test to hand ANY store (DuckDB file or DuckLake) to the product: the DEPIN_* environment.

The product picks its backend from settings (analytics/store/factory.py); a test never passes `--db` or reads
`store.path`, so the same test runs on both backends. `Store.environment()` names the store in env vars.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from analytics.store import Store


def store_env(store: Store, **extra: str) -> dict[str, str]:
    """os.environ plus the variables that open `store` (for subprocess.run/Popen)."""
    return {**os.environ, **store.environment(), **extra}


def use_store(monkeypatch, store: Store) -> None:
    """This process (AppTest page runs, get_settings()) opens `store` until the test ends."""
    for name in ("DEPIN_DB", "DEPIN_STORE", "DEPIN_LAKE_CATALOG", "DEPIN_LAKE_DATA_PATH"):
        monkeypatch.delenv(name, raising=False)
    for name, value in store.environment().items():
        monkeypatch.setenv(name, value)


def store_settings(store: Store) -> dict[str, Any]:
    """Settings(...) keyword arguments that name `store`."""
    if store.backend == "ducklake":
        return {"store": "ducklake", "lake_catalog": store.catalog, "lake_data_path": store.data_path}
    return {"db": store.path}


def invoke(store: Store, *args: str, env: dict[str, str] | None = None, **kwargs):
    """`depin ARGS` in-process (click's CliRunner) on `store`."""
    from click.testing import CliRunner

    from analytics.cli import main

    return CliRunner().invoke(main, list(args), env={**store.environment(), **(env or {})}, **kwargs)


def run_cli(store: Store, *args: str, env: dict[str, str] | None = None, timeout: float = 300, **kwargs):
    """`python -m analytics.cli ARGS` as a child process on `store`."""
    return subprocess.run(
        [sys.executable, "-m", "analytics.cli", *args],
        env=store_env(store, **(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )
