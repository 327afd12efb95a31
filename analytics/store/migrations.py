"""Versioned schema. Append a Migration to add or change tables; never edit one that has shipped.

Conventions: timestamps are naive TIMESTAMP values in UTC; prices are USD; every fact row carries the
dataset_id (or source) it came from, and `datasets` holds the provenance of each one.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.store.read_models import MIGRATION_SQL as _READ_MODELS


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str


_INITIAL = """
CREATE TABLE datasets (
    dataset_id      VARCHAR PRIMARY KEY,   -- e.g. 'skypilot_catalog:runpod', 'ohlcv:bybit_usdt_perpetual:RENDERUSDT:1d'
    kind            VARCHAR NOT NULL,      -- gpu_offers | ohlcv | published_prices | ...
    title           VARCHAR NOT NULL,
    publisher       VARCHAR,               -- who published the numbers (SkyPilot catalog, Bybit, CoreWeave, ...)
    source_repo     VARCHAR,
    source_path     VARCHAR,
    source_commit   VARCHAR,
    source_url      VARCHAR,
    as_of           VARCHAR,               -- date (or year) the data describes, as published; NULL if unknown
    notes           VARCHAR,
    file_sha256     VARCHAR,               -- content hash of the loaded file slice
    row_count       BIGINT NOT NULL,
    first_ts        TIMESTAMP,
    last_ts         TIMESTAMP,
    loaded_at       TIMESTAMP NOT NULL
);

CREATE TABLE gpu_offer_observations (
    offer_id                VARCHAR NOT NULL,   -- stable hash of source, provider, via, instance, region, pricing kind
    observed_at             TIMESTAMP NOT NULL,
    source                  VARCHAR NOT NULL,   -- collector or bundled dataset family that produced the row
    dataset_id              VARCHAR,
    provider                VARCHAR NOT NULL,   -- the cloud/network that runs the GPU (upstream of any aggregator)
    via                     VARCHAR,            -- aggregator the offer was listed through, if any
    provider_category       VARCHAR NOT NULL,   -- hyperscaler | neocloud | marketplace | depin_network | unknown
    market_model            VARCHAR NOT NULL,   -- centralized | decentralized | unknown
    instance_type           VARCHAR,
    gpu_name_raw            VARCHAR NOT NULL,
    gpu_model               VARCHAR,            -- canonical key, e.g. H100-SXM-80GB; NULL when the name is unknown
    gpu_family              VARCHAR,            -- e.g. H100
    gpu_model_status        VARCHAR NOT NULL,   -- exact | partial (a part unknown) | unknown (name not recognised)
    gpu_memory_gb           DOUBLE,
    gpu_count               INTEGER NOT NULL,
    vcpus                   DOUBLE,
    memory_gib              DOUBLE,
    region                  VARCHAR,
    pricing_kind            VARCHAR NOT NULL,   -- on_demand | spot | bid_derived | published_list
    price_usd_per_hour      DOUBLE NOT NULL,    -- as given by the source (whole instance)
    price_per_gpu_hour_usd  DOUBLE NOT NULL,
    price_as_of             VARCHAR,            -- when the source says the price was valid, if it says
    available               BOOLEAN,
    flags                   VARCHAR[] NOT NULL DEFAULT [],
    attributes              JSON,               -- source specifics (reliability, dlperf, sample sizes, ...)
    PRIMARY KEY (offer_id, observed_at)
);

CREATE TABLE ohlcv_candles (
    exchange    VARCHAR NOT NULL,
    symbol      VARCHAR NOT NULL,
    timeframe   VARCHAR NOT NULL,
    ts          TIMESTAMP NOT NULL,   -- candle open time, UTC
    open        DOUBLE NOT NULL,
    high        DOUBLE NOT NULL,
    low         DOUBLE NOT NULL,
    close       DOUBLE NOT NULL,
    volume      DOUBLE,
    token       VARCHAR NOT NULL,     -- RENDER, RNDR, AKT, ... (RNDR and RENDER stay separate series)
    quote       VARCHAR NOT NULL,     -- USDT, USD
    instrument  VARCHAR NOT NULL,     -- spot | perpetual | aggregate
    dataset_id  VARCHAR,
    PRIMARY KEY (exchange, symbol, timeframe, ts)
);

CREATE TABLE published_prices (
    provider                    VARCHAR NOT NULL,
    provider_type_as_published  VARCHAR,
    gpu_name_raw                VARCHAR NOT NULL,
    gpu_model                   VARCHAR,
    gpu_family                  VARCHAR,
    gpu_count                   INTEGER NOT NULL,
    usd_per_hour_low            DOUBLE NOT NULL,
    usd_per_hour_high           DOUBLE NOT NULL,
    price_unit                  VARCHAR NOT NULL,
    usd_per_gpu_hour_low        DOUBLE NOT NULL,
    usd_per_gpu_hour_high       DOUBLE NOT NULL,
    sla_or_reliability          VARCHAR,
    source                      VARCHAR NOT NULL,
    as_of                       VARCHAR NOT NULL,
    is_market_overview_claim    BOOLEAN NOT NULL,  -- a claim to check, not an observed price
    dataset_id                  VARCHAR,
    PRIMARY KEY (provider, gpu_name_raw, price_unit, source, as_of)
);

CREATE TABLE refresh_runs (
    run_id       VARCHAR PRIMARY KEY,
    trigger      VARCHAR NOT NULL,   -- init | cli | schedule
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    status       VARCHAR NOT NULL    -- running | ok | partial | failed
);

CREATE TABLE source_status (
    run_id            VARCHAR NOT NULL,
    source            VARCHAR NOT NULL,
    status            VARCHAR NOT NULL,   -- ok | failed | skipped
    rows_added        BIGINT NOT NULL DEFAULT 0,
    rows_quarantined  BIGINT NOT NULL DEFAULT 0,
    started_at        TIMESTAMP NOT NULL,
    finished_at       TIMESTAMP NOT NULL,
    duration_ms       DOUBLE NOT NULL,
    message           VARCHAR,
    PRIMARY KEY (run_id, source)
);

CREATE TABLE quarantined_records (
    run_id       VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    recorded_at  TIMESTAMP NOT NULL,
    reason       VARCHAR NOT NULL,
    raw_record   JSON
);
"""

_TOKEN_MARKETS = """
CREATE TABLE candle_gaps (
    exchange       VARCHAR NOT NULL,
    symbol         VARCHAR NOT NULL,
    timeframe      VARCHAR NOT NULL,
    gap_start      TIMESTAMP NOT NULL,   -- first missing candle
    gap_end        TIMESTAMP NOT NULL,   -- last missing candle
    missing        INTEGER NOT NULL,
    detected_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (exchange, symbol, timeframe, gap_start)
);

CREATE TABLE token_market_snapshots (
    token                 VARCHAR NOT NULL,
    snapshot_date         DATE NOT NULL,       -- one snapshot per token and UTC day (the day's last wins)
    observed_at           TIMESTAMP NOT NULL,
    coingecko_id          VARCHAR NOT NULL,
    price_usd             DOUBLE,
    market_cap_usd        DOUBLE,
    fdv_usd               DOUBLE,
    circulating_supply    DOUBLE,
    total_supply          DOUBLE,
    max_supply            DOUBLE,
    volume_24h_usd        DOUBLE,
    source_updated_at     VARCHAR,
    source                VARCHAR NOT NULL,
    PRIMARY KEY (token, snapshot_date)
);
"""

_DUE_DILIGENCE = """
CREATE TABLE dd_projects (
    project_id  VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    token       VARCHAR,
    provider    VARCHAR,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE dd_assessments (
    project_id   VARCHAR NOT NULL,
    version      INTEGER NOT NULL,      -- saving again adds a version; nothing is overwritten
    author       VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    answers      JSON NOT NULL,         -- per question: answer, weight, note
    evidence     JSON NOT NULL,         -- the data evidence as it was at save time, with sources and dates
    scores       JSON NOT NULL,
    red_flags    JSON NOT NULL,
    PRIMARY KEY (project_id, version)
);
"""

_BENCHMARKS = """
CREATE TABLE bench_runs (
    run_id        VARCHAR PRIMARY KEY,   -- never reused: every run is kept
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    device_kind   VARCHAR NOT NULL,      -- cuda | cpu
    device_name   VARCHAR NOT NULL,
    gpu_model     VARCHAR,               -- canonical key of the GPU measured, if any
    quick         BOOLEAN NOT NULL,
    status        VARCHAR NOT NULL,      -- ok | failed | timeout
    fingerprint   JSON NOT NULL          -- device, driver, library versions, host, clocks, date
);

CREATE TABLE bench_results (
    run_id       VARCHAR NOT NULL,
    seq          INTEGER NOT NULL,
    metric       VARCHAR NOT NULL,       -- matmul | memory_bandwidth
    dtype        VARCHAR NOT NULL,       -- fp32, tf32, fp16, bf16, fp64 | copy
    shape        VARCHAR NOT NULL,
    median       DOUBLE NOT NULL,
    best         DOUBLE NOT NULL,
    unit         VARCHAR NOT NULL,       -- TFLOP/s | GFLOP/s | GB/s
    iterations   INTEGER NOT NULL,
    peak         DOUBLE,                 -- spec-sheet peak in the same unit, if known
    pct_of_peak  DOUBLE,
    PRIMARY KEY (run_id, seq)
);
"""

_SEGMENTS = """
-- The offer's market segment (its provider's, or the listing's own where it says so: RunPod SECURE vs
-- COMMUNITY), and the day the source says the price was observed: NULL when the source does not say (the
-- undated 2025 SkyPilot catalog). observed_at stays the key of the observation; for bundled data whose date is
-- unknown it is the day the file was copied, which is never shown as the price's date.
ALTER TABLE gpu_offer_observations ADD COLUMN segment VARCHAR;
ALTER TABLE gpu_offer_observations ADD COLUMN price_date DATE;
UPDATE gpu_offer_observations SET
    segment = CASE
        WHEN provider = 'runpod' AND upper(instance_type) LIKE '%COMMUNITY%' THEN 'community_marketplace'
        WHEN provider = 'runpod' THEN 'datacenter_marketplace'
        WHEN provider_category = 'marketplace' THEN 'community_marketplace'
        ELSE provider_category END,
    price_date = CASE
        WHEN source = 'skypilot_snapshot' THEN NULL
        WHEN price_as_of IS NOT NULL THEN TRY_CAST(price_as_of AS DATE)
        ELSE CAST(observed_at AS DATE) END;

-- Published price indices (e.g. an independent GPU price index's segment medians): series, not offers.
CREATE TABLE price_index_points (
    index_name        VARCHAR NOT NULL,
    date              DATE NOT NULL,
    gpu_model         VARCHAR NOT NULL,   -- canonical key where the index's name maps to one
    gpu_name_raw      VARCHAR NOT NULL,
    series            VARCHAR NOT NULL,   -- index | hyperscaler | neocloud | marketplace | spot (as published)
    usd_per_gpu_hour  DOUBLE NOT NULL,
    dataset_id        VARCHAR,
    PRIMARY KEY (index_name, date, gpu_name_raw, series)
);
"""

_NETWORK_METRICS = """
CREATE TABLE network_metrics (
    network      VARCHAR NOT NULL,     -- akash | aethir | ionet | render
    metric       VARCHAR NOT NULL,     -- daily_spend_usd, revenue_usd, emissions_tokens, active_providers, ...
    dimension    VARCHAR NOT NULL DEFAULT '',  -- what the value is about within the network ('' = the whole
                                               -- network; a GPU model for gpu-breakdown, a provider for uptime)
    date         DATE NOT NULL,        -- the day the value describes (first day of the week or month for those)
    period       VARCHAR NOT NULL,     -- day | week | month | instant (a reading at observed_at)
    value        DOUBLE NOT NULL,      -- already in whole units (micro-units divided by 1e6 on load)
    unit         VARCHAR NOT NULL,     -- USD, AKT, ATH, IO, RENDER, GPUs, providers, leases, hours, ratio
    source       VARCHAR NOT NULL,     -- collector or bundled dataset family (akash_network, quokit, 1kx)
    dataset_id   VARCHAR,
    observed_at  TIMESTAMP NOT NULL,   -- when the source produced or we fetched the value
    flags        VARCHAR[] NOT NULL DEFAULT [],  -- partial_day, partial_month, rolling_24h, derived_usd, ...
    PRIMARY KEY (network, metric, dimension, date, source)
);
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "offers, candles, published prices, provenance, refresh runs, quarantine", _INITIAL),
    Migration(2, "candle gaps and daily token market snapshots", _TOKEN_MARKETS),
    Migration(3, "due-diligence projects and versioned assessments", _DUE_DILIGENCE),
    Migration(4, "benchmark runs and results", _BENCHMARKS),
    Migration(5, "market segments, real observation dates, published price indices", _SEGMENTS),
    Migration(6, "dated network metrics: demand, supply, burns, emissions", _NETWORK_METRICS),
    Migration(7, "read models of offer history: latest per offer, daily, per offer and source", _READ_MODELS),
)
