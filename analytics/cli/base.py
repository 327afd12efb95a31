"""The `depin` command group and what every command shares: the database option, one-line errors.

Errors a person can act on (locked or missing database, unwritable path, bad settings) print one line
starting with "error:" and exit 1; click reports unknown flags and bad values with exit 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # pandas, DuckDB and pydantic load only when a command runs: `depin --help` stays fast
    from analytics.settings import Settings
    from analytics.store import Store


class _Context:
    def __init__(self, db: Path | None) -> None:
        self._db = db
        # A command's own options (init --store ducklake --catalog ...) override the DEPIN_* settings.
        self.overrides: dict[str, str] = {}

    @property
    def settings(self) -> Settings:
        from analytics.settings import get_settings

        overrides = dict(self.overrides)
        if self._db is not None:
            overrides.setdefault("store", "duckdb")  # an explicit --db names a DuckDB file
        return get_settings(db=self._db, **overrides)

    @property
    def store_name(self) -> str | None:
        """What an error line calls the store: the DuckDB file, or the lake (catalog without its password)."""
        import pydantic

        from analytics.store import StoreError

        try:
            return self.store.display_name
        except (pydantic.ValidationError, StoreError):
            return str(self._db) if self._db is not None else None

    @property
    def store(self) -> Store:
        from analytics.store.factory import open_store

        return open_store(self.settings)


class _Group(click.Group):
    """Turns expected failures into one clear line instead of a traceback."""

    def invoke(self, ctx: click.Context):
        import pydantic

        from analytics.store import StoreError
        from analytics.store.errors import STORE_FAILURES, describe_store_error

        try:
            return super().invoke(ctx)
        except StoreError as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
        except STORE_FAILURES as exc:  # checksum, I/O, disk full while a query ran
            _fail(describe_store_error(exc, getattr(ctx.obj, "store_name", None)))
        except pydantic.ValidationError as exc:
            problems = "; ".join(f"DEPIN_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
            _fail(f"invalid setting: {problems}")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="DuckDB file to use (default: DEPIN_DB, else data/depin.duckdb in a checkout).",
)
@click.version_option(package_name="depin-lens")
@click.pass_context
def main(ctx: click.Context, db: Path | None) -> None:
    """DePIN Lens: decentralized vs centralized GPU prices, and the tokens behind the networks."""
    ctx.obj = _Context(db)
