"""Read models: what pages read instead of raw offer history, kept in step with it inside every write.

`gpu_offer_observations` is append-only and first write wins on (offer_id, observed_at), so each read model
is a function of the SET of observations, and a batch changes it only through the rows new to the table:

- `offer_latest`: the newest observation of each offer, same columns as the observations (key offer_id).
- `offer_daily`: the dated observations, run-length compressed: one row per offer, day, listing attributes,
  flags and price, with `observations` = how many observations it stands for. History and source-conflict
  figures are medians over observations, so the multiset of a day's prices is kept, never a per-day median;
  an offer re-observed hourly at an unchanged price is one row a day.
- `offer_stats`: per (offer_id, source, dataset_id, provider): rows, observed_at and price_date ranges and
  undated rows; `offer_sources()` and `datasets()` aggregate these few rows per offer.

`apply_new_observations` runs in the writer's transaction (analytics/store/writes.py), set-based: each model
recomputes only the keys the new rows touch, from its own rows plus the new ones (DELETE + INSERT, which both
backends support; the lake has no keys to upsert on). The `*_reference` SQL derives the same tables from raw
history: the migration backfills with it, `rebuild` repairs with it, `differences` (doctor) compares with it.
A migration adding a column to gpu_offer_observations must add it to offer_latest too.
"""

from __future__ import annotations

import duckdb

OBSERVATIONS = "gpu_offer_observations"
TABLES = ("offer_latest", "offer_daily", "offer_stats")
NEW = "_new_observations"  # temp table: the batch's rows that are new to OBSERVATIONS, typed like it

DAILY_KEY = (
    "offer_id", "price_date", "source", "provider", "segment", "gpu_model", "gpu_count", "pricing_kind",
    "instance_type", "region", "flags", "price_per_gpu_hour_usd",
)  # fmt: skip
STATS_KEY = ("offer_id", "source", "dataset_id", "provider")

DDL = """
CREATE TABLE offer_latest (
    offer_id                VARCHAR NOT NULL,
    observed_at             TIMESTAMP NOT NULL,
    source                  VARCHAR NOT NULL,
    dataset_id              VARCHAR,
    provider                VARCHAR NOT NULL,
    via                     VARCHAR,
    provider_category       VARCHAR NOT NULL,
    market_model            VARCHAR NOT NULL,
    instance_type           VARCHAR,
    gpu_name_raw            VARCHAR NOT NULL,
    gpu_model               VARCHAR,
    gpu_family              VARCHAR,
    gpu_model_status        VARCHAR NOT NULL,
    gpu_memory_gb           DOUBLE,
    gpu_count               INTEGER NOT NULL,
    vcpus                   DOUBLE,
    memory_gib              DOUBLE,
    region                  VARCHAR,
    pricing_kind            VARCHAR NOT NULL,
    price_usd_per_hour      DOUBLE NOT NULL,
    price_per_gpu_hour_usd  DOUBLE NOT NULL,
    price_as_of             VARCHAR,
    available               BOOLEAN,
    flags                   VARCHAR[] NOT NULL,
    attributes              JSON,
    segment                 VARCHAR,
    price_date              DATE,
    PRIMARY KEY (offer_id)
);

CREATE TABLE offer_daily (
    offer_id                VARCHAR NOT NULL,
    price_date              DATE NOT NULL,
    source                  VARCHAR NOT NULL,
    provider                VARCHAR NOT NULL,
    segment                 VARCHAR,
    gpu_model               VARCHAR,
    gpu_count               INTEGER NOT NULL,
    pricing_kind            VARCHAR NOT NULL,
    instance_type           VARCHAR,
    region                  VARCHAR,
    flags                   VARCHAR[] NOT NULL,
    price_per_gpu_hour_usd  DOUBLE NOT NULL,
    observations            BIGINT NOT NULL   -- observations of this offer that day with exactly these values
);

CREATE TABLE offer_stats (
    offer_id           VARCHAR NOT NULL,
    source             VARCHAR NOT NULL,
    dataset_id         VARCHAR,
    provider           VARCHAR NOT NULL,
    rows               BIGINT NOT NULL,
    first_observed_at  TIMESTAMP NOT NULL,
    last_observed_at   TIMESTAMP NOT NULL,
    oldest_price_date  DATE,
    newest_price_date  DATE,
    undated_rows       BIGINT NOT NULL
);
"""


def _cols(names) -> str:
    return ", ".join(f'"{c}"' for c in names)


def latest_reference(src: str = OBSERVATIONS) -> str:
    return f"SELECT * FROM {src} QUALIFY row_number() OVER (PARTITION BY offer_id ORDER BY observed_at DESC) = 1"  # noqa: S608


def daily_reference(src: str = OBSERVATIONS) -> str:
    keys = _cols(DAILY_KEY)
    return (
        f"SELECT {keys}, count(*)::BIGINT AS observations FROM {src} "  # noqa: S608 constants
        f"WHERE price_date IS NOT NULL GROUP BY {keys}"
    )


def stats_reference(src: str = OBSERVATIONS) -> str:
    keys = _cols(STATS_KEY)
    return (
        f"SELECT {keys}, count(*)::BIGINT AS rows, min(observed_at) AS first_observed_at, "  # noqa: S608 constants
        "max(observed_at) AS last_observed_at, min(price_date) AS oldest_price_date, "
        "max(price_date) AS newest_price_date, count(*) FILTER (WHERE price_date IS NULL)::BIGINT AS undated_rows "
        f"FROM {src} GROUP BY {keys}"
    )


REFERENCE = {"offer_latest": latest_reference, "offer_daily": daily_reference, "offer_stats": stats_reference}

# The migration: create the tables, then fill them from the history already stored.
MIGRATION_SQL = DDL + "".join(f"\nINSERT INTO {t} BY NAME {REFERENCE[t]()};" for t in TABLES)


def present(conn: duckdb.DuckDBPyConnection) -> bool:
    """True once the schema has the read models (a database migrated to version 7 or later)."""
    found = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND table_name = 'offer_latest'"
    ).fetchall()[0][0]
    return bool(found)


def insert_observations(conn: duckdb.DuckDBPyConnection, batch: str, batch_columns: list[str], described) -> None:
    """Insert the rows of the registered frame `batch` that are new to the observations, then update the read
    models from exactly those rows. `described` is DESCRIBE gpu_offer_observations."""
    typed = []
    for name, type_, null, *_ in described:
        if name in batch_columns:
            typed.append(f'CAST(b."{name}" AS {type_}) AS "{name}"')
        elif type_.endswith("[]") and null == "NO":  # what the file schema's DEFAULT [] gives
            typed.append(f'CAST([] AS {type_}) AS "{name}"')
        else:
            typed.append(f'CAST(NULL AS {type_}) AS "{name}"')
    low, high = conn.execute(
        f"SELECT min(CAST(observed_at AS TIMESTAMP)), max(CAST(observed_at AS TIMESTAMP)) FROM {batch}"  # noqa: S608
    ).fetchall()[0]
    # First write wins: only keys not stored yet. The observed_at range lets the scan skip row groups (zonemaps)
    # of history outside the batch, so a refresh does not read all history to find what is new.
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE {NEW} AS SELECT * FROM (SELECT {', '.join(typed)} FROM {batch} AS b) n "  # noqa: S608
        f"WHERE NOT EXISTS (SELECT 1 FROM {OBSERVATIONS} o WHERE o.observed_at BETWEEN ? AND ? "
        "AND o.offer_id = n.offer_id AND o.observed_at = n.observed_at)",
        [low, high],
    )
    try:
        conn.execute(f"INSERT INTO {OBSERVATIONS} BY NAME SELECT * FROM {NEW}")  # noqa: S608 constants
        apply_new_observations(conn, NEW)
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {NEW}")


def apply_new_observations(conn: duckdb.DuckDBPyConnection, new: str) -> None:
    """Fold the observations in table `new` (all new to the observations table) into the read models."""
    # offer_latest: an offer's row changes only if a new observation is newer than the one it holds.
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE _rm_latest AS SELECT n.* FROM ({latest_reference(new)}) n "  # noqa: S608
        "WHERE NOT EXISTS (SELECT 1 FROM offer_latest l "
        "WHERE l.offer_id = n.offer_id AND l.observed_at >= n.observed_at)"
    )
    conn.execute("DELETE FROM offer_latest WHERE offer_id IN (SELECT offer_id FROM _rm_latest)")
    conn.execute("INSERT INTO offer_latest BY NAME SELECT * FROM _rm_latest")
    # offer_daily and offer_stats: for every touched key, the stored counts plus the new rows' counts.
    _fold(
        conn,
        "offer_daily",
        daily_reference(new),
        DAILY_KEY,
        "sum(observations)::BIGINT AS observations",
        f"SELECT DISTINCT offer_id, price_date FROM {new} WHERE price_date IS NOT NULL",  # noqa: S608 constants
        ("offer_id", "price_date"),
    )
    _fold(
        conn,
        "offer_stats",
        stats_reference(new),
        STATS_KEY,
        "sum(rows)::BIGINT AS rows, min(first_observed_at) AS first_observed_at, "
        "max(last_observed_at) AS last_observed_at, min(oldest_price_date) AS oldest_price_date, "
        "max(newest_price_date) AS newest_price_date, sum(undated_rows)::BIGINT AS undated_rows",
        f"SELECT DISTINCT offer_id FROM {new}",  # noqa: S608 constants
        ("offer_id",),
    )
    conn.execute("DROP TABLE IF EXISTS _rm_latest")


def _fold(conn, table: str, new_rows: str, key, aggregates: str, touched: str, touched_key) -> None:
    keys = _cols(key)
    match = " AND ".join(f't."{k}" = x."{k}"' for k in touched_key)
    conn.execute(f"CREATE OR REPLACE TEMP TABLE _rm_touched AS {touched}")
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE _rm_folded AS SELECT {keys}, {aggregates} FROM ("  # noqa: S608 constants
        f"SELECT * FROM {table} x WHERE EXISTS (SELECT 1 FROM _rm_touched t WHERE {match}) "
        f"UNION ALL BY NAME {new_rows}) GROUP BY {keys}"
    )
    conn.execute(f"DELETE FROM {table} x WHERE EXISTS (SELECT 1 FROM _rm_touched t WHERE {match})")  # noqa: S608
    conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rm_folded")  # noqa: S608 constants
    conn.execute("DROP TABLE _rm_folded")
    conn.execute("DROP TABLE _rm_touched")


def rebuild(conn: duckdb.DuckDBPyConnection) -> None:
    """Recompute every read model from raw history (in the caller's transaction)."""
    for table in TABLES:
        conn.execute(f"DELETE FROM {table}")  # noqa: S608 constants
        conn.execute(f"INSERT INTO {table} BY NAME {REFERENCE[table]()}")


def differences(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Per read model: rows it holds that raw history does not give, plus rows history gives that it lacks."""
    out = {}
    for table in TABLES:
        # the reference's columns in the table's order (SELECT * of the table), so EXCEPT compares like with like
        columns = _cols(r[0] for r in conn.execute(f"DESCRIBE {table}").fetchall())
        reference = f"SELECT {columns} FROM ({REFERENCE[table]()})"  # noqa: S608 constants
        stored = f"SELECT {columns} FROM {table}"  # noqa: S608 constants
        out[table] = int(
            conn.execute(
                f"SELECT (SELECT count(*) FROM ({stored} EXCEPT ALL {reference})) "  # noqa: S608 constants
                f"+ (SELECT count(*) FROM ({reference} EXCEPT ALL {stored}))"
            ).fetchall()[0][0]
        )
    return out
