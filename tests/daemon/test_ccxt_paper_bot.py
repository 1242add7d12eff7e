"""A real daemon runs a paper bot on Binance USD-M public data, through ccxt, from the local
Binance server (real candles replayed on the wall clock): it warms up from REST, decides on
a candle that closes while it runs, trades on its local sim, and never signs a request."""

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
from tests.exchanges.ccxt.replay.core import MINUTE, ServerThread, now_ms

PUBLIC = {"/fapi/v1/exchangeInfo", "/fapi/v1/time", "/fapi/v1/klines"}


@pytest.fixture
def binance(monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerThread]:
    thread = ServerThread(BinanceServer().app).start()
    monkeypatch.setenv("PLUTARC_BINANCE_URL", thread.url)
    monkeypatch.delenv("PLUTARC_BINANCE_KEY", raising=False)  # paper needs no key
    yield thread
    thread.stop()


@pytest.fixture
def home() -> Iterator[Path]:
    path = short_home()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_paper_bot_on_binance_decides_on_live_closes_from_public_data_only(
        binance: ServerThread, home: Path) -> None:
    daemon = DaemonProcess(home).start()
    started = now_ms()
    next_close = started - started % MINUTE + MINUTE

    async def scenario() -> None:
        async with daemon.client() as client:
            await client.put_template("quick_cross", QUICK_TEMPLATE)
            spec = BotSpec(name="paper-binance", template="quick_cross", venue="binance",
                           mode="paper", symbols=("BTCUSDT",))
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
    paths = {path for _method, path in binance.requests}
    assert paths and paths <= PUBLIC, paths  # nothing private ever reached the venue
