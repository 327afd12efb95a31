"""A real S3-compatible server for the DuckLake object-storage tests: moto's server (the `moto[server]` extra)
on 127.0.0.1 and a free port, in a thread of the test process, stopped when the session ends.

It speaks the S3 REST API over HTTP (path-style URLs, region us-east-1), which is what DuckDB's httpfs sends
to any S3-compatible endpoint (MinIO, Ceph...). It accepts any access key and does not check signatures, so
the tests prove the data path and the settings plumbing, not AWS authentication.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

KEY_ID = "depin-test-key"
SECRET = "depin-test-secret-NEVER-PRINTED"  # tests assert this never shows in any output
REGION = "us-east-1"


def moto_unavailable() -> str | None:
    for module in ("moto.server", "boto3", "flask"):
        try:
            if importlib.util.find_spec(module) is None:
                raise ImportError(module)
        except ImportError:
            return "moto's S3 server is not installed (pip install -e '.[test]' brings moto[server])"
    return None


@dataclass
class S3Server:
    server: object  # moto.server.ThreadedMotoServer
    host: str
    port: int
    buckets: int = 0

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
        )

    def create_bucket(self, prefix: str = "lake") -> str:
        self.buckets += 1
        name = f"{prefix}-{self.buckets}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every object key under the prefix (all pages)."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))

    def environment(self) -> dict[str, str]:
        """DEPIN_LAKE_S3_* that point an s3:// data path at this server."""
        return {
            "DEPIN_LAKE_S3_ENDPOINT": self.endpoint,
            "DEPIN_LAKE_S3_REGION": REGION,
            "DEPIN_LAKE_S3_KEY_ID": KEY_ID,
            "DEPIN_LAKE_S3_SECRET": SECRET,
        }

    def stop(self) -> None:
        self.server.stop()


def start_server() -> S3Server:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return S3Server(server=server, host=host, port=port)
