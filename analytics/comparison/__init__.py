"""Like-for-like price comparison: market segments and the binary lens, two-stage medians, the comparison
and robustness tables, source conflicts and price history. Pure functions over offer frames; queries live in
analytics/queries.py."""
