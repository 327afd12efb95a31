"""Dataset previews are bounded and newest first; exports are written by DuckDB and hold every row."""

import subprocess
import sys

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.exports import PREVIEW_ROWS, dataset_preview, dataset_tables, export_bytes, export_dataset
from tests.conftest import REPO
from tests.stores import store_env, use_store

OFFERS = "skypilot_catalog:runpod"
CANDLES = "ohlcv:bybit_usdt_perpetual:BTCUSDT:1d"


def test_preview_is_bounded_and_newest_first(snapshot_store):
    preview = dataset_preview(snapshot_store, CANDLES, limit=10)
    stored = snapshot_store.query_df("SELECT ts FROM ohlcv_candles WHERE dataset_id = ? ORDER BY ts DESC", [CANDLES])
    assert len(stored) > 10
    assert preview["ts"].tolist() == stored["ts"].head(10).tolist()


def test_parquet_and_csv_exports_hold_every_row(snapshot_store, tmp_path):
    stored = snapshot_store.query_df("SELECT * FROM gpu_offer_observations WHERE dataset_id = ?", [OFFERS])
    parquet = pd.read_parquet(export_dataset(snapshot_store, OFFERS, tmp_path / "o.parquet"))
    key = ["offer_id", "observed_at"]
    assert len(parquet) == len(stored)
    pd.testing.assert_series_equal(
        parquet.sort_values(key)["price_per_gpu_hour_usd"].reset_index(drop=True),
        stored.sort_values(key)["price_per_gpu_hour_usd"].reset_index(drop=True),
    )
    csv = pd.read_csv(export_dataset(snapshot_store, CANDLES, tmp_path / "c.csv", "csv"))
    assert (
        len(csv)
        == snapshot_store.query_rows("SELECT count(*) FROM ohlcv_candles WHERE dataset_id = ?", [CANDLES])[0][0]
    )
    assert list(tmp_path.iterdir()) and export_bytes(snapshot_store, CANDLES, "csv").startswith(b"exchange,")


def test_a_dataset_in_two_tables_exports_each(snapshot_store, tmp_path):
    tables = dataset_tables(snapshot_store, "published_prices")
    assert tables == ["gpu_offer_observations", "published_prices"]
    claims = pd.read_parquet(export_dataset(snapshot_store, "published_prices", tmp_path / "p.parquet",
                                            table="published_prices"))  # fmt: skip
    assert len(claims) == snapshot_store.query_rows("SELECT count(*) FROM published_prices")[0][0]
    with pytest.raises(KeyError, match="no dataset"):
        dataset_tables(snapshot_store, "nope")
    with pytest.raises(KeyError, match="has no rows in"):
        dataset_preview(snapshot_store, OFFERS, table="ohlcv_candles")


def test_cli_export_writes_the_file_and_rejects_unknown_datasets(snapshot_store, tmp_path):
    def depin(*args):
        return subprocess.run([sys.executable, "-m", "analytics.cli", *args], cwd=REPO,
                              env=store_env(snapshot_store), capture_output=True, text=True, timeout=120)  # fmt: skip

    out = tmp_path / "btc.csv"
    done = depin("export", CANDLES, "--format", "csv", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert len(pd.read_csv(out)) > 1000
    done = depin("export", "nope")
    assert done.returncode == 1 and done.stderr.startswith("error: no dataset 'nope'")
    done = depin("export", OFFERS, "--table", "ohlcv_candles")
    assert done.returncode == 1 and "has no rows in table" in done.stderr


def test_data_sources_page_previews_and_offers_a_deferred_download(snapshot_store, monkeypatch):
    use_store(monkeypatch, snapshot_store)
    at = AppTest.from_file(str(REPO / "app" / "streamlit_app.py"), default_timeout=60).run()
    at.switch_page("views/data_sources.py").run()
    box = next(b for b in at.selectbox if b.label == "Preview or download a dataset")
    box.set_value(CANDLES).run()
    assert not at.exception
    preview = next(f.value for f in at.dataframe if "ts" in f.value.columns)
    stored = snapshot_store.query_rows("SELECT count(*) FROM ohlcv_candles WHERE dataset_id = ?", [CANDLES])[0][0]
    assert stored > PREVIEW_ROWS and len(preview) == PREVIEW_ROWS  # bounded, whatever the history
    buttons = at.get("download_button")
    assert buttons and "Parquet" in buttons[0].proto.label
    box.set_value("published_prices").run()
    assert not at.exception
    assert any(r.label == "Table" for r in at.radio)
