"""Which store the settings ask for: the DuckDB file (default) or a DuckLake. Everything outside
analytics/store gets its store from here and never asks which backend it is."""

from __future__ import annotations

from analytics.settings import Settings, get_settings
from analytics.store.db import Store, StoreError


def open_store(settings: Settings | None = None) -> Store:
    settings = settings or get_settings()
    if settings.store == "ducklake":
        from analytics.store.lake import LakeStore

        missing = [
            name
            for name, value in (
                ("DEPIN_LAKE_CATALOG", settings.lake_catalog),
                ("DEPIN_LAKE_DATA_PATH", settings.lake_data_path),
            )
            if not value
        ]
        if missing:
            raise StoreError(f"DEPIN_STORE=ducklake needs {' and '.join(missing)}")
        from analytics.store.s3 import S3Options, is_object_store

        s3 = S3Options.from_settings(settings) if is_object_store(settings.lake_data_path) else None
        return LakeStore(settings.lake_catalog, settings.lake_data_path, s3=s3)
    return Store(settings.db)


def store_for(locator: str) -> Store:
    """The store behind a `Store.locator` (the dashboard's cache keys carry locators, not stores)."""
    if locator.startswith("ducklake:"):
        from analytics.store.lake import LakeStore

        catalog, _, data_path = locator[len("ducklake:") :].rpartition("|")
        return LakeStore(catalog, data_path)  # an s3:// data path takes its credentials from the settings
    return Store(locator)
