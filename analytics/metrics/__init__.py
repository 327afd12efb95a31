"""Metrics computed from store frames: pure functions, no I/O besides the query helpers they are given."""
