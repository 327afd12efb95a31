"""A real PostgreSQL server for the DuckLake tests: initdb in a temporary folder, 127.0.0.1 on a free port,
trust authentication, stopped (and its folder removed) when the test session ends.

PostgreSQL refuses to run as root, so under root (CI containers) initdb and the server run as the
`postgres` user that Debian's package creates. Binaries: $PG_BIN, else Debian's /usr/lib/postgresql/<v>/bin,
else PATH.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "depin"


def pg_bin() -> Path | None:
    candidates = [os.environ.get("PG_BIN", "")]
    candidates += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
    initdb = shutil.which("initdb")
    candidates.append(str(Path(initdb).parent) if initdb else "")
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").is_file() and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresServer:
    bin_dir: Path
    root: Path
    port: int
    run_as: list[str]
    created: int = 0

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def _run(self, tool: str, *args: str, as_owner: bool = False) -> None:
        command = [*(self.run_as if as_owner else []), str(self.bin_dir / tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data_dir), "-A", "trust", "-U", USER, "--no-sync", as_owner=True)
        self.resume()

    def halt(self) -> None:
        """Stop the server and keep its data: a catalog that goes away under a running lake; resume() restarts."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop", as_owner=True)

    def resume(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.root} -c fsync=off -c max_connections=200"
        log = str(self.root / "server.log")
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-o", options, "-l", log, "-w", "-t", "60", "start", as_owner=True
        )

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop", as_owner=True)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def dsn(self, dbname: str) -> str:
        return f"dbname={dbname} host=127.0.0.1 port={self.port} user={USER}"

    def create_database(self, prefix: str = "lake", template: str | None = None) -> str:
        self.created += 1
        name = f"{prefix}_{self.created}"
        extra = ["-T", template] if template else []
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, *extra, name)
        return name

    def log_tail(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def start_server() -> PostgresServer:
    bin_dir = pg_bin()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) not found; apt-get install postgresql")
    root = Path(tempfile.mkdtemp(prefix="depin-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # postgres will not run as root
        owner = os.environ.get("PG_TEST_USER", "postgres")
        shutil.chown(root, user=owner)
        run_as = ["runuser", "-u", owner, "--"]
    server = PostgresServer(bin_dir=bin_dir, root=root, port=free_port(), run_as=run_as)
    try:
        server.start()
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return server
