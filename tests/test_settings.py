"""Configuration: ZOOMBRIDGE_* variables, nested with __, clear errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from zoombridge import settings as settings_module
from zoombridge.app import ZoomBridge
from zoombridge.errors import ConfigurationError
from zoombridge.settings import Settings, load_settings

README = Path(__file__).resolve().parents[1] / "README.md"


def variables(model: type[BaseModel] = Settings, prefix: str = "ZOOMBRIDGE_") -> list[str]:
    """Every environment variable the settings read, nested models spelled out."""
    found = []
    for name, field in model.model_fields.items():
        variable = prefix + name.upper()
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            found += variables(kind, variable + "__")
        else:
            found.append(variable)
    return found


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("ZOOMBRIDGE_"):
            monkeypatch.delenv(name)


def test_defaults_point_at_zoom(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert str(settings.zoom.api_url) == "https://api.zoom.us/v2"
    assert str(settings.zoom.oauth_url).rstrip("/") == "https://zoom.us"
    assert settings.zoom.plan == "pro"
    assert settings.zoom.proxy is None


def test_every_connection_variable_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "ACCOUNT_ID": "acc-1",
        "CLIENT_ID": "client-1",
        "CLIENT_SECRET": "s3cret",
        "API_URL": "http://127.0.0.1:9000/v2",
        "OAUTH_URL": "http://127.0.0.1:9000",
        "PLAN": "business",
        "PROXY": "http://proxy.internal:3128",
        "WEBHOOK_SECRET": "whsec",
    }
    for name, value in values.items():
        monkeypatch.setenv(f"ZOOMBRIDGE_ZOOM__{name}", value)
    zoom = load_settings().zoom
    assert (zoom.account_id, zoom.client_id, zoom.plan) == ("acc-1", "client-1", "business")
    assert zoom.client_secret.get_secret_value() == "s3cret"
    assert zoom.webhook_secret.get_secret_value() == "whsec"
    assert str(zoom.proxy).startswith("http://proxy.internal:3128")
    assert "s3cret" not in repr(zoom)
    assert "whsec" not in repr(zoom)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PLAN", "enterprise", "ZOOMBRIDGE_ZOOM__PLAN"),
        ("API_URL", "not a url", "ZOOMBRIDGE_ZOOM__API_URL"),
        ("ACCOUNT_ID", "abc def", "spaces"),
        ("CLIENT_ID", "abc\n", "ZOOMBRIDGE_ZOOM__CLIENT_ID"),
        ("TIMEOUT_SECONDS", "0", "ZOOMBRIDGE_ZOOM__TIMEOUT_SECONDS"),
        ("PROXY", "ftp//nowhere", "ZOOMBRIDGE_ZOOM__PROXY"),
    ],
)
def test_bad_values_are_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(f"ZOOMBRIDGE_ZOOM__{name}", value)
    with pytest.raises(ConfigurationError, match=message):
        load_settings()


def test_missing_credentials_are_named_before_any_call() -> None:
    with pytest.raises(ConfigurationError) as caught:
        ZoomBridge(load_settings()).zoom_client()
    for name in ("ACCOUNT_ID", "CLIENT_ID", "CLIENT_SECRET"):
        assert f"ZOOMBRIDGE_ZOOM__{name}" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("USERS", "ada@example.edu, not-an-email", "not e-mail addresses: not-an-email"),
        ("START_DATE", "last year", "ZOOMBRIDGE_ARCHIVE__START_DATE"),
        ("CONCURRENCY", "0", "ZOOMBRIDGE_ARCHIVE__CONCURRENCY"),
        ("DOWNLOAD_PROCESSES", "-1", "ZOOMBRIDGE_ARCHIVE__DOWNLOAD_PROCESSES"),
        ("DOWNLOAD_PROCESSES", "many", "ZOOMBRIDGE_ARCHIVE__DOWNLOAD_PROCESSES"),
        ("LAG_DAYS", "90", "ZOOMBRIDGE_ARCHIVE__LAG_DAYS"),
    ],
)
def test_bad_archive_values_are_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(f"ZOOMBRIDGE_ARCHIVE__{name}", value)
    with pytest.raises(ConfigurationError, match=message):
        load_settings()


def test_archive_users_are_a_comma_list_compared_in_lower_case(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZOOMBRIDGE_ARCHIVE__USERS", " Ada@Example.edu ,grace@example.edu,")
    assert load_settings().archive.users == ["ada@example.edu", "grace@example.edu"]


@pytest.mark.parametrize("variable", variables())
def test_every_setting_is_documented(variable: str) -> None:
    assert variable in (settings_module.__doc__ or ""), "in the docstring of settings.py"
    assert f"`{variable}`" in README.read_text(), "in the README"


def test_worker_id_and_dbos_log_level_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (load_settings().worker_id, load_settings().dbos_log_level) == ("", "WARNING")
    monkeypatch.setenv("ZOOMBRIDGE_WORKER_ID", "worker-7")
    monkeypatch.setenv("ZOOMBRIDGE_DBOS_LOG_LEVEL", "debug")
    assert (load_settings().worker_id, load_settings().dbos_log_level) == ("worker-7", "DEBUG")
    monkeypatch.setenv("ZOOMBRIDGE_DBOS_LOG_LEVEL", "chatty")
    with pytest.raises(ConfigurationError, match="ZOOMBRIDGE_DBOS_LOG_LEVEL"):
        load_settings()
