"""A DuckLake whose data path is object storage (`s3://bucket/prefix`), proven against a real S3-compatible server
(moto, tests/s3server.py) and a real PostgreSQL catalog: `depin init` loads the bundled data into the bucket,
reads give the same answers as a lake on a local folder, a refresh lands as new Parquet objects, and the S3
secret never shows in any output. Not covered: AWS S3 itself (signatures, IAM), which moto does not check."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from analytics.settings import get_settings
from analytics.store.lake import LakeStore
from analytics.store.s3 import S3Options
from tests.fakeserver import FakeApis
from tests.s3server import SECRET

COMMANDS = (
    ["compare", "--gpu", "H100-SXM-80GB", "--json"],
    ["prices", "--gpu", "H100", "--json"],
    ["history", "--gpu", "H100-SXM-80GB", "--json"],
)


def _cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def _clean_env() -> dict[str, str]:
    """This process's environment without any DEPIN_* or AWS_* a developer may have set."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("DEPIN_", "AWS_"))}


def _json_lines(text: str):
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:  # `prices --json`: one object per line, ties in price in no set order
        return sorted((json.loads(line) for line in text.splitlines()), key=lambda o: json.dumps(o, sort_keys=True))


def test_a_lake_on_s3_loads_reads_like_a_local_lake_and_takes_a_refresh(
    postgres, s3_server, _snapshot_lake, lake_factory
):
    bucket = s3_server.create_bucket()
    catalog = f"postgres:{postgres.dsn(postgres.create_database('s3'))} password=catalog-pw-not-shown"
    data_path = f"s3://{bucket}/depin/lake"
    env = _clean_env() | s3_server.environment()

    init = _cli(env, "init", "--store", "ducklake", "--catalog", catalog, "--data-path", data_path)
    assert init.returncode == 0, init.stderr
    loaded = s3_server.keys(bucket)
    assert loaded and all(k.startswith("depin/lake/") and k.endswith(".parquet") for k in loaded), loaded

    env |= {"DEPIN_STORE": "ducklake", "DEPIN_LAKE_CATALOG": catalog, "DEPIN_LAKE_DATA_PATH": data_path}
    status = _cli(env, "status", "--json")
    assert status.returncode == 0, status.stderr
    store = json.loads(status.stdout)["store"]
    assert store["data_path"] == data_path and "catalog-pw-not-shown" not in status.stdout
    assert store["s3"] == {
        "endpoint": f"{s3_server.host}:{s3_server.port}",
        "region": "us-east-1",
        "url_style": "path",
        "use_ssl": "false",
        "credentials": "DEPIN_LAKE_S3_KEY_ID / DEPIN_LAKE_S3_SECRET",
    }
    config = _cli(env, "config")
    assert config.returncode == 0, config.stderr
    for output in (init.stdout + init.stderr, status.stdout, config.stdout):
        assert SECRET not in output

    local = lake_factory(*_snapshot_lake)  # the same bundled data in a lake on a local folder
    local_env = _clean_env() | local.environment()
    for command in COMMANDS:
        on_s3, on_local = _cli(env, *command), _cli(local_env, *command)
        assert on_s3.returncode == on_local.returncode == 0, on_s3.stderr + on_local.stderr
        assert _json_lines(on_s3.stdout) == _json_lines(on_local.stdout), command

    with FakeApis() as apis:
        refresh = _cli(env | apis.base_urls(), "refresh", "--only", "akash,vastai", "--json")
    assert refresh.returncode == 0, refresh.stderr
    added = sum(o["rows_added"] for o in json.loads(refresh.stdout)["outcomes"])
    assert added > 0
    after = s3_server.keys(bucket)
    assert set(loaded) < set(after)  # the refresh's rows are new Parquet objects in the bucket
    status = json.loads(_cli(env, "status", "--json").stdout)
    before = json.loads(_cli(local_env, "status", "--json").stdout)
    rows = status["tables"]["gpu_offer_observations"] - before["tables"]["gpu_offer_observations"]
    assert rows == added, (rows, added)


def test_s3_settings_fall_back_to_the_aws_variables_and_never_show_the_secret():
    aws = {
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "aws-secret-not-shown",
        "AWS_SESSION_TOKEN": "token-not-shown",
        "AWS_REGION": "eu-west-3",
    }
    options = S3Options.from_settings(get_settings(), environ=aws)
    assert (options.key_id, options.secret, options.session_token) == (
        "AKIAEXAMPLE",
        "aws-secret-not-shown",
        "token-not-shown",
    )
    assert options.describe() == {
        "endpoint": "AWS S3",
        "region": "eu-west-3",
        "url_style": "vhost (default)",
        "use_ssl": "true",
        "credentials": "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY",
    }
    assert "not-shown" not in repr(options) + json.dumps(options.describe())
    # DEPIN_LAKE_S3_* win over AWS_*; an https:// endpoint means SSL, http:// none, and both mean path style.
    ours = get_settings(
        lake_s3_key_id="mine", lake_s3_secret="mine-not-shown", lake_s3_endpoint="http://minio.internal:9000"
    )
    options = S3Options.from_settings(ours, environ=aws)
    assert (options.key_id, options.secret, options.endpoint) == ("mine", "mine-not-shown", "minio.internal:9000")
    assert (options.use_ssl, options.url_style, options.region) == (False, "path", "eu-west-3")
    described = {row["env"]: row["value"] for row in ours.describe()}
    assert described["DEPIN_LAKE_S3_SECRET"] == "set" and "mine-not-shown" not in json.dumps(described)
    assert S3Options.from_settings(get_settings(), environ={}).describe()["credentials"].startswith("none")


def test_the_dashboard_process_gets_the_same_s3_settings(monkeypatch):
    from analytics.store.factory import open_store

    options = S3Options(endpoint="minio:9000", region="eu-west-3", key_id="k", secret="s", url_style="path")
    lake = LakeStore("postgres:dbname=d", "s3://bucket/p", s3=options)
    env = lake.environment()  # what `depin dashboard` puts in its server's environment
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reopened = open_store()
    assert isinstance(reopened, LakeStore) and reopened.data_path == "s3://bucket/p"
    assert reopened.s3 == S3Options(
        endpoint="minio:9000",
        region="eu-west-3",
        key_id="k",
        secret="s",
        url_style="path",
        credentials_from="DEPIN_LAKE_S3_KEY_ID / DEPIN_LAKE_S3_SECRET",
    )
    assert "s3" not in LakeStore("postgres:dbname=d", "/srv/lake").describe()  # a folder: no S3 block


def test_a_lake_whose_object_store_is_unreachable_fails_with_one_line(postgres, s3_server, tmp_path):
    from tests.pgserver import free_port

    catalog = f"postgres:{postgres.dsn(postgres.create_database('s3down'))}"
    bucket = s3_server.create_bucket()
    env = _clean_env() | s3_server.environment()
    env |= {"DEPIN_STORE": "ducklake", "DEPIN_LAKE_CATALOG": catalog, "DEPIN_LAKE_DATA_PATH": f"s3://{bucket}/x"}
    assert _cli(env, "init").returncode == 0

    elsewhere = _cli(env | {"DEPIN_LAKE_DATA_PATH": "s3://another-bucket/x"}, "status")
    assert elsewhere.returncode == 1 and "does not match existing data path" in elsewhere.stderr
    assert elsewhere.stderr.count("\n") == 1 and elsewhere.stderr.startswith("error: ")

    down = env | {"DEPIN_LAKE_S3_ENDPOINT": f"http://127.0.0.1:{free_port()}"}  # nothing listens there
    cases = [(down, "(the object store does not answer", "compare"), (env, "(a file is missing", "remove")]
    for broken, reason, step in cases:
        if step == "remove":  # the bucket is emptied and deleted behind the catalog's back
            client = s3_server.client()
            for key in s3_server.keys(bucket):
                client.delete_object(Bucket=bucket, Key=key)
            client.delete_bucket(Bucket=bucket)
        done = _cli(broken, "compare", "--gpu", "H100-SXM-80GB")
        assert done.returncode == 1, done.stdout
        line = done.stderr.strip()
        assert "\n" not in line and "Traceback" not in done.stderr, done.stderr
        assert line.startswith("error: cannot read the DuckLake: its data path s3://"), line
        assert reason in line and "DEPIN_LAKE_S3_" in line, line
        assert SECRET not in done.stderr
