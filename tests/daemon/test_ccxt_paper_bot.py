"""A real daemon runs a paper bot on Binance USD-M, Bybit or OKX public data, through ccxt,
from the venue's local server (real candles replayed on the wall clock): it warms up from
REST, decides on a candle that closes while it runs, and never signs a request."""

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
from tests.exchanges.ccxt.replay.okx import OkxServer

VENUES = {  # server, symbol, the public paths it may be asked
    "binance": (BinanceServer, "BTCUSDT",
                {"/fapi/v1/exchangeInfo", "/fapi/v1/time", "/fapi/v1/klines"}),
    "bybit": (BybitServer, "BTCUSDT",
              {"/v5/market/instruments-info", "/v5/market/time", "/v5/market/kline"}),
    "okx": (OkxServer, "BTC-USDT-SWAP",
            {"/api/v5/public/instruments", "/api/v5/public/time", "/api/v5/market/candles",
             "/api/v5/market/history-candles"}),
}


@pytest.fixture(params=sorted(VENUES))
def venue(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[tuple[str, ServerThread]]:
    name = request.param
    thread = ServerThread(VENUES[name][0]().app).start()
    monkeypatch.setenv(f"PLUTARC_{name.upper()}_URL", thread.url)
    monkeypatch.delenv(f"PLUTARC_{name.upper()}_KEY", raising=False)  # paper needs no key
    yield name, thread
    thread.stop()


@pytest.fixture
def home() -> Iterator[Path]:
    path = short_home()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_paper_bot_decides_on_live_closes_from_public_data_only(
        venue: tuple[str, ServerThread], home: Path) -> None:
    name, thread = venue
    _server, symbol, public = VENUES[name]
    daemon = DaemonProcess(home).start()
    started = now_ms()
    next_close = started - started % MINUTE + MINUTE

    async def scenario() -> None:
        async with daemon.client() as client:
            await client.put_template("quick_cross", QUICK_TEMPLATE)
            spec = BotSpec(name=f"paper-{name}", template="quick_cross", venue=name,
                           mode="paper", symbols=(symbol,))
            bot_id = (await client.create_bot(spec, start=True)).id

            async def online(c) -> bool:  # noqa: ANN001
                return (await c.get_bot(bot_id)).state is BotState.ONLINE
            await wait(client, online, 60)

            async def decided_live(c) -> bool:  # noqa: ANN001 - a bar that closed meanwhile
                latest = await c.decisions(bot=bot_id, limit=1)
                return bool(latest) and latest[-1].ts_ms >= next_close
            await wait(client, decided_live, 150)
            bot = await client.get_bot(bot_id)
            assert bot.state is BotState.ONLINE, bot.state_reason

    try:
        asyncio.run(scenario())
    finally:
        daemon.kill()
    paths = {path for _method, path in thread.requests}
    assert paths and paths <= public, paths  # nothing private ever reached the venue
