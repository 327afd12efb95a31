"""One look for every plotly chart: the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies and in greyscale print, together with the dash styles below), the legend in a row under the plot
(it no longer eats 40 % of a phone screen), and axis titles that must say their unit.

    fig = px.line(frame, ...)
    show_chart(style(fig, x_title="", y_title="Growth of $1 (USD)"))
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import cycle
from typing import Any

import plotly.graph_objects as go
import streamlit as st

# Okabe & Ito (2008), "Color Universal Design"; black last so it is the rarest.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
UP, DOWN = "#0072B2", "#D55E00"  # candlesticks: blue up, vermillion down (not green/red)
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
# One colour per market segment on every chart (pass as color_discrete_map, style(..., recolour=False)).
SEGMENT_COLOURS = {
    "Hyperscaler": OKABE_ITO[0],
    "Neocloud": OKABE_ITO[1],
    "Data-centre marketplace": OKABE_ITO[2],
    "Community marketplace": OKABE_ITO[3],
    "DePIN network": OKABE_ITO[5],
}
_RECOLOURED = {"scatter", "scattergl", "bar", "box", "violin", "histogram"}


def style(
    fig: go.Figure,
    *,
    x_title: str | None = None,
    y_title: str | None = None,
    legend_title: str | None = None,
    height: int | None = None,
    recolour: bool = True,
    dashes: bool = False,
) -> go.Figure:
    """Palette, legend below the plot, titles. `recolour` repaints px traces per legend group in palette order;
    `dashes` also gives each line series its own dash style (for print)."""
    fig.update_layout(
        colorway=OKABE_ITO,
        legend={
            "orientation": "h",
            "yanchor": "top",
            "y": -0.24 if x_title else -0.12,  # below the x-axis title, which it covered on a phone
            "xanchor": "left",
            "x": 0,
            "title": {"text": legend_title or ""},
        },
        margin={"l": 8, "r": 8, "t": 48, "b": 8},
        hoverlabel={"namelength": -1},
    )
    if height:
        fig.update_layout(height=height)
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)
    if recolour:
        _recolour(fig, dashes)
    return fig


def _recolour(fig: go.Figure, dashes: bool) -> None:
    colours: dict[str, str] = {}
    line_styles: dict[str, str] = {}
    palette, dash_cycle = cycle(OKABE_ITO), cycle(DASHES)
    for trace in fig.data:
        if trace.type not in _RECOLOURED:
            continue
        group = trace.legendgroup or trace.name or str(len(colours))
        if group not in colours:
            colours[group], line_styles[group] = next(palette), next(dash_cycle)
        colour = colours[group]
        if trace.type in ("scatter", "scattergl"):
            trace.update(line={"color": colour}, marker={"color": colour})
            if dashes and trace.mode and "lines" in trace.mode:
                trace.update(line={"dash": line_styles[group]})
        elif trace.type in ("box", "violin"):
            trace.update(marker={"color": colour}, line={"color": colour})
        else:
            trace.update(marker={"color": colour})


def _move_title(fig: go.Figure) -> None:
    """The plotly title becomes text above the chart (it wraps on a phone where a plotly title is cut off)."""
    title = fig.layout.title.text
    if title:
        fig.update_layout(title_text="", margin_t=16, meta={"title": title})


def shared_figure(builder: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """A chart built once per input and handed to every session as the same object (st.cache_resource: no
    copy, no rebuild per rerun; plotly's figure building is most of a warm page run). The builder takes only
    hashable inputs, reads its data through the cached queries, and returns a styled figure; nobody changes it
    afterwards (show_chart does not)."""
    from functools import wraps

    from app.data import TTL_S

    @wraps(builder)
    def build(*args: Any, **kwargs: Any) -> go.Figure:
        fig = builder(*args, **kwargs)
        _move_title(fig)
        return fig

    return st.cache_resource(ttl=TTL_S, max_entries=64, show_spinner=False)(build)


def show_chart(fig: go.Figure, *, key: str | None = None) -> None:
    """The chart at full width, its title written above it as text."""
    if fig.layout.title.text:  # a figure built here, not shared: safe to change
        _move_title(fig)
    meta = fig.layout.meta
    title = meta.get("title") if isinstance(meta, dict) else None
    if title:
        st.markdown(f"**{title}**")
    st.plotly_chart(fig, width="stretch", key=key, config={"displaylogo": False})
