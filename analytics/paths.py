"""Where the bundled data lives: the checkout's data/ folder, or the copy shipped inside a wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT_ROOT = _PACKAGE_DIR.parent


def checkout_root() -> Path | None:
    """The repository root when running from a source checkout (editable install), else None."""
    if (_CHECKOUT_ROOT / "pyproject.toml").is_file() and (_CHECKOUT_ROOT / "data" / "snapshot").is_dir():
        return _CHECKOUT_ROOT
    return None


def bundled_data_dir() -> Path:
    """Folder holding the snapshot, published prices and reference tables."""
    root = checkout_root()
    if root is not None:
        return root / "data"
    return _PACKAGE_DIR / "_bundled_data"


def app_entry_script() -> Path:
    """The Streamlit entry script (app/streamlit_app.py), wherever the package is installed."""
    import app  # the UI package ships next to analytics; importing it does not import Streamlit

    return Path(app.__file__).resolve().parent / "streamlit_app.py"
