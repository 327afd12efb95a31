"""CoinGecko `GET /coins/markets`: price, market cap, FDV, supply and volume for every token in one call.

Optional key from DEPIN_COINGECKO_API_KEY: sent as `x-cg-pro-api-key` when the base URL is the Pro API,
else as the Demo key header `x-cg-demo-api-key`. 429 answers are retried honouring Retry-After.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import requests
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from analytics.collectors.base import RECORD_SHAPE_ERRORS, PayloadError
from analytics.collectors.http import request_json
from analytics.markets.tokens import TokenList
from analytics.sanitize import sanitize
from analytics.settings import Settings


class CoinMarket(BaseModel):
    """One coin; numbers finite (no Infinity/NaN) and never negative, else the record is quarantined."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    id: str = Field(min_length=1, max_length=200)
    current_price: float | None = None
    market_cap: float | None = Field(default=None, ge=0)
    fully_diluted_valuation: float | None = Field(default=None, ge=0)
    total_volume: float | None = Field(default=None, ge=0)
    circulating_supply: float | None = Field(default=None, ge=0)
    total_supply: float | None = Field(default=None, ge=0)
    max_supply: float | None = Field(default=None, ge=0)
    last_updated: str | None = Field(default=None, max_length=64)


def fetch_markets(settings: Settings, session: requests.Session, ids: list[str]) -> Any:
    base = settings.base_url("coingecko")
    key = settings.api_key("coingecko")
    headers = {}
    if key:
        headers["x-cg-pro-api-key" if "pro-api" in base else "x-cg-demo-api-key"] = key
    return request_json(
        session,
        "GET",
        f"{base}/coins/markets",
        params={"vs_currency": "usd", "ids": ",".join(ids), "per_page": 250, "page": 1},
        headers=headers,
        timeout_s=settings.http_timeout_s,
        max_retry_after_s=90,
    )


def parse_markets(raw: Any, tokens: TokenList, observed_at: datetime) -> tuple[pd.DataFrame, list[tuple]]:
    """Rows for token_market_snapshots, plus rejected (raw, reason) records."""
    if not isinstance(raw, list):
        raise PayloadError(f"coingecko: expected a list of coins, got {type(raw).__name__}")
    by_id = {t.coingecko_id: t.symbol for t in tokens.tokens.values()}
    rows, rejected = [], []
    for item in raw:
        try:
            coin = CoinMarket.model_validate(sanitize(item)[0])
        except ValidationError as exc:
            problems = exc.errors(include_input=False)
            rejected.append((item, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in problems)))
            continue
        except RECORD_SHAPE_ERRORS as exc:
            rejected.append((item, f"malformed record: {type(exc).__name__}: {str(exc)[:200]}"))
            continue
        if coin.id not in by_id:
            continue
        if coin.current_price is not None and coin.current_price <= 0:
            rejected.append((item, f"current_price: not positive ({coin.current_price})"))
            continue
        rows.append(
            {
                "token": by_id[coin.id],
                "snapshot_date": observed_at.date(),
                "observed_at": observed_at,
                "coingecko_id": coin.id,
                "price_usd": coin.current_price,
                "market_cap_usd": coin.market_cap,
                "fdv_usd": coin.fully_diluted_valuation,
                "circulating_supply": coin.circulating_supply,
                "total_supply": coin.total_supply,
                "max_supply": coin.max_supply,
                "volume_24h_usd": coin.total_volume,
                "source_updated_at": coin.last_updated,
                "source": "coingecko",
            }
        )
    return pd.DataFrame(rows), rejected
