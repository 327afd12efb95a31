"""The limits one source works under: a total deadline that really stops it, and a byte budget per response.

A refresh gives every source a `SourcePolicy` and runs the source with it installed in its worker thread.
Every connection the source opens (through a session prepared by `guard_session`, or ccxt's session) is
registered on the policy; when the deadline passes, the refresh calls `abort()`, which shuts those sockets
down, so a read blocked on a server that drips one byte at a time returns at once instead of keeping the
thread (and the process) alive. Between reads, retries and pages the source checks `check_deadline()`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests
import urllib3.connection
import urllib3.connectionpool
from requests.adapters import HTTPAdapter

from analytics.collectors.base import SourceError

DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024  # Settings.http_max_response_mb
_current = threading.local()


@dataclass
class SourcePolicy:
    source: str = "source"
    limit_s: float | None = None
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    started: float = field(default_factory=time.monotonic)
    _sockets: list[socket.socket] = field(default_factory=list, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)
    aborted: bool = False

    def remaining_s(self) -> float | None:
        if self.limit_s is None:
            return None
        return self.limit_s - (time.monotonic() - self.started)

    def expired(self) -> bool:
        remaining = self.remaining_s()
        return self.aborted or (remaining is not None and remaining <= 0)

    def register(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._guard:
            self._sockets = [s for s in self._sockets if s.fileno() != -1]
            self._sockets.append(sock)
            if self.aborted:
                _shutdown(sock)

    def abort(self) -> None:
        """Stop the source's network work now (called from another thread at the deadline)."""
        with self._guard:
            self.aborted = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def current_policy() -> SourcePolicy:
    return getattr(_current, "policy", None) or SourcePolicy()


@contextmanager
def installed(policy: SourcePolicy) -> Iterator[SourcePolicy]:
    previous = getattr(_current, "policy", None)
    _current.policy = policy
    try:
        yield policy
    finally:
        _current.policy = previous


def check_deadline(what: str = "") -> None:
    policy = current_policy()
    if policy.expired():
        limit = f"{policy.limit_s:.0f} s " if policy.limit_s is not None else ""
        raise SourceError(f"{policy.source}: stopped at its {limit}deadline{f' ({what})' if what else ''}")


class _TrackedHTTPConnection(urllib3.connection.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        current_policy().register(self.sock)


class _TrackedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        current_policy().register(self.sock)


class _TrackedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _TrackedHTTPConnection


class _TrackedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


class _TrackedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _TrackedHTTPPool, "https": _TrackedHTTPSPool}


def guard_session(session: requests.Session) -> requests.Session:
    """Route the session's connections through the policy of the thread that opens them."""
    session.mount("http://", _TrackedAdapter())
    session.mount("https://", _TrackedAdapter())
    return session
