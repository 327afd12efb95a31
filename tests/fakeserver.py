"""A local HTTP server (127.0.0.1 only) that replays the collector fixtures at the real APIs' paths.

`/<source>/<api path>` serves tests/fixtures/<source>/<api path>[.json | /index.json]. Tests can script
responses per path (status, body, headers, delay) to play failures: refused connections, timeouts, 429 with
Retry-After, 5xx, HTML error pages, truncated JSON.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


class FakeApis:
    def __init__(self) -> None:
        self.scripted: dict[str, deque[Reply]] = defaultdict(deque)
        self.requests: list[tuple[str, str]] = []
        self.received: list[dict] = []  # every request in full: method, path with query, headers
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                path = self.path.split("?", 1)[0]
                owner.requests.append((self.command, path))
                owner.received.append({"method": self.command, "path": self.path, "headers": dict(self.headers)})
                reply = owner._reply_for(path)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                body = reply.body.encode() if isinstance(reply.body, str) else reply.body
                try:
                    self.send_response(reply.status)
                    for key, value in {"Content-Type": "application/json", **reply.headers}.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = _serve
            do_POST = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def base_urls(self) -> dict[str, str]:
        return {
            f"DEPIN_{s.upper()}_BASE_URL": f"{self.url}/{s}"
            for s in ("akash", "ionet", "vastai", "runpod", "lambda", "skypilot", "coingecko")
        }

    def script(self, path: str, *replies: Reply) -> None:
        self.scripted[path].extend(replies)

    def _reply_for(self, path: str) -> Reply:
        if self.scripted.get(path):
            return self.scripted[path].popleft()
        relative = path.strip("/")
        for candidate in (FIXTURES / relative, FIXTURES / f"{relative}.json", FIXTURES / relative / "index.json"):
            if candidate.is_file() and FIXTURES in candidate.resolve().parents:
                return Reply(200, candidate.read_bytes())
        return Reply(404, '{"error": "not found"}')

    def __enter__(self) -> FakeApis:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
