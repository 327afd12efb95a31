"""DePIN Lens entry script: page setup and navigation only. Add a page with one line in PAGES."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run app/streamlit_app.py` puts app/ on sys.path, not the repository root.
_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

PAGES = [
    st.Page("views/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("views/cost_comparison.py", title="Cost comparison", icon=":material/compare_arrows:"),
    st.Page("views/token_markets.py", title="Token markets", icon=":material/candlestick_chart:"),
    st.Page("views/tokenomics.py", title="Tokenomics", icon=":material/token:"),
    st.Page("views/node_earnings.py", title="Node earnings", icon=":material/bolt:"),
    st.Page("views/due_diligence.py", title="Due diligence", icon=":material/checklist:"),
    st.Page("views/gpu_benchmark.py", title="GPU benchmark", icon=":material/speed:"),
    st.Page("views/data_sources.py", title="Data & sources", icon=":material/dataset:"),
]

from analytics.store import StoreError  # noqa: E402  (after the sys.path fix above)
from analytics.store.errors import STORE_FAILURES, describe_store_error  # noqa: E402

st.set_page_config(page_title="DePIN Lens", page_icon=":material/memory:", layout="wide")
try:
    st.navigation(PAGES).run()
except StoreError as exc:  # missing, locked, too new, not writable: the message says what to do
    st.error(str(exc), icon=":material/database:")
except STORE_FAILURES as exc:  # checksum, I/O, disk full while a page's query ran
    st.error(describe_store_error(exc), icon=":material/database:")
