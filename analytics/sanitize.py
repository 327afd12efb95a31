"""Text and numbers from outside made safe to store and to print.

Strings: a lone surrogate (valid JSON: "\\ud800") cannot be encoded as UTF-8, so DuckDB and every writer
downstream would fail on it; a NUL byte truncates text in many tools. Both are replaced with U+FFFD and the
caller is told, so the record can be flagged rather than silently altered. Numbers: JSON has no NaN or
Infinity, so `strict_json` turns them into null instead of printing something no JSON parser accepts.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_BAD_CODE_POINTS = re.compile("[\ud800-\udfff\x00]")
REPLACEMENT = "\ufffd"
MAX_DEPTH = 64


def clean_text(text: str) -> tuple[str, bool]:
    """(text with invalid code points replaced, whether anything was replaced)."""
    cleaned, count = _BAD_CODE_POINTS.subn(REPLACEMENT, text)
    return cleaned, bool(count)


def sanitize(value: Any, _depth: int = 0) -> tuple[Any, bool]:
    """Clean every string (keys included) in a JSON-like value; (cleaned value, whether anything changed).
    Nesting deeper than MAX_DEPTH is cut to a placeholder string (and counts as a change)."""
    if isinstance(value, str):
        return clean_text(value)
    if _depth >= MAX_DEPTH and isinstance(value, dict | list | tuple):
        return "(nested too deeply)", True
    if isinstance(value, dict):
        changed, out = False, {}
        for key, item in value.items():
            new_key, key_changed = clean_text(key) if isinstance(key, str) else (key, False)
            new_item, item_changed = sanitize(item, _depth + 1)
            out[new_key] = new_item
            changed = changed or key_changed or item_changed
        return out, changed
    if isinstance(value, list | tuple):
        items = [sanitize(item, _depth + 1) for item in value]
        return type(value)(i for i, _ in items) if isinstance(value, tuple) else [i for i, _ in items], any(
            c for _, c in items
        )
    return value, False


def finite_or_none(value: Any, _depth: int = 0) -> Any:
    """The same structure with NaN and +/-Infinity floats replaced by None (JSON null)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if _depth >= MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {k: finite_or_none(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_none(v, _depth + 1) for v in value]
    try:  # numpy floats
        import numpy as np

        if isinstance(value, np.floating):
            return float(value) if np.isfinite(value) else None
    except ImportError:  # pragma: no cover
        pass
    return value


def strict_json(value: Any, **kwargs: Any) -> str:
    """json.dumps that never prints NaN or Infinity (they become null) and fails on anything else non-JSON
    instead of writing it."""
    kwargs.setdefault("default", str)
    return json.dumps(finite_or_none(value), allow_nan=False, **kwargs)
