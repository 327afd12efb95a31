"""No page prints Streamlit internals: magic is off, no page has a bare expression, and every rendered page's
text is free of DeltaGenerator docs and tracebacks."""

import ast
import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO
from tests.stores import use_store
from tests.streamlit_text import leaked_internals

ENTRY = str(REPO / "app" / "streamlit_app.py")
PAGES = sorted(
    p.relative_to(REPO / "app").as_posix() for p in (REPO / "app" / "views").glob("*.py") if p.stem != "__init__"
)


def test_magic_is_off_in_the_app_config_and_the_dashboard_command():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["magicEnabled"] is False
    source = (REPO / "analytics" / "cli" / "data.py").read_text(encoding="utf-8")
    assert '"--runner.magicEnabled",\n        "false"' in source


def bare_expressions(path) -> list[int]:
    """Lines of expression statements magic would render: anything but calls, awaits, yields and docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Expr):
            continue
        if isinstance(node.value, ast.Call | ast.Await | ast.Yield | ast.YieldFrom):
            continue
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            continue  # docstrings (magic skips them)
        lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("page", ["streamlit_app.py", "data.py", *PAGES])
def test_no_page_has_a_bare_expression(page):
    assert bare_expressions(REPO / "app" / page) == []


def test_the_scan_catches_magic_output():
    """The check below can fail: a conditional expression statement renders a DeltaGenerator under magic."""
    at = AppTest.from_string(
        "import streamlit as st\nst.caption('a') if False else st.caption('b')\n", default_timeout=30
    ).run()
    assert "DeltaGenerator" in leaked_internals(at)
    assert bare_expressions_in_source("import streamlit as st\nst.caption('a') if False else st.caption('b')\n")


def bare_expressions_in_source(source: str) -> bool:
    return any(
        isinstance(n, ast.Expr) and not isinstance(n.value, ast.Call | ast.Constant)
        for n in ast.walk(ast.parse(source))
    )


def test_every_page_renders_without_streamlit_internals(snapshot_store, monkeypatch):
    use_store(monkeypatch, snapshot_store)
    at = AppTest.from_file(ENTRY, default_timeout=120).run()
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, page
        assert leaked_internals(at) == [], page
