"""The scale benchmark runs end to end at a tiny size, so it cannot rot. No timing is asserted: only that
the report has every goal with its measurement, its reference and a verdict, and that the synthetic data is
labelled as such and the database is left as it was built."""

import json
import subprocess
import sys

from analytics.store import Store
from benchmarks.scale import GOAL_KEYS
from tests.conftest import REPO


def test_scale_benchmark_reports_every_goal(tmp_path):
    db, report_path = tmp_path / "scale.duckdb", tmp_path / "report.json"
    command = [sys.executable, "-m", "benchmarks.scale", "--observations", "2000", "--candles", "1000",
               "--db", str(db), "--repeat", "1", "--states", "some", "--json", str(report_path)]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(report_path.read_text())
    for key in GOAL_KEYS:
        assert report[key]["goal"], key
        assert isinstance(report[key]["meets_goal"], bool), key
    states = report["pages"]["states"]
    from benchmarks.scale_pages import pages

    assert len(pages()) >= 8 and set(pages()) <= set(states)
    assert any(k.startswith("data_sources [synthetic:") for k in states)
    assert {"token_markets [1d]", "token_markets [1m]"} <= set(states)
    for result in states.values():
        assert result["cold"]["median_s"] > 0 and result["warm"]["median_s"] > 0
    assert report["ingest"]["raw_duckdb_insert"]["median_s"] > 0 and report["ingest"]["ratio"] > 0
    assert report["startup"]["streamlit_hello_to_healthy"]["median_s"] > 0
    assert report["cli_help"]["depin_help"]["median_s"] > 0
    for part in GOAL_KEYS:
        assert part in done.stdout

    store = Store(db)
    synthetic = store.query_df("SELECT dataset_id, title, notes FROM datasets WHERE dataset_id LIKE 'synthetic:%'")
    assert len(synthetic) == 1 + 5  # the offers and one candle series per symbol
    assert synthetic["title"].str.startswith("SYNTHETIC").all()
    assert synthetic["notes"].str.contains("never bundled").all()
    # The write measurements removed what they added: the history is what was built.
    counts = store.query_rows(
        "SELECT count(*) FROM gpu_offer_observations WHERE dataset_id = 'synthetic:scale_offers'"
    )[0][0]
    assert counts == 2000
    assert store.query_rows("SELECT count(*) FROM ohlcv_candles WHERE timeframe = '1m'")[0][0] == 1000


def test_scale_benchmark_rejects_a_foreign_database(tmp_path):
    db = tmp_path / "other.duckdb"
    db.write_bytes(b"")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.scale", "--observations", "1000", "--db", str(db), "--build-only"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error:")
