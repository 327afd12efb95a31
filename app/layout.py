"""Page layout helpers that work at phone width too.

Streamlit cannot tell the page's width on the server, and at phone width the sidebar starts collapsed, so
filters placed there are invisible with no hint. `filters_container()` puts them at the top of the main area
in an expander instead: one tap away on a phone, out of the way on a desktop."""

from __future__ import annotations

import streamlit as st


def filters_container(label: str = "Filters", *, expanded: bool = False, summary: str | None = None):
    """A container for a page's filters at the top of the main area. `summary` (e.g. "H100 · on-demand")
    shows the current choice on the collapsed expander so nobody has to open it to know what is shown."""
    title = f":material/tune: {label}" + (f": {summary}" if summary else "")
    return st.expander(title, expanded=expanded)


def answer(sentence: str) -> None:
    """The page's answer in one sentence generated from the data, shown right under the title."""
    st.markdown(f"**{sentence}**")


# The market overview several pages check is an article, not this dashboard's Overview page: name it.
MARKET_OVERVIEW_SOURCE = (
    'The market overview is the article "What is GPU DePIN in 2026", shipped in docs/market-overview-2026.txt '
    "(where each claim is checked: docs/MARKET_OVERVIEW.md); not this dashboard's Overview page."
)
