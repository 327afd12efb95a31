"""HTTP for collectors: always a timeout, bounded retries with backoff for transient failures, and errors
that say what went wrong (refused, timed out, HTTP status, HTML instead of JSON, truncated JSON)."""

from __future__ import annotations

import json
import random
import time
from typing import Any

import requests

from analytics.collectors.base import PayloadError, SourceError

TRANSIENT_STATUS = {429, 500, 502, 503, 504}
USER_AGENT = "depin-lens/0.1 (+https://github.com/depin-lens)"


def request_json(session: requests.Session, method: str, url: str, **kwargs: Any) -> Any:
    """Send a request (see request_text for the options) and decode its JSON body; an HTML page or broken JSON
    raises PayloadError with what was wrong."""
    text = request_text(session, method, url, **kwargs)
    stripped = text.lstrip()
    if stripped[:1] == "<":
        raise PayloadError(f"{url}: expected JSON, got an HTML page ({stripped[:60]!r}...)")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PayloadError(f"{url}: response is not valid JSON ({exc.msg} at char {exc.pos} of {len(text)})") from exc


def request_text(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout_s: float,
    attempts: int = 3,
    backoff_s: float = 0.5,
    max_retry_after_s: float = 30.0,
    **kwargs: Any,
) -> str:
    headers = {"User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
    last_error = "no attempt made"
    for attempt in range(1, attempts + 1):
        try:
            response = session.request(method, url, timeout=timeout_s, headers=headers, **kwargs)
        except requests.Timeout:
            last_error = f"{url}: timed out after {timeout_s:g} s"
            wait = backoff_s * 2 ** (attempt - 1)
        except requests.ConnectionError as exc:
            last_error = f"{url}: connection failed ({_root_cause(exc)})"
            wait = backoff_s * 2 ** (attempt - 1)
        else:
            if response.status_code < 400:
                return response.text
            reason = f"{url}: HTTP {response.status_code} {response.reason or ''}".rstrip()
            if response.status_code not in TRANSIENT_STATUS:
                raise SourceError(reason)  # 4xx other than 429 will not change on retry
            last_error = reason
            wait = _retry_after(response.headers.get("Retry-After"))
            if wait is None:
                wait = backoff_s * 2 ** (attempt - 1)
            elif wait > max_retry_after_s:
                raise SourceError(f"{reason}; server asks to retry after {wait:.0f} s, longer than we wait")
        if attempt < attempts:
            time.sleep(wait * (0.8 + 0.4 * random.random()))
    raise SourceError(f"{last_error} (after {attempts} attempts)")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(moment.timestamp() - time.time(), 0.0)


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__
    text = str(exc)
    if "Connection refused" in text or isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return text[:160]
