"""What the pages need for shared deployments: the viewer mode, and user text shown as plain text.

Viewer mode (DEPIN_READ_ONLY=1, set by `depin dashboard --read-only`, the default off loopback): every control
that writes (due-diligence add/save, benchmark runs, loading or upgrading the database) is hidden, and the
database is never migrated or loaded from a page.
"""

from __future__ import annotations

import re

import streamlit as st

from analytics.settings import get_settings

# CommonMark's escapable punctuation, plus what Streamlit adds (":material/x:", ":red[...]", "$math$").
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=])")


def read_only() -> bool:
    return get_settings().read_only


def plain(text: object, max_chars: int = 200) -> str:
    """User-supplied text made safe to embed in a Markdown message: one line, bounded, every character that
    Markdown or Streamlit would interpret escaped (no links, images, HTML or colour directives)."""
    value = " ".join(str(text).split())
    if len(value) > max_chars:
        value = value[: max_chars - 1] + "…"
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


def viewer_mode_notice(what: str) -> None:
    st.caption(f"{what} is not available here: this dashboard is shared in viewer mode (read-only).")
