"""Numbers as an analyst reads them: `$1,234.56`, `-$1.66`, `12.3 %`, `1,234`, `2026-03-21`, and an em dash
for a missing value. Pure functions shared by the CLI and the dashboard's table layer (app/format.py)."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

MISSING = "—"


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas NA / NaT, without importing pandas here
        return True
    try:
        return bool(value != value)  # numpy NaN and friends are unequal to themselves
    except (TypeError, ValueError):
        return False


def money(value: Any, digits: int = 2, currency: str = "$") -> str:
    """`$1,234.56`; negative amounts as `-$1.66` (never `$-1.66`)."""
    if is_missing(value):
        return MISSING
    amount = float(value)
    sign = "-" if amount < 0 and round(abs(amount), digits) != 0 else ""
    return f"{sign}{currency}{abs(amount):,.{digits}f}"


def price(value: Any, currency: str = "$") -> str:
    """A market price: cents above one unit (`$2.32`, `$101,595.60`), four significant digits below (`$0.02470`)."""
    if is_missing(value):
        return MISSING
    amount = float(value)
    if abs(amount) >= 1 or amount == 0:
        return money(amount, 2, currency)
    digits = 3 - math.floor(math.log10(abs(amount)))
    return money(amount, digits, currency)


def percent(value: Any, digits: int = 1, *, fraction: bool = False, signed: bool = False) -> str:
    """`12.3 %`. `fraction=True` reads 0.123 as 12.3 %; `signed=True` writes `+12.3 %` for gains."""
    if is_missing(value):
        return MISSING
    number = float(value) * (100.0 if fraction else 1.0)
    return f"{number:{'+' if signed else ''},.{digits}f} %"


def count(value: Any) -> str:
    """`1,234` for whole numbers of things."""
    if is_missing(value):
        return MISSING
    return f"{round(float(value)):,}"


def number(value: Any, digits: int = 2, unit: str = "") -> str:
    """`1,234.57` with an optional unit after a space (`13.5 GFLOP/s`)."""
    if is_missing(value):
        return MISSING
    text = f"{float(value):,.{digits}f}"
    return f"{text} {unit}" if unit else text


def day(value: Any) -> str:
    """`2026-03-21` for a date or timestamp."""
    if is_missing(value):
        return MISSING
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    return str(value)[:10]


def moment(value: Any) -> str:
    """`2026-03-21 14:05` (UTC as stored) for a timestamp."""
    if is_missing(value):
        return MISSING
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)[:16].replace("T", " ")


def text(value: Any) -> str:
    return MISSING if is_missing(value) else str(value)


def words(value: Any) -> str:
    """An identifier as words: `on_demand` -> `on demand`, `memory_bandwidth` -> `memory bandwidth`."""
    return MISSING if is_missing(value) else str(value).replace("_", " ")


_UNIT_SUFFIXES = {
    "usd": "USD",
    "pct": "%",
    "gb": "GB",
    "gib": "GiB",
    "mb": "MB",
    "ms": "ms",
    "s": "s",
    "h": "h",
    "hours": "h",
    "kwh": "kWh",
    "w": "W",
    "watts": "W",
}


def humanize(column: str) -> str:
    """A readable header for a column name: `median_list_usd` -> `Median list (USD)`."""
    words = [w for w in re.split(r"[_\s]+", column.strip()) if w]
    if not words:
        return column
    unit = None
    if len(words) > 1 and words[-1].lower() in _UNIT_SUFFIXES:
        unit = _UNIT_SUFFIXES[words.pop().lower()]
    label = " ".join(words)
    label = label[0].upper() + label[1:]
    return f"{label} ({unit})" if unit else label


def usd(value: float | None, digits: int = 2) -> str:
    """'$1,234.56', '-$1.66' (the sign before the currency symbol), 'n/a' for a missing value (CLI and
    generated sentences; tables use `money`, which writes an em dash)."""
    if is_missing(value):
        return "n/a"
    return money(value, digits)


def provider_name(key: Any) -> Any:
    """A provider id as people write it (`aws` -> `AWS`, `coreweave` -> `CoreWeave`); missing stays missing."""
    if is_missing(key) or not isinstance(key, str) or not key:
        return key
    from analytics.normalize import provider_info

    return provider_info(key).display_name


def provider_names(keys: Any, sep: str = ", ") -> Any:
    """A `sep`-joined list of provider ids (`aws, azure`) as display names (`AWS, Microsoft Azure`)."""
    if is_missing(keys) or not isinstance(keys, str):
        return keys
    return sep.join(provider_name(k.strip()) for k in keys.split(sep.strip()) if k.strip())


_INSTRUMENTS = {
    "perpetual": "perpetual futures",
    "spot": "spot",
    "aggregate": "aggregate across venues",
}


def exchange_name(exchange: Any) -> Any:
    """A candle venue id as people write it: `bybit_usdt_perpetual` -> `Bybit USDT Perpetual`."""
    if is_missing(exchange) or not isinstance(exchange, str):
        return exchange
    upper = {"usdt", "usd", "okx", "usdc"}
    return " ".join(w.upper() if w in upper else w.capitalize() for w in exchange.split("_"))


def series_name(symbol: str, exchange: str, instrument: str | None = None) -> str:
    """`RENDERUSDT on Bybit USDT Perpetual`, the instrument added only where the venue's name does not say it."""
    venue = exchange_name(exchange)
    kind = _INSTRUMENTS.get(instrument or "", instrument or "")
    said = not kind or instrument in exchange or kind in venue.lower()
    return f"{symbol} on {venue}" + ("" if said else f" ({kind})")
