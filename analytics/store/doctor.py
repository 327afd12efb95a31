"""`depin doctor`: read every stored value once and say whether the database is healthy and what to do.

DuckDB keeps a checksum per block and verifies it when a block is read, so reading every column of every
table (a hash over each row) finds any damaged block; opening the file alone does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from analytics.store import read_models
from analytics.store.db import Store, StoreError, _current_version
from analytics.store.errors import STORE_FAILURES
from analytics.store.migrations import MIGRATIONS

REBUILD_HINT = "run `depin doctor --rebuild-read-models` to recompute them from the stored observations"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class DoctorReport:
    database: str
    checks: list[Check] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_dict(self) -> dict:
        return {
            "database": self.database,
            "healthy": self.healthy,
            "checks": [c.__dict__ for c in self.checks],
            "advice": self.advice,
        }


def backups(path: Path) -> list[Path]:
    """Copies taken before migrations (`<db>.bak-v<N>`), oldest schema first."""
    found = [p for p in path.parent.glob(f"{path.name}.bak-v*") if p.name.rsplit("-v", 1)[-1].isdigit()]
    return sorted(found, key=lambda p: int(p.name.rsplit("-v", 1)[-1]))


def examine(store: Store) -> DoctorReport:
    try:
        path: Path | None = store.path
    except AttributeError:  # a DuckLake store has no file of its own: only the table scan applies
        path = None
    report = DoctorReport(str(path) if path is not None else getattr(store, "display_name", repr(store)))
    if path is not None:
        if not path.exists():
            report.checks.append(Check("file", False, "no database file"))
            report.advice.append("run `depin init` to create it")
            return report
        report.checks.append(Check("file", True, f"{path.stat().st_size:,} bytes"))
        wal = path.with_name(path.name + ".wal")
        if wal.exists() and wal.stat().st_size:
            report.checks.append(Check("write-ahead log", True, f"{wal.stat().st_size:,} bytes not checkpointed"))
    try:
        with store.reader() as conn:
            elsewhere = "DEPIN_DB at another file" if path else "DEPIN_LAKE_CATALOG at another lake"
            _examine_open(conn, report, elsewhere)
    except StoreError as exc:
        report.checks.append(Check("open", False, str(exc)))
    except STORE_FAILURES as exc:
        report.checks.append(Check("open", False, f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"))
    if not report.healthy and not _only_read_models(report):
        unreachable = any("is unreachable" in c.detail for c in report.checks)
        report.advice.extend(_repair_advice(path, unreachable=unreachable))
    return report


def _only_read_models(report: DoctorReport) -> bool:
    """Stale read models are repaired from history; the file itself needs no restore."""
    return all(c.ok or c.name == "read models" for c in report.checks)


def _examine_open(conn: duckdb.DuckDBPyConnection, report: DoctorReport, elsewhere: str) -> None:
    version = _current_version(conn)
    latest = MIGRATIONS[-1].version
    if version > latest:
        report.checks.append(Check("schema", False, f"version {version} is newer than this DePIN Lens ({latest})"))
        report.advice.append(f"upgrade DePIN Lens, or point {elsewhere}")
    elif version < latest:
        report.checks.append(Check("schema", True, f"version {version}; `depin init` upgrades it to {latest}"))
    else:
        report.checks.append(Check("schema", True, f"version {version} (current)"))
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE'"
            " ORDER BY table_name"
        ).fetchall()
    ]
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        try:  # hash(t) reads every column of every row, so every block's checksum is verified
            rows = conn.execute(f"SELECT count(*), bit_xor(hash(t)) FROM {quoted} AS t").fetchall()[0][0]  # noqa: S608
            report.checks.append(Check(f"table {table}", True, f"{rows:,} rows read"))
        except STORE_FAILURES as exc:
            report.checks.append(Check(f"table {table}", False, str(exc).splitlines()[0][:300]))
    if report.healthy and read_models.present(conn):
        _check_read_models(conn, report)


def _check_read_models(conn: duckdb.DuckDBPyConnection, report: DoctorReport) -> None:
    """The read models pages use must equal what raw history gives (recomputed here in full)."""
    try:
        differing = {t: n for t, n in read_models.differences(conn).items() if n}
    except STORE_FAILURES as exc:
        report.checks.append(Check("read models", False, str(exc).splitlines()[0][:300]))
        return
    if differing:
        detail = ", ".join(f"{t}: {n:,} rows differ" for t, n in differing.items())
        report.checks.append(Check("read models", False, f"{detail} from raw offer history"))
        report.advice.append(REBUILD_HINT)
    else:
        report.checks.append(Check("read models", True, "agree with raw offer history"))


def rebuild_read_models(store: Store) -> None:
    """Recompute every read model from the stored observations, in one write transaction."""
    with store.writer() as conn:
        read_models.rebuild(conn)


def _repair_advice(path: Path | None, *, unreachable: bool = False) -> list[str]:
    if path is None and unreachable:  # nothing is damaged: the lake's catalog cannot be reached right now
        return ["start the catalog's PostgreSQL (or fix DEPIN_LAKE_CATALOG), then run `depin doctor` again"]
    if path is None:
        return [
            "stop `depin schedule` and the dashboards, then restore the lake from its backup (the catalog's "
            "PostgreSQL dump together with the Parquet files of the data path)",
            "or check the catalog and data path (`depin status`); `depin init` recreates what is missing",
        ]
    advice = [f"stop `depin schedule` / the dashboard, and keep the damaged file: mv {path} {path}.damaged"]
    found = backups(path)
    if found:
        advice.append(f"restore the newest copy taken before a migration: cp {found[-1]} {path}")
    advice.append("or start again from the bundled snapshot with `depin init`, then `depin refresh` to re-collect")
    return advice
