"""A hostile HTTP server for tests, run as its own process (`python -m tests.slowserver MODE`) so that its
threads and sockets never count against the process under test. Listens on 127.0.0.1 only, prints its port.

Modes: drip (headers, then one body byte every 0.1 s, forever), silent (accepts, never answers),
headers-drip (the status line and headers one byte every 0.1 s).
"""

from __future__ import annotations

import socket
import sys
import threading
import time


def _drip(conn: socket.socket, data: bytes, every_s: float = 0.1) -> None:
    for byte in data:
        conn.sendall(bytes([byte]))
        time.sleep(every_s)


def handle(conn: socket.socket, mode: str) -> None:
    try:
        conn.recv(65536)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n"
        if mode == "silent":
            time.sleep(3600)
        elif mode == "headers-drip":
            _drip(conn, head + b"X-Filler: " + b"a" * 100_000)
        else:
            conn.sendall(head)
            _drip(conn, b'{"models": [' + b" " * 10_000_000)
    except OSError:
        pass
    finally:
        conn.close()


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "drip"
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    print(server.getsockname()[1], flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=handle, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main()
