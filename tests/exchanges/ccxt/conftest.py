"""Local venue servers (one per test module) and a CcxtVenue pointed at them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.exchanges.ccxt.replay.core import ServerThread


@pytest.fixture(scope="module")
def binance_server() -> Iterator[tuple[ServerThread, object]]:
    from tests.exchanges.ccxt.replay.binance import BinanceServer

    venue = BinanceServer()
    thread = ServerThread(venue.app).start()
    yield thread, venue
    thread.stop()
