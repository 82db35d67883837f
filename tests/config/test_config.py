"""erpsync.yaml: every error explained by key path, secrets only from env or files, never printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from erpsync.config import check_secrets, load_settings
from erpsync.errors import ConfigError

VALID = """
connections:
  shop:
    platform: shopify
    url: https://acme.myshopify.com
    api_version: "2026-04"
    credentials:
      access_token: {env: TEST_SHOP_TOKEN}
  erp:
    platform: netsuite
    url: https://1234567.suitetalk.api.netsuite.com
    account_id: "1234567"
    credentials:
      token_secret: {file: SECRET_FILE}
    budget: {concurrency: 15}
flows:
  order_to_erp:
    source: shop
    target: erp
    trigger: {webhook: true, poll_every_seconds: 300}
    reconcile: {cron: "0 * * * *"}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "erpsync.yaml"
    path.write_text(text)
    return path


def test_valid_config_resolves_secrets_from_env_and_file_without_printing_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_file = tmp_path / "ns_secret"
    secret_file.write_text("file-secret-value\n")
    monkeypatch.setenv("TEST_SHOP_TOKEN", "shpat_env_secret_value")
    settings = load_settings(write(tmp_path, VALID.replace("SECRET_FILE", str(secret_file))))
    shop_secrets = settings.connections["shop"].secrets()
    assert shop_secrets["access_token"].get_secret_value() == "shpat_env_secret_value"
    assert settings.connections["erp"].secrets()["token_secret"].get_secret_value() == "file-secret-value"
    assert "shpat_env_secret_value" not in repr(shop_secrets)
    assert settings.flows["order_to_erp"].retry.max_attempts == 12
    assert check_secrets(settings) == []


def test_inline_secret_is_refused_and_not_echoed(tmp_path: Path) -> None:
    text = VALID.replace("access_token: {env: TEST_SHOP_TOKEN}", "access_token: shpat_leaked_value")
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, text))
    message = str(error.value)
    assert "connections.shop.credentials" in message
    assert "{env: VARIABLE}" in message
    assert "shpat_leaked_value" not in message


def test_every_problem_is_listed_with_its_key_path(tmp_path: Path) -> None:
    text = VALID.replace("platform: netsuite", "platform: netsuit").replace(
        "trigger: {webhook: true, poll_every_seconds: 300}", "trigger: {}\n    colour: blue"
    )
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, text))
    message = str(error.value)
    assert "connections.erp.platform" in message
    assert "flows.order_to_erp.trigger" in message and "needs a trigger" in message
    assert "flows.order_to_erp.colour: unknown key" in message


def test_flow_naming_an_unknown_connection_says_which_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"target 'erp2' is not a connection \(known: erp, shop\)"):
        load_settings(write(tmp_path, VALID.replace("target: erp", "target: erp2")))


def test_missing_secret_is_reported_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_SHOP_TOKEN", raising=False)
    settings = load_settings(write(tmp_path, VALID.replace("SECRET_FILE", str(tmp_path / "absent"))))
    problems = check_secrets(settings)
    assert any("connections.shop" in p and "TEST_SHOP_TOKEN is not set" in p for p in problems)
    assert any("connections.erp" in p and "cannot read secret file" in p for p in problems)


def test_broken_yaml_and_bad_cron_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(write(tmp_path, "connections: [unclosed"))
    with pytest.raises(ConfigError, match="must have 5 fields"):
        load_settings(write(tmp_path, VALID.replace('cron: "0 * * * *"', 'cron: "hourly"')))


def test_database_url_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ERPSYNC_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    assert load_settings().database_url == "postgresql://postgres@127.0.0.1:5432/test"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "database_url: sqlite:///from-file.db\n")
    assert load_settings(path).database_url == "sqlite:///from-file.db"
    monkeypatch.setenv("ERPSYNC_DATABASE_URL", "sqlite:///from-env.db")
    assert load_settings(path).database_url == "sqlite:///from-env.db"


def test_connector_settings_reach_the_connector_and_unknown_ones_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from erpsync.service import erp_connector

    for name in ("NS_CK", "NS_CS", "NS_TI", "NS_TS"):
        monkeypatch.setenv(name, "x")
    text = """
connections:
  erp:
    platform: netsuite
    url: https://1234567.suitetalk.api.netsuite.com
    account_id: "1234567"
    settings: {discount_item_id: "12", ship_methods: {Express: "1402"}}
    credentials:
      consumer_key: {env: NS_CK}
      consumer_secret: {env: NS_CS}
      token_id: {env: NS_TI}
      token_secret: {env: NS_TS}
"""
    connection = load_settings(write(tmp_path, text)).connections["erp"]
    connector = erp_connector(connection)
    assert connector.settings.discount_item_id == "12"  # type: ignore[attr-defined]
    assert connector.settings.ship_methods == {"Express": "1402"}  # type: ignore[attr-defined]
    bad = load_settings(write(tmp_path, text.replace("discount_item_id", "discount_item"))).connections["erp"]
    with pytest.raises(ConfigError, match=r"unknown setting\(s\) discount_item \(known: .*discount_item_id"):
        erp_connector(bad)
