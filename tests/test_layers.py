"""The layers point one way: analytics never imports Streamlit; pages hold no SQL and no store access."""

import ast

from tests.conftest import REPO


def python_files(folder):
    return sorted((REPO / folder).rglob("*.py"))


def test_analytics_never_imports_streamlit():
    for path in python_files("analytics"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "streamlit" for n in names), f"{path} imports streamlit"


def test_pages_contain_no_sql():
    for path in python_files("app"):
        text = path.read_text()
        for marker in ("SELECT ", "INSERT ", "query_df(", "query_rows(", "duckdb"):
            assert marker not in text, f"{path.relative_to(REPO)} contains {marker!r}: move it to analytics"
