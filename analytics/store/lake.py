"""DuckLake backend: table data as Parquet files under a data path, metadata in a SQL catalog (PostgreSQL).

Same interface as the DuckDB file `Store`, different rules underneath:
- No file lock and no turnstile: the catalog gives every transaction a snapshot, so readers never wait for
  writers, and processes on many hosts share one lake. Each process keeps ONE in-memory DuckDB with the lake
  attached (attaching costs ~0.2 s) and hands every unit of work its own cursor.
- DuckLake has no PRIMARY KEY or UNIQUE constraints, so the schema's keys are enforced by the writes
  (analytics/store/writes.py: anti-join insert, delete-then-insert) and write transactions are serialised
  with a PostgreSQL advisory lock taken in the catalog database. Without it two writers could each insert
  the same key (neither sees the other's uncommitted row) and DuckLake, which only sees two appends, would
  commit both. Readers never take the lock.
- Extensions come from the PyPI packages duckdb-ext-ducklake / duckdb-ext-postgres / duckdb-ext-httpfs (loaded
  from their folder, as the extension repository may be unreachable); without them DuckDB's own extension dir.
- An `s3://bucket/prefix` data path goes through httpfs with a secret built from DEPIN_LAKE_S3_* (s3.py).
- A catalog that is down or a data path that cannot be read raises a one-line StoreError (lake_errors.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from analytics.store.db import SchemaTooNewError, Store, StoreError, StoreLockedError, transaction
from analytics.store.lake_connect import LAKE, extension_directory, open_instance, postgres_dsn, redact
from analytics.store.lake_connect import LOCK_DB as _LOCK_DB
from analytics.store.lake_errors import lake_failure
from analytics.store.migrations import MIGRATIONS, Migration
from analytics.store.s3 import S3Options, is_object_store

# A fixed 63-bit key, so every DePIN Lens process on every host contends for the same advisory lock.
_WRITE_LOCK_KEY = int.from_bytes(hashlib.sha256(b"depin-lens:lake-writer").digest()[:8], "big") >> 1

_INSTANCES: dict[tuple[str, str], duckdb.DuckDBPyConnection] = {}
_THREAD_LOCKS: dict[tuple[str, str], threading.RLock] = {}
_GUARD = threading.Lock()
_held = threading.local()  # lakes this thread is writing to: a nested writer must not wait on itself


__all__ = ["LAKE", "LakeStore", "close_all", "close_lake", "extension_directory", "lake_sql", "redact"]


def lake_sql(sql: str) -> str:
    """A migration's DDL as DuckLake accepts it: no PRIMARY KEY/UNIQUE, no list defaults.

    The keys stay declared for the file backend and are enforced for the lake by the writes (TABLES in
    writes.py names the same keys); a list default becomes an empty list filled in by the writer.
    """
    sql = re.sub(r",(\s*--[^\n]*)?\s*PRIMARY KEY\s*\([^)]*\)", r"\1", sql, flags=re.IGNORECASE)
    sql = re.sub(r"\s+PRIMARY KEY(?=\s*[,\n)])", "", sql, flags=re.IGNORECASE)
    return re.sub(r"\s+DEFAULT\s+\[\]", "", sql, flags=re.IGNORECASE)


class LakeStore(Store):
    """A DuckLake (catalog + data path). Cheap to create; the process-wide DuckDB behind it is shared."""

    backend = "ducklake"
    single_host = False

    def __init__(
        self,
        catalog: str,
        data_path: str,
        *,
        lock_timeout_s: float = 30.0,
        read_only_reads: bool = True,
        s3: S3Options | None = None,
    ) -> None:
        if not catalog or not data_path:
            raise StoreError("DuckLake needs both DEPIN_LAKE_CATALOG and DEPIN_LAKE_DATA_PATH")
        self.catalog = catalog
        self.data_path = data_path
        if s3 is None and is_object_store(data_path):  # from DEPIN_LAKE_S3_*, else the AWS_* variables
            from analytics.settings import get_settings

            s3 = S3Options.from_settings(get_settings())
        self.s3 = s3 if is_object_store(data_path) else None
        self.lock_timeout_s = lock_timeout_s
        self.read_only_reads = read_only_reads
        self._key = (catalog, data_path)

    @property
    def path(self) -> Path:  # type: ignore[override]
        raise AttributeError("a DuckLake store has no database file; use locator/describe()/exists()")

    def for_writing_process(self) -> LakeStore:
        return self

    def __repr__(self) -> str:
        return f"LakeStore({redact(self.catalog)!r}, {self.data_path!r})"

    @property
    def locator(self) -> str:
        return f"ducklake:{self.catalog}|{self.data_path}"

    @property
    def display_name(self) -> str:
        return f"DuckLake {redact(self.catalog)} (data {self.data_path})"

    def describe(self) -> dict:
        described: dict = {"backend": self.backend, "catalog": redact(self.catalog), "data_path": self.data_path}
        if self.s3 is not None:
            described["s3"] = self.s3.describe()  # endpoint and whether credentials are set, never the secret
        return described

    def exists(self) -> bool:
        return self._schema_version() > 0

    def environment(self) -> dict[str, str]:
        env = {"DEPIN_STORE": self.backend, "DEPIN_LAKE_CATALOG": self.catalog, "DEPIN_LAKE_DATA_PATH": self.data_path}
        return env | (self.s3.environment() if self.s3 is not None else {})

    # -- connections -------------------------------------------------------------------------------------

    def _instance(self) -> duckdb.DuckDBPyConnection:
        with _GUARD:
            instance = _INSTANCES.get(self._key)
            if instance is None:
                instance = open_instance(self.catalog, self.data_path, self.s3, self.display_name)
                _INSTANCES[self._key] = instance
                _THREAD_LOCKS[self._key] = threading.RLock()
            return instance

    def _postgres_dsn(self) -> str | None:
        return postgres_dsn(self.catalog)

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        conn = self._instance().cursor()
        conn.execute(f"USE {LAKE}")
        return conn

    @contextmanager
    def _outage_as_store_error(self, action: str) -> Iterator[None]:
        """An unreachable catalog or unreadable data path becomes one clear StoreError; other errors pass."""
        try:
            yield
        except duckdb.Error as exc:
            failure = lake_failure(exc, action, self.catalog, self.data_path)
            if failure is None:
                raise
            raise failure from exc

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the lake for one short unit of work; it sees the latest committed snapshot."""
        with self._outage_as_store_error("read"):
            conn = self._cursor()
            try:
                yield conn
            finally:
                conn.close()

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction, serialised with every other writer of this lake on any host."""
        with self._outage_as_store_error("write to"), self._write_lock():
            yield from transaction(self._cursor(), checkpoint=False)

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        instance = self._instance()
        held = getattr(_held, "keys", set())
        if self._key in held:
            yield
            return
        thread_lock = _THREAD_LOCKS[self._key]
        if not thread_lock.acquire(timeout=self.lock_timeout_s):
            raise self._locked("write")
        try:
            lock_conn = instance.cursor() if self._postgres_dsn() is not None else None
            try:
                if lock_conn is not None:
                    self._acquire_advisory(lock_conn)
                _held.keys = held | {self._key}
                try:
                    yield
                finally:
                    _held.keys = held
            finally:
                if lock_conn is not None:
                    _end(lock_conn)  # ends the PostgreSQL transaction: the lock goes with it
        finally:
            thread_lock.release()

    def _acquire_advisory(self, lock_conn: duckdb.DuckDBPyConnection) -> None:
        """pg_try_advisory_xact_lock in one PostgreSQL transaction, retried until lock_timeout_s."""
        lock_conn.begin()
        sql = f"SELECT pg_try_advisory_xact_lock({_WRITE_LOCK_KEY})::int AS got"
        deadline = time.monotonic() + self.lock_timeout_s
        delay = 0.005
        while True:
            got = lock_conn.execute("SELECT got FROM postgres_query(?, ?)", [_LOCK_DB, sql]).fetchall()[0][0]
            if got:
                return
            if time.monotonic() >= deadline:
                lock_conn.rollback()
                raise self._locked("write")
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    def _locked(self, mode: str) -> StoreLockedError:
        return StoreLockedError(
            f"{self.display_name}: another writer held the lake's write lock for {self.lock_timeout_s:.0f} s, "
            f"so this {mode} did not start; try again when it finishes"
        )

    def ensure_writable_location(self) -> None:
        if "://" in self.data_path:  # object storage: a missing bucket shows on the first write
            return
        try:
            Path(self.data_path).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the lake's data folder {self.data_path}: {exc.strerror}") from exc

    # -- schema ------------------------------------------------------------------------------------------

    def migrate(self, migrations: Sequence[Migration] = MIGRATIONS) -> tuple[int, int]:
        self.ensure_writable_location()
        latest = migrations[-1].version
        with self._outage_as_store_error("write to"), self._write_lock():
            conn = self._cursor()
            try:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version ("
                    " version INTEGER NOT NULL, description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
                )
                before = _version(conn)
                if before > latest:
                    raise self._too_new(before, latest)
                for migration in migrations:
                    if migration.version <= before:
                        continue
                    conn.begin()
                    try:
                        conn.execute(lake_sql(migration.sql))
                        conn.execute(
                            "INSERT INTO schema_version VALUES (?, ?, now()::TIMESTAMP)",
                            [migration.version, migration.description],
                        )
                        conn.commit()
                    except BaseException:
                        conn.rollback()
                        raise
                return before, _version(conn)
            finally:
                conn.close()

    def _too_new(self, version: int, latest: int) -> SchemaTooNewError:
        return SchemaTooNewError(
            f"{self.display_name} has schema version {version}, newer than this DePIN Lens understands "
            f"({latest}); upgrade DePIN Lens"
        )

    def _schema_version(self) -> int:
        with self.reader() as conn:
            return _version(conn)

    def schema_version(self) -> int:
        return self._schema_version()

    def check_readable(self, migrations: Sequence[Migration] = MIGRATIONS) -> None:
        version = self._schema_version()
        latest = migrations[-1].version
        if version > latest:
            raise self._too_new(version, latest)
        if version == 0:
            raise StoreError(f"{self.display_name} holds no DePIN Lens data; run `depin init --store ducklake`")
        if version < latest:
            raise StoreError(f"{self.display_name} has schema version {version}; run `depin init` to upgrade it")


def _version(conn: duckdb.DuckDBPyConnection) -> int:
    exists = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = 'schema_version'", [LAKE]
    ).fetchall()[0][0]
    if not exists:
        return 0
    return int(conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0])


def _end(conn: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):  # no transaction open (the lock was never taken)
        conn.rollback()
    conn.close()


def close_lake(store: LakeStore) -> None:
    """Close this process's connection to one lake (its catalog database can then be copied or dropped)."""
    with _GUARD:
        instance = _INSTANCES.pop(store._key, None)
        _THREAD_LOCKS.pop(store._key, None)
    if instance is not None:
        instance.close()


def close_all() -> None:
    """Close every lake this process opened (tests that stop their PostgreSQL call this first)."""
    with _GUARD:
        for instance in _INSTANCES.values():
            instance.close()
        _INSTANCES.clear()
        _THREAD_LOCKS.clear()
