"""A real daemon runs a paper bot on each served ccxt venue's public data (Binance USD-M,
Bybit, OKX, Deribit, Kraken Futures, KuCoin Futures, Phemex, WOO X, Gemini), through ccxt,
from the venue's local server (real candles replayed on the wall clock): it warms up from REST,
decides on a candle that closes while it runs, and never signs a request."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.lifecycle import BotState
from tests.daemon.conftest import DaemonProcess, short_home
from tests.daemon.live.conftest import QUICK_TEMPLATE
from tests.exchanges.bitmex.test_daemon_e2e import wait
from tests.exchanges.ccxt.replay.binance import BinanceServer
from tests.exchanges.ccxt.replay.bybit import BybitServer
from tests.exchanges.ccxt.replay.core import MINUTE, ServerThread, now_ms
from tests.exchanges.ccxt.replay.deribit import DeribitServer
from tests.exchanges.ccxt.replay.gemini import GeminiServer
from tests.exchanges.ccxt.replay.kraken import KrakenServer
from tests.exchanges.ccxt.replay.kucoin import KucoinServer
from tests.exchanges.ccxt.replay.okx import OkxServer
from tests.exchanges.ccxt.replay.phemex import PhemexServer
from tests.exchanges.ccxt.replay.woox import WooxServer
from tests.exchanges.ccxt.ws.binance import BinanceWs
from tests.exchanges.ccxt.ws.bybit import BybitWs
from tests.exchanges.ccxt.ws.okx import OkxWs

VENUES = {  # server, symbol, the public paths it may be asked
    "binance": (BinanceServer, "BTCUSDT",
                {"/fapi/v1/exchangeInfo", "/fapi/v1/time", "/fapi/v1/klines", "/market/ws/0"}),
    "bybit": (BybitServer, "BTCUSDT",
              {"/v5/market/instruments-info", "/v5/market/time", "/v5/market/kline",
               "/v5/public/linear"}),
    "okx": (OkxServer, "BTC-USDT-SWAP",
            {"/api/v5/public/instruments", "/api/v5/public/time", "/api/v5/market/candles",
             "/api/v5/market/history-candles", "/ws/v5/business"}),
    "deribit": (DeribitServer, "BTC-PERPETUAL",
                {"/api/v2/public/get_instruments", "/api/v2/public/get_time",
                 "/api/v2/public/get_tradingview_chart_data"}),
    "kraken": (KrakenServer, "PF_ETHUSD",
               {"/derivatives/api/v3/instruments", "/api/charts/v1/trade/PF_ETHUSD/1m"}),
    "kucoin": (KucoinServer, "XBTUSDTM",
               {"/api/v1/contracts/active", "/api/v1/timestamp", "/api/v1/kline/query"}),
    "phemex": (PhemexServer, "BTCUSD",
               {"/public/products", "/v1/exchange/public/products",
                "/exchange/public/md/v2/kline"}),
    "woox": (WooxServer, "PERP_BTC_USDT",
             {"/v3/public/instruments", "/v3/public/klineHistory"}),
    "gemini": (GeminiServer, "btcgusdperp",
               {"/v1/symbols", "/v1/symbols/details/btcgusdperp",
                "/v2/candles/btcgusdperp/1m"}),
}

WEBSOCKETS = {"binance": BinanceWs, "bybit": BybitWs, "okx": OkxWs}  # profile websocket=True


@pytest.fixture
def venues(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, ServerThread]]:
    """All local venues at once: one daemon, one wall-clock minute for all the bots."""
    threads = {}
    for name, (server, _symbol, _public) in sorted(VENUES.items()):
        streams = WEBSOCKETS.get(name)  # the venue's public socket beside its REST server
        threads[name] = (streams().serve() if streams is not None
                         else ServerThread(server().app).start())
        monkeypatch.setenv(f"PLUTARC_{name.upper()}_URL", threads[name].url)
        monkeypatch.delenv(f"PLUTARC_{name.upper()}_KEY", raising=False)  # paper needs no key
    yield threads
    for thread in threads.values():
        thread.stop()


@pytest.fixture
def home() -> Iterator[Path]:
    path = short_home()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_paper_bots_decide_on_live_closes_from_public_data_only(
        venues: dict[str, ServerThread], home: Path) -> None:
    daemon = DaemonProcess(home).start()
    started = now_ms()
    next_close = started - started % MINUTE + MINUTE

    async def scenario() -> None:
        async with daemon.client() as client:
            await client.put_template("quick_cross", QUICK_TEMPLATE)
            ids = {}
            for name, (_server, symbol, _public) in sorted(VENUES.items()):
                spec = BotSpec(name=f"paper-{name}", template="quick_cross", venue=name,
                               mode="paper", symbols=(symbol,))
                ids[name] = (await client.create_bot(spec, start=True)).id

            async def online(c) -> bool:  # noqa: ANN001
                return all([(await c.get_bot(b)).state is BotState.ONLINE
                            for b in ids.values()])
            await wait(client, online, 60)

            async def decided_live(c) -> bool:  # noqa: ANN001 - a bar that closed meanwhile
                for bot_id in ids.values():
                    latest = await c.decisions(bot=bot_id, limit=1)
                    if not (latest and latest[-1].ts_ms >= next_close):
                        return False
                return True
            await wait(client, decided_live, 150)
            for name, bot_id in ids.items():
                bot = await client.get_bot(bot_id)
                assert bot.state is BotState.ONLINE, (name, bot.state_reason)

    try:
        asyncio.run(scenario())
    finally:
        daemon.kill()
    for name, thread in venues.items():
        paths = {path for _method, path in thread.requests}
        assert paths and paths <= VENUES[name][2], (name, paths)  # nothing private was asked
        if name in WEBSOCKETS:  # its closes came over the public socket, not only REST
            assert paths & {"/market/ws/0", "/v5/public/linear", "/ws/v5/business"}, paths
