"""The nine ccxt profiles as data: each names a ccxt exchange that exists and has what we
call, declares only intervals ccxt knows for it, can build every strategy interval, and
keeps its facts in typed fields (no prose in Capabilities.extra)."""

from __future__ import annotations

import asyncio

import pytest

from plutarc.errors import UsageError
from plutarc.exchanges.ccxt import CcxtVenue
from plutarc.exchanges.ccxt.candles import source_interval
from plutarc.exchanges.ccxt.venues import PROFILES, profile
from plutarc.intervals import STRATEGY_INTERVALS

ISSUE_IDS = {"binanceusdm", "bybit", "okx", "krakenfutures", "kucoinfutures", "deribit",
             "gemini", "phemex", "woo"}


def test_the_nine_venues_of_the_issue_each_have_one_profile() -> None:
    assert {p.ccxt_id for p in PROFILES.values()} == ISSUE_IDS
    with pytest.raises(UsageError, match="no ccxt venue 'ftx'"):
        profile("ftx")


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_a_profile_builds_its_ccxt_exchange_offline(name: str) -> None:
    prof = PROFILES[name]
    venue = CcxtVenue(prof)
    try:
        exchange = venue.exchange  # raises ConfigError if a required method is missing
        assert set(prof.capabilities.native_intervals) <= set(exchange.timeframes)
        assert exchange.has["fetchCurrencies"] is False  # never a private coin-list call
        if prof.sandbox:
            assert "test" in exchange.urls  # testnet/demo URLs exist for `--testnet` keys
    finally:
        asyncio.run(venue.close())
    assert set(prof.capabilities.extra) <= {"close_order"}  # quirks are typed fields
    for interval in STRATEGY_INTERVALS:  # native, or grouped from a native one
        assert source_interval(interval, prof.capabilities.native_intervals)


def test_quirks_are_declared_as_data() -> None:
    assert "3m" not in PROFILES["kucoin"].capabilities.native_intervals
    assert "4h" not in PROFILES["deribit"].capabilities.native_intervals
    assert PROFILES["gemini"].market_orders.value == "ioc_limit"
    assert PROFILES["binance"].ban_is_final and PROFILES["binance"].amend.value != "native"
    assert PROFILES["okx"].needs_passphrase and PROFILES["kucoin"].needs_passphrase
    assert PROFILES["okx"].alnum_client_ids and PROFILES["woox"].numeric_client_ids
    assert PROFILES["kraken"].clock.value == "local"


def test_keys_can_be_stored_for_every_ccxt_venue_with_its_parts() -> None:
    from plutarc.keys.venues import key_shape

    for prof in PROFILES.values():
        assert key_shape(prof.name).needs_passphrase == prof.needs_passphrase, prof.name
