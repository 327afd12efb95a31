"""One formatting layer for every table in the dashboard.

    from app.format import count, money, percent, show_table, text

    show_table(
        offers,
        {
            "provider": text("Provider", pinned=True),
            "price_per_gpu_hour_usd": money("Per GPU-hour", help="List price divided by GPUs in the offer"),
            "discount_pct": percent("Discount", why_missing="fewer than 3 offers on one side"),
            "offers": count("Offers"),
        },
    )

Each column gets a human label (with its unit), a tooltip, and cells written the same way everywhere: money as
`$1,234.56` (`-$1.66`), percentages as `12.3 %`, counts as `1,234`, dates as `2026-03-21`, and a missing value
as an em dash whose reason is in the column's tooltip. Cells keep their numeric values, so sorting by a column
still sorts numbers. Only the listed columns are shown, in the order listed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from analytics import formatting
from analytics.formatting import MISSING, humanize

__all__ = [
    "MISSING",
    "Col",
    "count",
    "day",
    "flag",
    "link",
    "money",
    "moment",
    "number",
    "percent",
    "price",
    "prepare",
    "provider",
    "show_table",
    "table_config",
    "text",
]


@dataclass(frozen=True)
class Col:
    """How one column is labelled and written. Build it with money(), percent(), count(), ... below."""

    label: str
    formatter: Callable[[Any], str] = formatting.text
    help: str | None = None
    why_missing: str | None = None
    width: str | int | None = None
    pinned: bool | None = None
    kind: str = "text"
    link_text: str | None = None
    # how the browser writes this column's numbers exactly as `formatter` would (None: the server writes them)
    client_format: Callable[[pd.Series], tuple[pd.Series, str] | None] | None = None

    def tooltip(self) -> str | None:
        parts = [p for p in (self.help, self.why_missing and f"{MISSING} = {self.why_missing}") if p]
        return "\n\n".join(parts) or None

    def with_(self, **changes: Any) -> Col:
        return replace(self, **changes)


# The browser formats complete numeric columns itself (st.column_config.NumberColumn): the server then sends
# numbers only, instead of a display string per cell through pandas' Styler, which cost most of a warm page run.
# Each rule returns (values, format) only where the browser's text equals the formatter's.


def _dollars(values: pd.Series) -> tuple[pd.Series, str] | None:
    near_zero = (values < 0) & (values > -0.005)  # the browser would write "-$0.00"
    return None if near_zero.any() else (values, "dollar")


def _dollars_above_one(values: pd.Series) -> tuple[pd.Series, str] | None:
    small = (values.abs() < 1) & (values != 0)  # below a dollar a price keeps four significant digits
    return None if small.any() else _dollars(values)


def _fixed(digits: int, suffix: str = "", sign: str = "", scale: float = 1.0):
    def rule(values: pd.Series) -> tuple[pd.Series, str] | None:
        scaled = values * scale
        if (scaled.abs() >= 1000).any():  # printf formats have no thousands separator
            return None
        return scaled, f"%{sign}.{digits}f{suffix.replace('%', '%%')}"

    return rule


def _whole(values: pd.Series) -> tuple[pd.Series, str] | None:
    return values.round(), "localized"  # 1,234 (in the reader's locale)


def money(label: str, help: str | None = None, *, digits: int = 2, **kw: Any) -> Col:
    rule = _dollars if digits == 2 else None
    return Col(label, partial(formatting.money, digits=digits), help, kind="money", client_format=rule, **kw)


def price(label: str, help: str | None = None, **kw: Any) -> Col:
    """Market prices spanning $0.02 to $100,000: cents above $1, four significant digits below."""
    return Col(label, formatting.price, help, kind="money", client_format=_dollars_above_one, **kw)


def percent(
    label: str, help: str | None = None, *, digits: int = 1, fraction: bool = False, signed: bool = False, **kw: Any
) -> Col:
    """`fraction=True` when the data holds 0.123 for 12.3 %."""
    fmt = partial(formatting.percent, digits=digits, fraction=fraction, signed=signed)
    rule = _fixed(digits, " %", "+" if signed else "", 100.0 if fraction else 1.0)
    return Col(label, fmt, help, kind="percent", client_format=rule, **kw)


def count(label: str, help: str | None = None, **kw: Any) -> Col:
    return Col(label, formatting.count, help, kind="count", client_format=_whole, **kw)


def number(label: str, help: str | None = None, *, digits: int = 2, unit: str = "", **kw: Any) -> Col:
    """A plain quantity; put its unit in the label ("Bandwidth (GB/s)") or in `unit` for every cell."""
    rule = _fixed(digits, f" {unit}" if unit else "")
    return Col(
        label, partial(formatting.number, digits=digits, unit=unit), help, kind="number", client_format=rule, **kw
    )


def day(label: str, help: str | None = None, **kw: Any) -> Col:
    return Col(label, formatting.day, help, kind="date", **kw)


def moment(label: str, help: str | None = None, **kw: Any) -> Col:
    return Col(label, formatting.moment, help, kind="datetime", **kw)


def text(label: str, help: str | None = None, *, words: bool = False, **kw: Any) -> Col:
    """`words=True` writes identifiers as words (`on_demand` -> `on demand`)."""
    return Col(label, formatting.words if words else formatting.text, help, kind="text", **kw)


def provider(label: str, help: str | None = None, *, several: bool = False, **kw: Any) -> Col:
    """Provider ids written as their names (`aws` -> `AWS`); `several=True` for a comma-separated list."""
    name = formatting.provider_names if several else formatting.provider_name

    def fmt(value: Any) -> str:
        return formatting.text(name(value))

    return Col(label, fmt, help, kind="text", **kw)


def flag(label: str, help: str | None = None, *, yes: str = "yes", no: str = "no", **kw: Any) -> Col:
    """A true/false column written as words ("stale" / "fresh")."""

    def fmt(value: Any) -> str:
        return MISSING if formatting.is_missing(value) else (yes if bool(value) else no)

    return Col(label, fmt, help, kind="flag", **kw)


def link(label: str, help: str | None = None, *, link_text: str | None = None, **kw: Any) -> Col:
    """A URL column; `link_text` (e.g. "open") replaces the long address in the cell."""
    return Col(label, formatting.text, help, kind="link", link_text=link_text, **kw)


def table_config(columns: Mapping[str, Col], formats: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The `column_config` for st.dataframe / st.data_editor: labels, tooltips, widths, pinned columns, and the
    number format of the columns the browser writes itself (`formats`, from `prepare`)."""
    config: dict[str, Any] = {}
    formats = formats or {}
    for name, col in columns.items():
        common = {"width": col.width, "help": col.tooltip(), "pinned": col.pinned}
        if col.kind == "link":
            config[name] = st.column_config.LinkColumn(col.label, display_text=col.link_text, **common)
        elif name in formats:
            config[name] = st.column_config.NumberColumn(col.label, format=formats[name], **common)
        else:
            config[name] = st.column_config.Column(col.label, **common)
    return config


def prepare(frame: pd.DataFrame, columns: Mapping[str, Col]) -> tuple[Any, dict[str, str]]:
    """The frame's listed columns ready to draw, and the number formats the browser applies.

    Streamlit's grid draws a null cell as a grey 'None' whatever the display text says, so a column with
    missing values is turned into its formatted text (it then sorts as text); so are text, flag and date
    columns (ISO dates sort as text). A complete numeric column keeps its numbers (and sorts as numbers): the
    browser formats it where it writes exactly what the formatter would, else pandas' Styler does."""
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise KeyError(f"show_table: no column {missing} in the frame (it has {list(frame.columns)})")
    shown = frame.loc[:, list(columns)].reset_index(drop=True)
    formatters: dict[str, Callable[[Any], str]] = {}
    formats: dict[str, str] = {}
    for name, col in columns.items():
        values = shown[name]
        if col.kind == "link":
            shown[name] = values.astype(object).where(values.notna(), None)
        elif values.isna().any() or col.kind in ("text", "flag", "date", "datetime") or values.dtype.kind not in "iuf":
            shown[name] = values.map(col.formatter).astype(object)  # a bool column would be drawn as a checkbox
        elif col.client_format is not None and (rule := col.client_format(values.astype(float))) is not None:
            shown[name], formats[name] = rule
        else:
            formatters[name] = col.formatter
    return (shown.style.format(formatters, na_rep=MISSING) if formatters else shown), formats


def show_table(
    frame: pd.DataFrame | list[dict],
    columns: Mapping[str, Col] | None = None,
    *,
    height: int | str = "auto",
    key: str | None = None,
    on_select: str = "ignore",
    selection_mode: str = "single-row",
) -> Any:
    """st.dataframe through the formatting layer. Columns not given a Col get a humanized label."""
    frame = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)
    if columns is None:
        columns = {name: text(humanize(str(name))) for name in frame.columns}
    data, formats = prepare(frame, columns)
    return st.dataframe(
        data,
        column_config=table_config(columns, formats),
        hide_index=True,
        width="stretch",
        height=height,
        key=key,
        on_select=on_select,
        selection_mode=selection_mode,
    )
