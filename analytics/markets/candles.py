"""Token candles through ccxt: incremental, paginated backfill with our own loop, one exchange object per
venue (its rate limiter lives on it), forming candles dropped, duplicates removed, gaps recorded.

Errors: ccxt.NetworkError (timeouts, rate limits, DDoS protection, exchange unavailable) is retried with
exponential backoff; ccxt.ExchangeError (BadSymbol, auth, bad request) is not: it is recorded and the next
venue is tried. Each page is written as soon as it arrives, so an interrupted backfill resumes after the last
stored candle.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import ccxt
import pandas as pd

from analytics.collectors.policy import check_deadline, guard_session
from analytics.markets.tokens import Token, TokenList, token_list
from analytics.store import Store
from analytics.store.writes import upsert

# Candles per call each exchange serves (ccxt caps); Kraken only ever serves its most recent 720.
MAX_CANDLES_PER_CALL = {"binance": 1000, "bybit": 1000, "okx": 300, "coinbase": 300, "kraken": 720}
DEFAULT_CANDLES_PER_CALL = 500
NETWORK_RETRIES = 4


def make_exchange(exchange_id: str) -> Any:
    if exchange_id not in ccxt.exchanges:
        raise ValueError(f"ccxt has no exchange {exchange_id!r}")
    exchange = getattr(ccxt, exchange_id)({"enableRateLimit": True, "timeout": 20_000})
    if getattr(exchange, "session", None) is not None:  # its sockets obey the refresh's deadline
        guard_session(exchange.session)
    return exchange


@dataclass
class SeriesResult:
    token: str
    timeframe: str
    exchange: str | None = None
    symbol: str | None = None
    candles_added: int = 0
    gaps: int = 0
    tried: list[str] = field(default_factory=list)  # "exchange SYMBOL: why it was not used"
    error: str | None = None


def timeframe_ms(exchange: Any, timeframe: str) -> int:
    return int(exchange.parse_timeframe(timeframe) * 1000)


def _with_retries(call: Callable[[], Any], *, sleep: Callable[[float], None], base_s: float = 1.0) -> Any:
    for attempt in range(NETWORK_RETRIES + 1):
        check_deadline("ccxt")
        try:
            return call()
        except ccxt.NetworkError:
            if attempt == NETWORK_RETRIES:
                raise
            sleep(base_s * 2**attempt * (0.8 + 0.4 * random.random()))
    raise AssertionError("unreachable")


def _finite(value: Any) -> bool:
    """A real number that fits a float (an int of 400 digits does not; bool is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def candle_problem(candle: Any) -> str | None:
    """Why a candle cannot be stored (None when it can): shape, finite positive prices, OHLC consistency."""
    if not isinstance(candle, list | tuple) or len(candle) < 6:
        return "not a [timestamp, open, high, low, close, volume] row"
    ts = candle[0]
    if not _finite(ts) or ts != int(ts):
        return f"timestamp is not a whole number of milliseconds ({str(ts)[:40]})"
    prices = candle[1:5]
    for name, value in zip(("open", "high", "low", "close"), prices, strict=True):
        if not _finite(value):
            return f"{name} is not a finite number ({str(value)[:40]})"
        if value <= 0:
            return f"{name} is not positive ({value!r})"
    open_, high, low, close = prices
    if not (low <= min(open_, close) and high >= max(open_, close)):
        return f"inconsistent OHLC (open {open_}, high {high}, low {low}, close {close})"
    volume = candle[5]
    if volume is not None and (not _finite(volume) or volume < 0):
        return f"volume is not a finite non-negative number ({str(volume)[:40]})"
    return None


def split_page(batch: Any, since_ms: int, tf_ms: int, now_ms: int) -> tuple[list[list], list[tuple[Any, str]]]:
    """(candles to store, rejected (candle, reason)): candles before `since` and the still-forming candle are
    dropped without a word, impossible ones are rejected with the reason, duplicate timestamps keep the last."""
    by_ts: dict[int, list] = {}
    rejected: list[tuple[Any, str]] = []
    for candle in batch if isinstance(batch, list | tuple) else []:
        problem = candle_problem(candle)
        if problem is not None:
            rejected.append((candle, problem))
            continue
        ts = int(candle[0])
        if ts < since_ms or ts + tf_ms > now_ms:
            continue
        by_ts[ts] = [ts, *candle[1:6]]
    if not isinstance(batch, list | tuple):
        rejected.append((repr(batch)[:500], "page is not a list of candles"))
    return [by_ts[ts] for ts in sorted(by_ts)], rejected


def clean_page(batch: list[list], since_ms: int, tf_ms: int, now_ms: int) -> list[list]:
    """Drop candles before `since`, the still-forming candle, impossible rows and duplicate timestamps."""
    return split_page(batch, since_ms, tf_ms, now_ms)[0]


def candles_frame(rows: list[list], *, exchange: str, symbol: str, timeframe: str, token: str) -> pd.DataFrame:
    base, quote = symbol.split("/", 1)
    frame = pd.DataFrame(rows, columns=["ts", "open", "high", "low", "close", "volume"])
    frame["ts"] = pd.to_datetime(frame["ts"], unit="ms").astype("datetime64[us]")
    return frame.assign(
        exchange=exchange,
        symbol=symbol,
        timeframe=timeframe,
        token=token,
        quote=quote.split(":")[0],
        instrument="perpetual" if ":" in symbol else "spot",
        dataset_id=f"ohlcv:{exchange}:{symbol}:{timeframe}",
    )


def find_gaps(timestamps: pd.Series, tf: pd.Timedelta) -> pd.DataFrame:
    """Runs of missing candles between stored ones (never filled)."""
    ts = timestamps.sort_values().reset_index(drop=True)
    step = ts.diff()
    holes = step[step > tf]
    rows = [{"gap_start": ts[i - 1] + tf, "gap_end": ts[i] - tf, "missing": int(step[i] / tf) - 1} for i in holes.index]
    return pd.DataFrame(rows, columns=["gap_start", "gap_end", "missing"])


class CandleCollector:
    def __init__(
        self,
        store: Store,
        tokens: TokenList | None = None,
        exchange_factory: Callable[[str], Any] = make_exchange,
        now: Callable[[], datetime] = lambda: datetime.now(UTC).replace(tzinfo=None),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.tokens = tokens or token_list()
        self.exchange_factory = exchange_factory
        self.now = now
        self.sleep = sleep
        self._exchanges: dict[str, Any] = {}
        self.rejected: list[tuple[Any, str]] = []  # impossible candles (raw, reason), for quarantine

    def exchange(self, exchange_id: str) -> Any:
        if exchange_id not in self._exchanges:  # one object per venue: ccxt's rate limiter lives on it
            self._exchanges[exchange_id] = self.exchange_factory(exchange_id)
        return self._exchanges[exchange_id]

    def collect(self, symbols: list[str] | None = None, timeframes: list[str] | None = None) -> list[SeriesResult]:
        results = []
        for symbol in symbols or list(self.tokens.tokens):
            for timeframe in timeframes or list(self.tokens.timeframes):
                results.append(self.collect_series(self.tokens.tokens[symbol], timeframe))
        return results

    def collect_series(self, token: Token, timeframe: str) -> SeriesResult:
        result = SeriesResult(token.symbol, timeframe)
        for exchange_id, market in token.venues:
            try:
                exchange = self.exchange(exchange_id)
                _with_retries(exchange.load_markets, sleep=self.sleep)
                if market not in exchange.markets:
                    result.tried.append(f"{exchange_id} {market}: market not listed")
                    continue
                if timeframe not in (exchange.timeframes or {}):
                    result.tried.append(f"{exchange_id} {market}: no {timeframe} candles")
                    continue
                result.exchange, result.symbol = exchange_id, market
                self._backfill(exchange, exchange_id, market, token, timeframe, result)
                return result
            except ccxt.ExchangeError as exc:  # BadSymbol, auth, bad request: will not change on retry
                result.tried.append(f"{exchange_id} {market}: {type(exc).__name__}: {str(exc)[:160]}")
            except ccxt.NetworkError as exc:
                result.tried.append(f"{exchange_id} {market}: network error after retries: {str(exc)[:160]}")
            except ValueError as exc:
                result.tried.append(f"{exchange_id} {market}: {exc}")
            if result.candles_added:  # a venue that failed halfway keeps what it stored; resume there
                return result
            result.exchange = result.symbol = None
        result.error = "no venue served candles: " + "; ".join(result.tried)
        return result

    def _last_stored_ms(self, exchange_id: str, market: str, timeframe: str) -> int | None:
        if not self.store.exists():
            return None
        rows = self.store.query_rows(
            "SELECT epoch_ms(max(ts)) FROM ohlcv_candles WHERE exchange = ? AND symbol = ? AND timeframe = ?",
            [exchange_id, market, timeframe],
        )
        return rows[0][0]

    def _backfill(self, exchange, exchange_id: str, market: str, token: Token, timeframe: str, result) -> None:
        tf_ms = timeframe_ms(exchange, timeframe)
        now_ms = int(self.now().replace(tzinfo=UTC).timestamp() * 1000)
        last = self._last_stored_ms(exchange_id, market, timeframe)
        days = self.tokens.backfill_days.get(timeframe, 365)
        since = last + tf_ms if last is not None else now_ms - days * 86_400_000
        limit = MAX_CANDLES_PER_CALL.get(exchange_id, DEFAULT_CANDLES_PER_CALL)
        stale_pages = 0
        while since + tf_ms <= now_ms:
            batch = _with_retries(
                lambda s=since: exchange.fetch_ohlcv(market, timeframe, since=s, limit=limit), sleep=self.sleep
            )
            page, rejected = split_page(batch or [], since, tf_ms, now_ms)
            where = {"exchange": exchange_id, "symbol": market, "timeframe": timeframe}
            self.rejected.extend(({**where, "candle": raw}, reason) for raw, reason in rejected)
            if not page:
                # No new candle: a repeated page (ccxt filters its old candles away, leaving nothing) earns one
                # more try; twice in a row means no progress: the end of history, or a venue (Kraken) that
                # serves only its most recent candles.
                stale_pages += 1
                if stale_pages <= 1:
                    continue
                break
            stale_pages = 0
            frame = candles_frame(page, exchange=exchange_id, symbol=market, timeframe=timeframe, token=token.symbol)
            with self.store.writer() as conn:
                result.candles_added += upsert(conn, "ohlcv_candles", frame)
            since = page[-1][0] + tf_ms
        result.gaps = self._record_gaps(exchange_id, market, timeframe, tf_ms)

    def _record_gaps(self, exchange_id: str, market: str, timeframe: str, tf_ms: int) -> int:
        stored = self.store.query_df(
            "SELECT ts FROM ohlcv_candles WHERE exchange = ? AND symbol = ? AND timeframe = ?",
            [exchange_id, market, timeframe],
        )
        gaps = find_gaps(stored["ts"], pd.Timedelta(milliseconds=tf_ms))
        if gaps.empty:
            return 0
        gaps = gaps.assign(
            exchange=exchange_id, symbol=market, timeframe=timeframe, detected_at=self.now(), missing=gaps["missing"]
        )
        with self.store.writer() as conn:
            upsert(conn, "candle_gaps", gaps)
        return len(gaps)
