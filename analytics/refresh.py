"""`depin refresh`: run the sources, validate and gate their rows, and write each source in one transaction.

Sources are fetched and parsed concurrently, each with a time limit; one failing never blocks the others.
Writes happen one source at a time (DuckDB has one writer), each source's rows, quarantined records,
provenance and status in a single transaction, so a source lands whole or not at all. The ccxt source is
the exception by design: it writes page by page so that an interrupted backfill resumes where it stopped.

Each source runs under a SourcePolicy (analytics.collectors.policy): at its deadline its sockets are shut, so
its worker thread really stops. A source whose rows cannot be written fails alone (analytics.refresh_writes),
and the run row is finished whatever happens.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pandas as pd
import requests

from analytics.collectors import COLLECTORS, Collector, SkipSource, SourceError
from analytics.collectors.policy import SourcePolicy, guard_session, installed
from analytics.markets import coingecko
from analytics.markets.candles import CandleCollector, make_exchange
from analytics.markets.tokens import token_list
from analytics.network.akash_console import AkashNetworkCollector, network_frame
from analytics.offers import offer_frame
from analytics.refresh_writes import store_source, write_run
from analytics.sanitize import clean_text
from analytics.settings import Settings
from analytics.store import Store

log = logging.getLogger("depin.refresh")
MARKET_SOURCES = ("ccxt", "coingecko")
NETWORK_SOURCES = ("akash_network",)
ALL_SOURCES = (*COLLECTORS, *NETWORK_SOURCES, *MARKET_SOURCES)
EXIT_OK, EXIT_SOME_FAILED, EXIT_ALL_FAILED = 0, 3, 4


@dataclass
class SourceOutcome:
    source: str
    status: str  # ok | failed | skipped
    rows_added: int = 0
    rows_quarantined: int = 0
    duration_ms: float = 0.0
    message: str = ""


@dataclass
class RefreshReport:
    run_id: str
    started_at: str
    finished_at: str = ""
    outcomes: list[SourceOutcome] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        ran = [o for o in self.outcomes if o.status != "skipped"]
        failed = [o for o in ran if o.status == "failed"]
        if not failed:
            return EXIT_OK
        return EXIT_ALL_FAILED if len(failed) == len(ran) else EXIT_SOME_FAILED

    @property
    def status(self) -> str:
        return {EXIT_OK: "ok", EXIT_SOME_FAILED: "partial", EXIT_ALL_FAILED: "failed"}[self.exit_code]

    def as_dict(self) -> dict:
        return {**asdict(self), "status": self.status, "exit_code": self.exit_code}


@dataclass
class Batch:
    """What one source produced, ready for the store."""

    table: str | None = None
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    quarantined: list[tuple[Any, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dataset: dict | None = None
    rows_already_written: int = 0
    error: str | None = None  # a source that wrote some rows and then failed


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def parse_only(only: str | Iterable[str] | None) -> list[str]:
    """Validate a --only list; unknown names raise ValueError naming the known ones."""
    if only is None:
        return list(ALL_SOURCES)
    names = [n.strip() for n in (only.split(",") if isinstance(only, str) else only) if n.strip()]
    unknown = [n for n in names if n not in ALL_SOURCES]
    if unknown or not names:
        raise ValueError(f"unknown source(s) {', '.join(unknown) or '(none given)'}; known: {', '.join(ALL_SOURCES)}")
    return names


def _offer_batch(collector: Collector, started: datetime) -> Batch:
    collector.check_ready()
    raw = collector.fetch()
    result = collector.parse(raw, started)
    frame, quarantined = offer_frame(result, collector.name, started)
    dataset = {
        "dataset_id": f"live:{collector.name}",
        "kind": "gpu_offers",
        "title": collector.description,
        "publisher": f"{collector.name} API",
        "source_url": collector.base_url,
        "as_of": started.strftime("%Y-%m-%d %H:%M"),
        "notes": "Live collector; every refresh appends observations.",
        "loaded_at": started,
    }
    return Batch("gpu_offer_observations", frame, quarantined, result.notes, dataset)


def _network_batch(collector: AkashNetworkCollector, started: datetime) -> Batch:
    result = collector.parse(collector.fetch(), started)
    dataset_id = f"live:{collector.name}"
    dataset = {
        "dataset_id": dataset_id,
        "kind": "network_metrics",
        "title": collector.description,
        "publisher": "Akash Console API",
        "source_url": collector.base_url,
        "as_of": started.strftime("%Y-%m-%d %H:%M"),
        "notes": "Live collector; a later reading of the same day replaces the earlier one.",
        "loaded_at": started,
    }
    frame = network_frame(result.rows, collector.name, dataset_id, started)
    return Batch("network_metrics", frame, result.rejected, result.notes, dataset)


def _coingecko_batch(settings: Settings, session: requests.Session, started: datetime) -> Batch:
    tokens = token_list()
    raw = coingecko.fetch_markets(settings, session, [t.coingecko_id for t in tokens.tokens.values()])
    frame, rejected = coingecko.parse_markets(raw, tokens, started)
    missing = sorted(set(tokens.tokens) - set(frame["token"] if not frame.empty else []))
    notes = [f"no usable data for {', '.join(missing)}"] if missing else []
    dataset = {
        "dataset_id": "live:coingecko",
        "kind": "token_markets",
        "title": "CoinGecko market data: price, market cap, FDV, supply, volume",
        "publisher": "CoinGecko API",
        "source_url": settings.base_url("coingecko"),
        "as_of": started.strftime("%Y-%m-%d %H:%M"),
        "notes": "One snapshot per token and UTC day; the day's last refresh wins.",
        "loaded_at": started,
    }
    return Batch("token_market_snapshots", frame, rejected, notes, dataset)


def _ccxt_batch(store: Store, exchange_factory: Callable[[str], Any]) -> Batch:
    collector = CandleCollector(store, exchange_factory=exchange_factory)
    results = collector.collect()
    added = sum(r.candles_added for r in results)
    failed = [r for r in results if r.error]
    notes = [f"{r.token} {r.timeframe}: {r.exchange} {r.symbol} +{r.candles_added}" for r in results if not r.error]
    notes += [f"{r.token} {r.timeframe}: {r.error}" for r in failed]
    gaps = sum(r.gaps for r in results)
    if gaps:
        notes.append(f"{gaps} gap(s) recorded in candle_gaps")
    if failed and len(failed) == len(results) and not added:
        raise SourceError("no token's candles could be fetched: " + "; ".join(notes[:4]))
    if collector.rejected:
        notes.append(f"{len(collector.rejected)} impossible candle(s) quarantined")
    return Batch(rows_already_written=added, quarantined=collector.rejected, notes=notes, error=None)


def run_refresh(
    store: Store,
    settings: Settings,
    *,
    only: Iterable[str] | None = None,
    trigger: str = "cli",
    timeout_s: float | None = None,
    session_factory: Callable[[], requests.Session] = requests.Session,
    exchange_factory: Callable[[str], Any] = make_exchange,
    progress: Callable[[SourceOutcome], None] | None = None,
) -> RefreshReport:
    names = parse_only(only)
    store = store.for_writing_process()
    started = _now()
    report = RefreshReport(
        run_id=f"{trigger}-{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}", started_at=started.isoformat()
    )
    store.migrate()
    write_run(store, report.run_id, trigger, started, None, "running")
    limit = timeout_s if timeout_s is not None else settings.http_timeout_s * 4
    jobs = _jobs(names, store, settings, started, session_factory, exchange_factory)
    policies = {name: SourcePolicy(name, limit, int(settings.http_max_response_mb * 1024 * 1024)) for name in jobs}
    pool = ThreadPoolExecutor(max_workers=max(len(jobs), 1), thread_name_prefix="source")
    final_status = "failed"  # unless the loop below completes
    futures: dict = {}
    try:
        t0 = time.perf_counter()
        futures = {name: pool.submit(_under_policy, job, policies[name]) for name, job in jobs.items()}
        for name, future in futures.items():
            source_started = _now()
            outcome = SourceOutcome(name, "ok")
            batch = Batch()
            try:
                remaining = max(limit - (time.perf_counter() - t0), 0.1)
                batch = future.result(timeout=remaining)
                outcome.message = "; ".join(batch.notes)
                _check_record_count(name, batch, settings.max_records_per_source)
            except SkipSource as exc:
                outcome.status, outcome.message = "skipped", str(exc)
            except FutureTimeout:
                policies[name].abort()  # shut its sockets: the worker thread stops instead of reading on
                outcome.status, outcome.message = "failed", f"timed out after {limit:.0f} s"
            except SourceError as exc:
                outcome.status, outcome.message = "failed", str(exc)
            except Exception as exc:  # a collector bug must not take the other sources down
                outcome.status, outcome.message = "failed", f"unexpected {type(exc).__name__}: {exc}"
            outcome.duration_ms = (time.perf_counter() - t0) * 1000
            outcome.message = clean_text(outcome.message)[0]
            store_source(store, report.run_id, outcome, batch, source_started)
            report.outcomes.append(outcome)
            if progress:
                progress(outcome)
        final_status = report.status
    finally:
        # Every source obeys its deadline (or was aborted), so the workers end promptly: wait a little for
        # them, so that a long-lived scheduler never accumulates threads or sockets.
        for policy in policies.values():
            if policy.expired():
                policy.abort()
        wait(list(futures.values()), timeout=WORKER_GRACE_S)
        pool.shutdown(wait=False, cancel_futures=True)
        finished = _now()
        report.finished_at = finished.isoformat()
        try:
            write_run(store, report.run_id, trigger, started, finished, final_status)
        except Exception as exc:  # the store itself failing (disk full): the outcomes still tell what happened
            log.error("could not record the end of refresh %s: %s", report.run_id, exc)
    return report


WORKER_GRACE_S = 2.0


def _jobs(names, store, settings, started, session_factory, exchange_factory) -> dict[str, Callable[[], Batch]]:
    jobs: dict[str, Callable[[], Batch]] = {}
    for name in names:
        if name in COLLECTORS:
            session = guard_session(session_factory())
            jobs[name] = _closing(partial(_offer_batch, COLLECTORS[name](settings, session), started), session)
        elif name == "akash_network":
            session = guard_session(session_factory())
            jobs[name] = _closing(partial(_network_batch, AkashNetworkCollector(settings, session), started), session)
        elif name == "coingecko":
            session = guard_session(session_factory())
            jobs[name] = _closing(partial(_coingecko_batch, settings, session, started), session)
        elif name == "ccxt":
            jobs[name] = partial(_ccxt_batch, store, exchange_factory)
    return jobs


def _closing(job: Callable[[], Batch], session: requests.Session) -> Callable[[], Batch]:
    def run() -> Batch:
        try:
            return job()
        finally:
            session.close()  # its pooled sockets go with it

    return run


def _under_policy(job: Callable[[], Batch], policy: SourcePolicy) -> Batch:
    with installed(policy):
        return job()


def _check_record_count(name: str, batch: Batch, bound: int) -> None:
    count = len(batch.frame) + len(batch.quarantined)
    if count > bound:
        raise SourceError(
            f"{name}: sent {count:,} records, more than the sanity bound of {bound:,} "
            "(DEPIN_MAX_RECORDS_PER_SOURCE); nothing stored"
        )
