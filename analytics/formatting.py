"""Numbers as people read them: one place, so the page, the CLI and generated sentences agree."""

from __future__ import annotations

import math


def usd(value: float | None, digits: int = 2) -> str:
    """'$1,234.56', '-$1.66' (the sign before the currency symbol), 'n/a' for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    sign = "-" if value < 0 and round(abs(value), digits) != 0 else ""
    return f"{sign}${abs(value):,.{digits}f}"
