"""HTTP for collectors: always a timeout, bounded retries with backoff for transient failures, and errors
that say what went wrong (refused, timed out, HTTP status, HTML instead of JSON, truncated JSON).

One policy for every source: redirects only to the same origin, a total deadline and a byte budget per
response (analytics.collectors.policy). Credentials go in headers, never in the URL.
"""

from __future__ import annotations

import json
import random
import time
import zlib
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from analytics.collectors.base import PayloadError, SourceError
from analytics.collectors.policy import check_deadline, current_policy

TRANSIENT_STATUS = {429, 500, 502, 503, 504}
MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024
DECOMPRESS_STEP_BYTES = 1024 * 1024
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
    """One request under the source's policy (see analytics.collectors.policy): redirects followed only to the
    same scheme, host and port (credentials therefore never leave the configured host), each read bounded by
    the time the source has left, the body read in chunks against the byte budget (after decompression)."""
    policy = current_policy()
    # Only encodings we decompress ourselves under the byte budget (see _read_body).
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", **kwargs.pop("headers", {})}
    last_error = "no attempt made"
    for attempt in range(1, attempts + 1):
        check_deadline(url)
        remaining = policy.remaining_s()
        timeout = timeout_s if remaining is None else max(min(timeout_s, remaining), 0.05)
        try:
            response = _send(session, method, url, headers, timeout, kwargs)
            with response:
                if response.status_code < 400:
                    return _read_body(response, url, policy)
                reason = f"{url}: HTTP {response.status_code} {response.reason or ''}".rstrip()
                if response.status_code not in TRANSIENT_STATUS:
                    raise SourceError(reason)  # 4xx other than 429 will not change on retry
                last_error = reason
                wait = _retry_after(response.headers.get("Retry-After"))
                if wait is None:
                    wait = backoff_s * 2 ** (attempt - 1)
                elif wait > max_retry_after_s:
                    raise SourceError(f"{reason}; server asks to retry after {wait:.0f} s, longer than we wait")
        except requests.Timeout:
            check_deadline(url)
            last_error = f"{url}: timed out after {timeout:g} s"
            wait = backoff_s * 2 ** (attempt - 1)
        except requests.ConnectionError as exc:
            check_deadline(url)
            last_error = f"{url}: connection failed ({_root_cause(exc)})"
            wait = backoff_s * 2 ** (attempt - 1)
        except requests.RequestException as exc:  # bad chunking, undecodable gzip, invalid URL
            check_deadline(url)
            raise SourceError(f"{url}: {type(exc).__name__}: {_root_cause(exc)}") from exc
        if attempt < attempts:
            remaining = policy.remaining_s()
            if remaining is not None and wait >= remaining:
                raise SourceError(f"{last_error}; no time left to retry before the source's deadline")
            time.sleep(wait * (0.8 + 0.4 * random.random()))
    raise SourceError(f"{last_error} (after {attempts} attempts)")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def _send(session, method: str, url: str, headers: dict, timeout: float, kwargs: dict) -> requests.Response:
    """Send and follow redirects ourselves: `requests` would re-send custom key headers (x-api-key, ...) to
    whatever host a redirect names, even over plain http."""
    current, body = url, dict(kwargs)
    for _ in range(MAX_REDIRECTS + 1):
        response = session.request(
            method, current, timeout=timeout, headers=headers, allow_redirects=False, stream=True, **body
        )
        if not response.is_redirect:
            return response
        target = urljoin(current, response.headers["Location"])
        response.close()
        if _origin(target) != _origin(url):
            scheme, host, port = _origin(target)
            raise SourceError(f"{url}: redirect to another origin ({scheme}://{host}:{port}) refused")
        if response.status_code == 303 or (response.status_code in (301, 302) and method != "HEAD"):
            method = "GET" if method != "HEAD" else method
            body = {k: v for k, v in body.items() if k not in ("json", "data", "files")}
        current = target
    raise SourceError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _read_body(response: requests.Response, url: str, policy) -> str:
    """The body, read in chunks: the deadline is checked per chunk and the budget is counted after
    decompression, which we do ourselves with a bounded output size, so a small gzip bomb never expands."""
    limit = policy.max_response_bytes
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise SourceError(f"{url}: response of {int(declared):,} bytes exceeds the {limit:,}-byte budget; refused")
    coding = response.headers.get("Content-Encoding", "").strip().lower()
    if coding not in ("", "identity", "gzip", "x-gzip", "deflate"):
        raise SourceError(f"{url}: unsupported content encoding {coding!r}")
    decoder = zlib.decompressobj(32 + zlib.MAX_WBITS) if coding not in ("", "identity") else None
    too_big = SourceError(f"{url}: response exceeds the {limit:,}-byte budget (after decompression); refused")
    body = bytearray()
    while True:
        try:
            chunk = response.raw.read(CHUNK_BYTES, decode_content=False)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise requests.ConnectionError(exc) from exc
        if not chunk:
            break
        check_deadline(f"{url} after {len(body):,} bytes")
        if decoder is None:
            body += chunk
        else:
            pending = chunk
            while pending:  # at most 1 MiB of output at a time, however well the input compresses
                try:
                    body += decoder.decompress(pending, DECOMPRESS_STEP_BYTES)
                except zlib.error as exc:
                    raise SourceError(f"{url}: body is not valid {coding} ({exc})") from exc
                pending = decoder.unconsumed_tail
                if len(body) > limit:
                    raise too_big
        if len(body) > limit:
            raise too_big
    return bytes(body).decode(response.encoding or "utf-8", errors="replace")


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
