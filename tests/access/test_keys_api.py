"""The key routes in-process: what goes in, what comes out, and the store live workers use."""

from __future__ import annotations

import pytest

from plutarc.keys import KeyStore, active_keystore
from tests.access.harness import ApiHarness

SECRET = "keys-api-secret-value-7"


async def test_a_stored_key_reaches_workers_but_never_a_response(api: ApiHarness) -> None:
    status, body = await api.call("POST", "/v1/keys", {
        "label": "acct-1", "venue": "bitmex", "testnet": True,
        "api_key": "WORKERKEYID00001", "api_secret": SECRET})
    assert status == 201 and SECRET not in str(body)
    # a live worker in the daemon's process asks by the bot's account label
    creds = KeyStore().get("acct-1")
    assert (creds.api_key, creds.secret, creds.testnet) == ("WORKERKEYID00001", SECRET, True)
    assert active_keystore().info("acct-1").last_used_ms is not None
    status, listing = await api.call("GET", "/v1/keys")
    assert status == 200 and SECRET not in str(listing)
    assert listing["keys"][0]["last_used_ms"] is not None
    status, events = await api.call("GET", "/v1/events?kind=activity")
    assert any("API key 'acct-1' (bitmex testnet) added by" in e["message"]
               for e in events["events"])


async def test_bad_key_requests_are_refused_without_quoting_them(api: ApiHarness) -> None:
    status, body = await api.call("POST", "/v1/keys", {
        "label": "x", "venue": "bitmex", "api_key": "K", "api_secret": SECRET, "scret": SECRET})
    assert status == 400
    assert "unknown key 'scret'" in body["error"]["message"]
    status, body = await api.call("POST", "/v1/keys", {
        "label": "x", "venue": "bitmex", "api_key": "K", "api_secret": SECRET, SECRET: 1})
    assert status == 400 and SECRET not in body["error"]["message"]
    status, body = await api.call("POST", "/v1/keystore/unlock", {"passphrase": 12345678})
    assert status == 400 and "12345678" not in body["error"]["message"]


async def test_without_a_daemon_there_is_no_implicit_store() -> None:
    harness = await ApiHarness().start()
    await harness.close()
    with pytest.raises(TypeError, match="needs the daemon's key store"):
        KeyStore()
