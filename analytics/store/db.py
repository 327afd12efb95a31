"""Short-lived DuckDB connections.

DuckDB lets ONE process open a file read-write, or MANY processes open it read-only, never both. The
dashboard therefore never holds a connection: every read opens a read-only connection, queries and closes.
When a writer holds the file, the open fails with a lock error; we retry for a bounded time, then raise
StoreLockedError with a message a person can act on. Writers do the same in reverse, run their batch in one
transaction and CHECKPOINT, so readers never need to replay a WAL.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from analytics.store import shared_reader
from analytics.store.migrations import MIGRATIONS, Migration
from analytics.store.turnstile import TurnstileTimeout, turnstile

if TYPE_CHECKING:  # DuckDB imports pandas itself when a frame is asked for; `depin dashboard` starts sooner
    import pandas as pd


class StoreError(RuntimeError):
    """A problem with the database a person can act on; the message says what and how."""


class StoreLockedError(StoreError):
    pass


class SchemaTooNewError(StoreError):
    pass


class DatabaseMissingError(StoreError):
    pass


# DuckDB serialises writers across processes with its file lock; inside one process (a refresh whose
# collectors write from worker threads) this lock keeps one write transaction at a time per file.
_PROCESS_WRITE_LOCKS: dict[str, threading.RLock] = {}
_PROCESS_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock(path: Path) -> threading.RLock:
    key = str(path.resolve())
    with _PROCESS_WRITE_LOCKS_GUARD:
        return _PROCESS_WRITE_LOCKS.setdefault(key, threading.RLock())


# "different configuration": inside one process, a read-only connection of another thread is still open while
# this one wants to write (or the reverse); it closes after its query, so it is retried like a file lock.
_LOCK_MARKERS = ("could not set lock", "conflicting lock", "database is locked", "different configuration")


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(marker in text for marker in _LOCK_MARKERS)


class Store:
    """A DuckDB file plus the rules for opening it. Cheap to create; holds no connection.

    The DuckLake backend (analytics/store/lake.py) subclasses it; code outside analytics/store uses only
    reader(), writer(), migrate(), the schema checks, exists(), locator and describe().
    """

    backend = "duckdb"
    # The refresh lock file and the turnstile coordinate processes of one host; False where the backend's
    # catalog arbitrates writers itself (several refreshes may then write at the same time).
    single_host = True

    def __init__(self, path: Path | str, *, lock_timeout_s: float = 10.0, read_only_reads: bool = True) -> None:
        self.path = Path(path)
        self.lock_timeout_s = lock_timeout_s
        # A writer process (a refresh) reads through read-write connections too: inside one process DuckDB
        # refuses to mix read-only and read-write connections to the same file.
        self.read_only_reads = read_only_reads

    def for_writing_process(self) -> Store:
        """The same database, for a process that writes while it reads (see read_only_reads)."""
        return Store(self.path, lock_timeout_s=self.lock_timeout_s, read_only_reads=False)

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @property
    def locator(self) -> str:
        """A string that identifies this store in this process (cache keys; never shown to people)."""
        return str(self.path)

    @property
    def display_name(self) -> str:
        return str(self.path)

    def describe(self) -> dict[str, str]:
        """Backend and location, safe to print (no secrets)."""
        return {"backend": self.backend, "database": str(self.path)}

    def exists(self) -> bool:
        return self.path.exists()

    def environment(self) -> dict[str, str]:
        """DEPIN_* variables that make a child process (the dashboard server) open this same store."""
        return {"DEPIN_STORE": self.backend, "DEPIN_DB": str(self.path)}

    # -- connections -------------------------------------------------------------------------------------

    def _connect(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.lock_timeout_s
        delay = 0.01
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                if not _is_lock_error(exc):
                    from analytics.store.errors import describe_store_error

                    raise StoreError(describe_store_error(exc, self.path)) from exc
                if time.monotonic() >= deadline:
                    raise self._locked("read" if read_only else "write") from exc
                time.sleep(delay * (0.5 + random.random()))  # jitter: many readers must not retry in step
                delay = min(delay * 2, 0.25)

    def _locked(self, mode: str) -> StoreLockedError:
        return StoreLockedError(
            f"database {self.path} is locked by another process (a refresh or another writer) "
            f"and could not be opened to {mode} within {self.lock_timeout_s:.0f} s; try again when it finishes"
        )

    @contextmanager
    def _exclusive(self, mode: str) -> Iterator[None]:
        try:
            with turnstile(self.path, exclusive=True, timeout_s=self.lock_timeout_s):
                yield
        except TurnstileTimeout as exc:
            raise self._locked(mode) from exc

    def _announced(self):
        """Readers sharing a long-lived connection (shared_reader) close it before this writer opens the file."""
        return shared_reader.write_intent(self.path, self.lock_timeout_s)

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection for one short unit of work."""
        if not self.path.exists():
            raise DatabaseMissingError(f"no database at {self.path}; run `depin init` to create it")
        if self.read_only_reads and shared_reader.sharing():  # a dashboard process: one warm connection
            with shared_reader.shared_cursor(self.path, self._open_for_reading) as cursor:
                if cursor is not None:
                    yield cursor
                    return
        # A read-write "read" (a writing process) needs the file as a writer does: shared readers step aside.
        with self._announced() if not self.read_only_reads else nullcontext():
            conn = self._open_for_reading()
            try:
                yield conn
            finally:
                conn.close()

    def _open_for_reading(self) -> duckdb.DuckDBPyConnection:
        # A writing process reads through read-write connections, which need the file to itself: such an open
        # queues like a writer (exclusive), or a busy dashboard's readers would keep it out.
        try:
            with turnstile(self.path, exclusive=not self.read_only_reads, timeout_s=self.lock_timeout_s):
                return self._connect(read_only=self.read_only_reads)
        except TurnstileTimeout as exc:
            raise self._locked("read") from exc

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection running one transaction; committed and checkpointed on success."""
        self.ensure_writable_location()
        with _write_lock(self.path), self._announced(), self._exclusive("write"):
            yield from self._write_transaction()

    def _write_transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        yield from transaction(self._connect(read_only=False), checkpoint=True)

    def ensure_writable_location(self) -> None:
        parent = self.path.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create folder {parent} for the database: {exc.strerror}") from exc
        if self.path.exists() and not _writable(self.path):
            raise StoreError(f"database {self.path} is not writable by this user")
        if not self.path.exists() and not _writable(parent):
            raise StoreError(f"folder {parent} is not writable, so the database cannot be created there")

    # -- schema ------------------------------------------------------------------------------------------

    def migrate(self, migrations: Sequence[Migration] = MIGRATIONS) -> tuple[int, int]:
        """Create or upgrade the schema. Returns (version before, version after)."""
        self.ensure_writable_location()
        with _write_lock(self.path), self._announced(), self._exclusive("write"):
            return self._migrate(migrations)

    def _migrate(self, migrations: Sequence[Migration]) -> tuple[int, int]:
        latest = migrations[-1].version
        conn = self._connect(read_only=False)
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                " version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
            )
            before = _current_version(conn)
            if before > latest:
                raise SchemaTooNewError(
                    f"database {self.path} has schema version {before}, newer than this DePIN Lens "
                    f"understands ({latest}); upgrade DePIN Lens or point DEPIN_DB at another file"
                )
            if 0 < before < latest:  # keep the database as it was before changing its schema
                conn.execute("CHECKPOINT")
                conn.close()
                backup_before_migration(self.path, before)
                conn = self._connect(read_only=False)
            for migration in migrations:
                if migration.version <= before:
                    continue
                conn.begin()
                try:
                    conn.execute(migration.sql)
                    conn.execute(
                        "INSERT INTO schema_version VALUES (?, ?, now()::TIMESTAMP)",
                        [migration.version, migration.description],
                    )
                    conn.commit()
                except BaseException:
                    conn.rollback()
                    raise
            conn.execute("CHECKPOINT")
            return before, _current_version(conn)
        finally:
            conn.close()

    def schema_version(self) -> int:
        with self.reader() as conn:
            return _current_version(conn)

    def check_readable(self, migrations: Sequence[Migration] = MIGRATIONS) -> None:
        """Raise a StoreError when the file is missing, too new, or needs `depin init` to upgrade it."""
        version = self.schema_version()
        latest = migrations[-1].version
        if version > latest:
            raise SchemaTooNewError(
                f"database {self.path} has schema version {version}, newer than this DePIN Lens "
                f"understands ({latest}); upgrade DePIN Lens"
            )
        if version < latest:
            raise StoreError(
                f"database {self.path} has schema version {version}; run `depin init` to upgrade it to {latest}"
            )

    # -- convenience ---------------------------------------------------------------------------------------

    def query_df(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        with self.reader() as conn:
            return conn.execute(sql, params or []).df()

    def query_rows(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[tuple]:
        with self.reader() as conn:
            return conn.execute(sql, params or []).fetchall()


def backup_before_migration(path: Path, version: int) -> Path:
    """Copy the database aside as `<db>.bak-v<version>` (once per version) before a migration changes it."""
    import shutil

    backup = path.with_name(f"{path.name}.bak-v{version}")
    if not backup.exists():
        try:
            shutil.copy2(path, backup.with_name(backup.name + ".partial"))
            backup.with_name(backup.name + ".partial").replace(backup)
        except OSError as exc:
            raise StoreError(
                f"cannot copy {path} aside to {backup} before upgrading it ({exc.strerror or exc}); nothing was changed"
            ) from exc
    return backup


def transaction(conn: duckdb.DuckDBPyConnection, *, checkpoint: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the caller's work on `conn` in one transaction: committed (and checkpointed, for a file a reader must
    not replay) on success, rolled back on any error; the connection is closed either way."""
    try:
        conn.begin()
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
        if checkpoint:
            conn.execute("CHECKPOINT")
    finally:
        conn.close()


def _current_version(conn: duckdb.DuckDBPyConnection) -> int:
    exists = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    return int(conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0])


def _writable(path: Path) -> bool:
    import os

    return os.access(path, os.W_OK)
