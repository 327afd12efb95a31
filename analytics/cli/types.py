"""Parameter types for numeric command-line input: finite, within bounds, with a message naming the input."""

from __future__ import annotations

import math

import click

# Larger than any real price, wattage or hardware cost; a figure beyond it is a typo or an attack on the maths.
MAX_MAGNITUDE = 1e12


class FiniteFloat(click.ParamType):
    """A float that is finite (no nan, inf), not absurdly large, and optionally within [min, max]."""

    name = "number"

    def __init__(self, min: float | None = None, max: float | None = None) -> None:
        self.min, self.max = min, max

    def convert(self, value, param, ctx) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number):
            self.fail(f"must be a finite number, got {value!r}", param, ctx)
        if abs(number) > MAX_MAGNITUDE:
            self.fail(f"{value!r} is implausibly large (limit {MAX_MAGNITUDE:g})", param, ctx)
        if self.min is not None and number < self.min:
            self.fail(f"must be at least {self.min:g}, got {value!r}", param, ctx)
        if self.max is not None and number > self.max:
            self.fail(f"must be at most {self.max:g}, got {value!r}", param, ctx)
        return number


FINITE = FiniteFloat()
