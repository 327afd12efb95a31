import pytest
from pydantic import ValidationError

from analytics.settings import SOURCES, Settings


def test_defaults_point_at_the_real_endpoints_and_the_checkout_db():
    settings = Settings(_env_file=None)
    assert settings.db.name == "depin.duckdb"
    assert settings.base_url("akash") == "https://console-api.akash.network"
    assert all(settings.base_url(s).startswith("https://") for s in SOURCES)


def test_every_source_base_url_and_db_come_from_the_environment(monkeypatch, tmp_path):
    for source in SOURCES:
        monkeypatch.setenv(f"DEPIN_{source.upper()}_BASE_URL", f"http://127.0.0.1:9/{source}/")
    monkeypatch.setenv("DEPIN_DB", str(tmp_path / "x.duckdb"))
    settings = Settings(_env_file=None)
    for source in SOURCES:
        assert settings.base_url(source) == f"http://127.0.0.1:9/{source}"  # trailing slash removed
    assert settings.db == tmp_path / "x.duckdb"


def test_api_keys_are_secret_everywhere(monkeypatch):
    monkeypatch.setenv("DEPIN_LAMBDA_API_KEY", "sk-very-secret")
    settings = Settings(_env_file=None)
    assert settings.api_key("lambda") == "sk-very-secret"
    assert "sk-very-secret" not in repr(settings)
    assert "sk-very-secret" not in str(settings.model_dump())
    described = {row["env"]: row["value"] for row in settings.describe()}
    assert described["DEPIN_LAMBDA_API_KEY"] == "set"
    assert described["DEPIN_VASTAI_API_KEY"] == "not set"


def test_keys_from_streamlit_secrets_toml(monkeypatch, tmp_path):
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        'DEPIN_VASTAI_API_KEY = "from-secrets"\n[depin]\ncoingecko_api_key = "cg-key"\n'
    )
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=None)
    assert settings.api_key("vastai") == "from-secrets"
    assert settings.api_key("coingecko") == "cg-key"
    monkeypatch.setenv("DEPIN_VASTAI_API_KEY", "from-env")
    assert Settings(_env_file=None).api_key("vastai") == "from-env"  # the environment wins


def test_bad_base_url_is_rejected_with_its_name(monkeypatch):
    monkeypatch.setenv("DEPIN_AKASH_BASE_URL", "console-api.akash.network")
    with pytest.raises(ValidationError, match="akash_base_url"):
        Settings(_env_file=None)


def test_unknown_source_is_an_error():
    with pytest.raises(KeyError, match="unknown source"):
        Settings(_env_file=None).base_url("aws-typo")


def test_env_example_lists_every_setting():
    from tests.conftest import REPO

    text = (REPO / ".env.example").read_text()
    for name in Settings.model_fields:
        assert f"DEPIN_{name.upper()}" in text, name
