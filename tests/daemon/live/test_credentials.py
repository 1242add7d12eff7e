"""Where a live BitMEX bot's key, endpoints and adapter settings come from."""

from __future__ import annotations

import pytest

from plutarc.daemon.live.credentials import bitmex_config, bitmex_venue, resolve_credentials
from plutarc.errors import ConfigError

ENV = {"PLUTARC_BITMEX_KEY": "key-id-123", "PLUTARC_BITMEX_SECRET": "s3cret-value"}


def test_env_credentials_and_a_clear_error_naming_the_label_when_missing() -> None:
    creds = resolve_credentials("main", ENV)
    assert creds.api_key == "key-id-123" and "s3cret" not in repr(creds)
    with pytest.raises(ConfigError, match="no BitMEX API key for account 'desk'.*"
                       "PLUTARC_BITMEX_KEY"):
        resolve_credentials("desk", {"PLUTARC_BITMEX_KEY": "only-the-id"})


def test_testnet_endpoints_the_url_override_and_json_settings() -> None:
    assert bitmex_config("testnet", {}).rest_base == "https://testnet.bitmex.com/api/v1"
    assert "www.bitmex.com" in bitmex_config("live", {}).rest_base
    local = bitmex_config("testnet", {"PLUTARC_BITMEX_URL": "http://127.0.0.1:8400/",
                                      "PLUTARC_BITMEX_CONFIG": '{"order_timeout_s": 2.5}'})
    assert local.rest_base == "http://127.0.0.1:8400/api/v1"
    assert local.ws_base == "ws://127.0.0.1:8400/realtime"
    assert local.order_timeout_s == 2.5 and local.testnet


@pytest.mark.parametrize(("env", "problem"), [
    ({"PLUTARC_BITMEX_URL": "127.0.0.1:8400"}, "must look like https://host"),
    ({"PLUTARC_BITMEX_CONFIG": "{nope"}, "not valid JSON"),
    ({"PLUTARC_BITMEX_CONFIG": "[1]"}, "must be a JSON object"),
    ({"PLUTARC_BITMEX_CONFIG": '{"order_timeot_s": 1}'}, "order_timeot_s"),
])
def test_bad_settings_are_refused_with_the_reason(env: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        bitmex_config("live", env)


def test_a_venue_for_a_bot_carries_its_key_and_endpoints() -> None:
    venue = bitmex_venue("testnet", "main", {**ENV, "PLUTARC_BITMEX_URL": "http://localhost:9"})
    assert venue.config.rest_base == "http://localhost:9/api/v1"
    assert "s3cret" not in repr(venue)
