"""The token list (data/tokens.toml): which tokens, where to fetch their candles, their CoinGecko ids."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache

from analytics.paths import bundled_data_dir


@dataclass(frozen=True)
class Token:
    symbol: str
    name: str
    coingecko_id: str
    venues: tuple[tuple[str, str], ...]
    network: str | None = None
    benchmark: bool = False


@dataclass(frozen=True)
class TokenList:
    tokens: dict[str, Token]
    timeframes: tuple[str, ...]
    backfill_days: dict[str, int]


@lru_cache(maxsize=1)
def token_list() -> TokenList:
    data = tomllib.loads((bundled_data_dir() / "tokens.toml").read_text(encoding="utf-8"))
    tokens = {}
    for symbol, spec in data["tokens"].items():
        venues = tuple((str(exchange), str(market)) for exchange, market in spec["venues"])
        if not venues:
            raise ValueError(f"tokens.toml: {symbol} has no venues")
        tokens[symbol] = Token(
            symbol=symbol,
            name=spec["name"],
            coingecko_id=spec["coingecko_id"],
            venues=venues,
            network=spec.get("network"),
            benchmark=bool(spec.get("benchmark", False)),
        )
    return TokenList(tokens, tuple(data.get("timeframes", ["1d"])), dict(data.get("backfill_days", {})))
