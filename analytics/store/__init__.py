"""DuckDB store: schema migrations, short-lived connections, idempotent bulk writes."""

from analytics.store.db import (
    DatabaseMissingError,
    SchemaTooNewError,
    Store,
    StoreError,
    StoreLockedError,
)

__all__ = ["DatabaseMissingError", "SchemaTooNewError", "Store", "StoreError", "StoreLockedError"]
