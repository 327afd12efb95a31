"""Property tests: every collector and market parser, fed payloads mutated from the project's own fixtures
(wrong types, nulls, non-finite and huge numbers, odd unicode incl. lone surrogates, missing and extra fields),
either refuses the payload as a whole with the project's own PayloadError/SourceError or returns rows that
are all valid; a record of the wrong shape is quarantined, never a crash. Bounded and deterministic."""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import json
import math
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.collectors import COLLECTORS, OfferRow, SourceError
from analytics.markets import coingecko
from analytics.markets.candles import split_page
from analytics.markets.tokens import token_list
from analytics.offers import MAX_PLAUSIBLE_USD_PER_GPU_HOUR, MIN_PLAUSIBLE_USD_PER_GPU_HOUR, offer_frame
from analytics.refresh_writes import raw_json
from analytics.settings import Settings
from tests.fakeserver import FIXTURES

EXAMPLES = 300
OBSERVED = datetime(2026, 11, 30, 12, 0)
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
JSON_FIXTURES = {
    "akash": "akash/v1/gpu-prices.json",
    "ionet": "ionet/v1/io-cloud/vmaas/hardware.json",
    "vastai": "vastai/api/v0/bundles/index.json",
    "runpod": "runpod/graphql/index.json",
    "lambda": "lambda/api/v1/instance-types.json",
}

HOSTILE_TEXT = ["", "x", "1.0", "1e308", "-1", "NaN", "Infinity", "\ud800", "\x00", "H100 \udfff", "🚀" * 50]
hostile_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e308, -1e308, 1e-308, 2**63, 10**400]),
    st.text(max_size=12),
    st.sampled_from(HOSTILE_TEXT),
    st.just([None]),
    st.lists(st.integers(min_value=-3, max_value=3), max_size=3),
    st.dictionaries(st.sampled_from(["a", "name", "price", "min"]), st.integers(), max_size=2),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


def _mutate(payload, path, action, value):
    if not path:
        return value if action == "replace" else payload
    parent = payload
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete":
        if isinstance(parent, dict):
            del parent[last]
        else:
            parent.pop(last)
    elif action == "extra" and isinstance(parent[last], dict):
        parent[last]["unexpected_field"] = value
    return payload


def mutated_json(base):
    paths = list(_paths(base))
    actions = st.sampled_from(["replace", "delete", "extra"])
    mutation = st.tuples(st.integers(0, len(paths) - 1), actions, hostile_values)

    def build(mutations):
        payload = copy.deepcopy(base)
        for index, action, value in mutations:
            # an earlier mutation may have removed or replaced this path
            with contextlib.suppress(KeyError, IndexError, TypeError, AttributeError):
                payload = _mutate(payload, paths[index], action, value)
        return payload

    return st.lists(mutation, min_size=1, max_size=3).map(build)


def _check_row(row):
    assert isinstance(row, OfferRow)
    assert type(row.gpu_count) is int and 1 <= row.gpu_count <= 64
    assert type(row.price_usd_per_hour) is float and math.isfinite(row.price_usd_per_hour)
    assert row.price_usd_per_hour > 0
    for value in (row.gpu_memory_gb, row.vcpus, row.memory_gib):
        assert value is None or (type(value) is float and math.isfinite(value))
    for text in (row.provider, row.instance_type, row.gpu_name_raw, row.region, row.hint, row.price_as_of, row.via):
        assert text is None or (isinstance(text, str) and isinstance(text.encode("utf-8"), bytes))


def _no_constants(name):
    raise AssertionError(f"non-JSON constant {name} in stored JSON")


def check_offer_parse(name, raw):
    collector = COLLECTORS[name](Settings(_env_file=None))
    try:
        result = collector.parse(raw, OBSERVED)
    except SourceError:  # PayloadError included: the whole payload's shape is wrong
        return
    for row in result.rows:
        _check_row(row)
    for record, reason in result.rejected:
        assert isinstance(reason, str) and reason
        json.loads(raw_json(record), parse_constant=_no_constants)
    frame, quarantined = offer_frame(result, name, OBSERVED)
    if not frame.empty:
        per_gpu = frame["price_per_gpu_hour_usd"]
        assert per_gpu.between(MIN_PLAUSIBLE_USD_PER_GPU_HOUR, MAX_PLAUSIBLE_USD_PER_GPU_HOUR).all()
        for text in frame["gpu_name_raw"]:
            text.encode("utf-8")
        for attributes in frame["attributes"].dropna():
            json.loads(attributes, parse_constant=_no_constants)
    assert len(frame) + len(quarantined) >= len(result.rows)


@pytest.mark.parametrize("name", sorted(JSON_FIXTURES))
def test_json_collectors_quarantine_bad_records_and_never_crash(name):
    base = json.loads((FIXTURES / JSON_FIXTURES[name]).read_text())

    @FUZZ
    @given(mutated_json(base))
    def run(raw):
        check_offer_parse(name, raw)

    run()


def _csv_rows(text):
    return [row for row in csv.reader(io.StringIO(text))]


def _csv_text(rows):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


cell_values = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=10), st.floats().map(repr), st.just("1.5"))


def mutated_csv(text):
    rows = _csv_rows(text)
    height, width = len(rows), max(len(r) for r in rows)
    edit = st.tuples(st.integers(0, height - 1), st.integers(0, width), cell_values)

    def build(edits):
        table = copy.deepcopy(rows)
        for r, c, value in edits:
            if c < len(table[r]):
                table[r][c] = value
            else:
                table[r].append(value)  # an extra field
        return _csv_text(table)

    return st.lists(edit, min_size=1, max_size=4).map(build)


def test_skypilot_quarantines_bad_cells_and_never_crashes():
    clouds = {c: (FIXTURES / f"skypilot/v7/{c}/vms.csv").read_text() for c in ("aws", "gcp", "azure", "oci")}

    @FUZZ
    @given(st.sampled_from(sorted(clouds)), mutated_csv(clouds["aws"]), st.booleans())
    def run(cloud, text, truncate):
        raw = {**clouds, cloud: text[: len(text) // 2] if truncate else text}
        check_offer_parse("skypilot", raw)

    run()


def test_published_quarantines_bad_cells_and_never_crashes():
    base = (FIXTURES / "published/published_prices.csv").read_text()

    @FUZZ
    @given(mutated_csv(base))
    def run(text):
        check_offer_parse("published", text)

    run()


def test_coingecko_keeps_only_finite_non_negative_snapshots():
    base = json.loads((FIXTURES / "coingecko/coins/markets.json").read_text())
    tokens = token_list()

    @FUZZ
    @given(mutated_json(base))
    def run(raw):
        try:
            frame, rejected = coingecko.parse_markets(raw, tokens, OBSERVED)
        except SourceError:
            return
        for column in ("price_usd", "market_cap_usd", "fdv_usd", "circulating_supply", "volume_24h_usd"):
            if column in frame:
                values = frame[column].dropna()
                assert values.map(lambda v: isinstance(v, float | int) and math.isfinite(v) and v >= 0).all()
        if "price_usd" in frame:
            assert (frame["price_usd"].dropna() > 0).all()
        for record, _ in rejected:
            json.loads(raw_json(record), parse_constant=_no_constants)

    run()


DAY_MS = 86_400_000
BASE_CANDLES = [[i * DAY_MS, 1.0, 1.2, 0.9, 1.1, 1000.0] for i in range(1, 11)]


def test_candle_pages_store_only_finite_positive_consistent_candles():
    @FUZZ
    @given(mutated_json(BASE_CANDLES))
    def run(page):
        kept, rejected = split_page(page, since_ms=0, tf_ms=DAY_MS, now_ms=20 * DAY_MS)
        for ts, open_, high, low, close, volume in kept:
            assert isinstance(ts, int)
            for price in (open_, high, low, close):
                assert math.isfinite(price) and price > 0
            assert low <= min(open_, close) <= max(open_, close) <= high
            assert volume is None or (math.isfinite(volume) and volume >= 0)
        for candle, reason in rejected:
            assert reason
            json.loads(raw_json(candle), parse_constant=_no_constants)

    run()


def test_candles_with_close_at_or_below_zero_are_rejected():
    page = [[DAY_MS, 1.0, 1.2, 0.9, 0.0, 5.0], [2 * DAY_MS, 1.0, 1.2, -1.0, -1.0, 5.0], [3 * DAY_MS, 1, 2, 1, 1.5, 0]]
    kept, rejected = split_page(page, since_ms=0, tf_ms=DAY_MS, now_ms=10 * DAY_MS)
    assert kept == [[3 * DAY_MS, 1, 2, 1, 1.5, 0]]
    assert [reason for _, reason in rejected] == ["close is not positive (0.0)", "low is not positive (-1.0)"]


def _akash_network_payload():
    from analytics.network.akash_console import GRAPHS

    base = FIXTURES / "akash" / "v1"
    return {
        "graphs": {name: json.loads((base / "graph-data" / f"{name}.json").read_text()) for name in GRAPHS},
        "dashboard": json.loads((base / "dashboard-data.json").read_text()),
        "gpu_breakdown": json.loads((base / "gpu-breakdown.json").read_text()),
        "bme": json.loads((base / "bme" / "dashboard-data.json").read_text()),
        "providers": json.loads((base / "providers.json").read_text()),
    }


def test_akash_network_metrics_quarantine_bad_records_and_never_crash():
    from analytics.network.akash_console import AkashNetworkCollector, network_frame

    base = _akash_network_payload()
    collector = AkashNetworkCollector(Settings(_env_file=None))
    endpoints = ["dashboard", "gpu_breakdown", "bme", "providers", *(f"graphs/{g}" for g in base["graphs"])]
    endpoint = st.sampled_from(endpoints)

    @FUZZ
    @given(st.data())
    def run(data):
        raw = copy.deepcopy(base)
        where = data.draw(endpoint)
        if where.startswith("graphs/"):
            name = where.split("/", 1)[1]
            raw["graphs"][name] = data.draw(mutated_json(base["graphs"][name]))
        else:
            raw[where] = data.draw(mutated_json(base[where]))
        try:
            result = collector.parse(raw, OBSERVED)
        except SourceError:
            return
        for row in result.rows:
            assert math.isfinite(row.value)
        for record, reason in result.rejected:
            assert reason
            json.loads(raw_json(record), parse_constant=_no_constants)
        network_frame(result.rows, collector.name, "live:akash_network", OBSERVED)

    run()
