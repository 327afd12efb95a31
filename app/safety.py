"""What the pages need for shared deployments: the viewer mode, and user text shown as plain text.

Viewer mode (DEPIN_READ_ONLY=1, set by `depin dashboard --read-only`, the default off loopback): every control
that writes (due-diligence add/save, benchmark runs, loading or upgrading the database) is hidden, and the
database is never migrated or loaded from a page.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path

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


def bench_lock_path(store_locator: str) -> Path:
    """The lock that lets one benchmark run at a time per store on this machine."""
    digest = hashlib.sha1(store_locator.encode(), usedforsecurity=False).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"depin-lens-bench-{digest}.lock"


def viewer_mode_notice(what: str) -> None:
    st.caption(f"{what} is not available here: this dashboard is shared in viewer mode (read-only).")
