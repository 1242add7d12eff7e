"""Testnet/demo mode with the WebSocket side (ccxt.pro): set_sandbox_mode swaps in ccxt's
testnet URL table (``urls['test']``, its ws keys included), and plutarc's base URL must still
move every one of them, REST and WS, onto the local server; no socket may reach for a real
venue host. OKX demo over the socket: the testnet venue logs in through the demo URL
(``?brokerId=9999``), a live venue's login on the demo server is refused."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from plutarc.exchanges.ccxt import CcxtCredentials, CcxtVenue
from plutarc.exchanges.ccxt.client import build_exchange
from plutarc.exchanges.ccxt.venues import PROFILES
from tests.exchanges.ccxt.replay import okx as okx_rest
from tests.exchanges.ccxt.ws.okx import OkxWs

BASE = "http://127.0.0.1:8123"


def _strings(obj: Any) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _strings(value)


@pytest.mark.parametrize("name", ["binance", "bybit", "okx"])
@pytest.mark.parametrize("testnet", [True, False])
def test_every_rest_and_ws_url_is_moved_onto_the_base_url(name: str, testnet: bool) -> None:
    async def go() -> dict[str, str]:
        pro = build_exchange(PROFILES[name], testnet=testnet, credentials=None,
                             base_url=BASE, timeout_s=5, pro=True)
        try:
            urls = list(_strings(pro.urls["api"]))
            assert urls and all(u.startswith((BASE, BASE.replace("http", "ws", 1)))
                                for u in urls), urls
            # the URLs the streams' sockets open, as ccxt.pro composes them
            if name == "binance":
                return {"private": pro.get_private_ws_url("linear", "k"),
                        "market": pro.get_ws_url("linear", "market")}
            if name == "bybit":
                ws = pro.urls["api"]["ws"]
                return {"private": ws["private"]["contract"], "market": ws["public"]["linear"]}
            return {"private": pro.get_url("orders", "private"),
                    "market": pro.get_url("candle1m", "business")}
        finally:
            await pro.close()

    urls = asyncio.run(go())
    ws = "ws://127.0.0.1:8123"
    demo = "?brokerId=9999" if name == "okx" and testnet else ""
    assert urls == {
        "binance": {"private": f"{ws}/private/ws?listenKey=k", "market": f"{ws}/market/ws"},
        "bybit": {"private": f"{ws}/v5/private", "market": f"{ws}/v5/public/linear"},
        "okx": {"private": f"{ws}/ws/v5/private{demo}", "market": f"{ws}/ws/v5/business{demo}"},
    }[name]


@pytest.mark.parametrize("testnet", [True, False])
def test_okx_demo_logs_in_only_through_the_demo_socket(testnet: bool) -> None:
    server = OkxWs(okx_rest.OkxServer(demo=True))
    thread = server.serve()
    keys = CcxtCredentials(okx_rest.KEY, okx_rest.SECRET, okx_rest.PASSPHRASE)

    async def go() -> None:
        venue = CcxtVenue(PROFILES["okx"], testnet=testnet, credentials=keys,
                          base_url=thread.url, timeout_s=5)
        try:
            await venue.instruments()
            assert venue.live is not None
            await venue.live._markets()
            watch = asyncio.ensure_future(venue.live.pro.watch_my_trades())
            if testnet:  # logged in and subscribed: the watch waits for a fill
                for _ in range(100):
                    if ("subscribe", "orders") in server.hub.log:
                        break
                    await asyncio.sleep(0.05)
                watch.cancel()
            else:
                with pytest.raises(Exception) as raised:
                    await asyncio.wait_for(watch, 10)
                names = {c.__name__ for c in type(raised.value).__mro__}
                assert "AuthenticationError" in names, raised.value
        finally:
            await venue.close()

    try:
        asyncio.run(go())
    finally:
        thread.stop()
    logins = [ok for what, ok in server.hub.log if what == "login"]
    if testnet:
        assert logins == [True] and ("subscribe", "orders") in server.hub.log, server.hub.log
    else:
        assert logins == [False] and ("subscribe", "orders") not in server.hub.log
