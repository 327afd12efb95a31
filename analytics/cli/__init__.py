"""The `depin` command line. Every command takes --db PATH (or DEPIN_DB) and --help.

Commands live in modules by theme; importing them registers them on the `main` group.
"""

from analytics.cli import bench, compare, data, doctor, investors, network, prices  # noqa: F401  (registers the commands)
from analytics.cli.base import main

__all__ = ["main"]
