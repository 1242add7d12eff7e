"""'keys test' against the local BitMEX server: a good key reads the wallet, a bad one fails."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest

from plutarc.errors import UsageError
from plutarc.exchanges.bitmex_sim import SimServer, SimServerConfig
from plutarc.keys import Credentials
from plutarc.keys.probe import probe_key

KEY_ID = "PROBEKEY" + secrets.token_hex(8)
SECRET = "probe-" + secrets.token_urlsafe(24)


@pytest.fixture
async def bitmex() -> AsyncIterator[SimServer]:
    async with SimServer(SimServerConfig(warmup_bars=60, api_keys={KEY_ID: SECRET})) as srv:
        yield srv


async def test_a_good_key_reads_the_wallet(bitmex: SimServer) -> None:
    result = await probe_key(Credentials("t", "bitmex", True, KEY_ID, SECRET), bitmex.rest_url)
    assert result.ok, result.message
    assert result.endpoint == bitmex.rest_url
    assert result.message.startswith("authenticated: wallet ") and "BTC" in result.message


async def test_a_wrong_secret_is_refused_without_echoing_it(bitmex: SimServer) -> None:
    wrong = "wrong-" + secrets.token_urlsafe(24)
    result = await probe_key(Credentials("t", "bitmex", True, KEY_ID, wrong), bitmex.rest_url)
    assert not result.ok
    assert result.message.startswith("the venue refused the key: ")
    assert wrong not in result.model_dump_json()


async def test_an_unreachable_venue_is_a_failed_check() -> None:
    creds = Credentials("t", "bitmex", True, KEY_ID, SECRET)
    result = await probe_key(creds, "http://127.0.0.1:9/api/v1")
    assert not result.ok and result.message.startswith("could not complete the check")


async def test_unsupported_venues_and_bad_urls_are_usage_errors() -> None:
    # every venue plutarc trades is tested through its adapter; the simulated one has no keys
    with pytest.raises(UsageError, match=r"testing sim keys is not supported yet \(supported: "
                       "binance, bitmex, bybit, deribit, gemini, kraken, kucoin, okx, phemex, "
                       r"woox\)"):
        await probe_key(Credentials("s", "sim", False, "k-sim-0000000001", SECRET))
    with pytest.raises(UsageError, match="--url must be an http"):
        await probe_key(Credentials("t", "bitmex", True, KEY_ID, SECRET), "ftp://nowhere")


def test_a_ccxt_venue_key_is_tried_through_the_ccxt_venue() -> None:
    """OKX (three-part key) at its local server: reachable, clock measured, key valid; the
    same key without its passphrase's right value is refused."""
    import asyncio

    from tests.exchanges.ccxt.replay import okx
    from tests.exchanges.ccxt.replay.core import ServerThread

    thread = ServerThread(okx.OkxServer().app).start()
    try:
        good = asyncio.run(probe_key(Credentials("o", "okx", False, okx.KEY, okx.SECRET,
                                                 okx.PASSPHRASE), thread.url))
        bad = asyncio.run(probe_key(Credentials("o", "okx", False, okx.KEY, okx.SECRET,
                                                "not-the-passphrase"), thread.url))
    finally:
        thread.stop()
    assert good.ok and good.reachable and good.endpoint == thread.url, good
    assert good.clock_offset_ms is not None and abs(good.clock_offset_ms) < 2000
    assert good.message.startswith("authenticated: wallet ")
    assert bad.reachable and not bad.ok and bad.message.startswith("key refused"), bad
    assert "not-the-passphrase" not in bad.model_dump_json()
