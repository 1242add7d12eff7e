"""A real daemon runs a testnet bot through ccxt on Binance USD-M, Bybit and OKX (demo
trading), each against its local server (signed requests checked): it trades, is SIGKILLed,
restarts, reconciles with the venue by client id and sends no order twice.

Bars close on the venue's clock. Before each daemon start the local venue's clock is moved
forward so that the next 1m bar closes LEAD_MS later (as if the daemon had been down that
long), instead of the test waiting up to a wall-clock minute per close."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.lifecycle import BotState
from plutarc.exchanges.ccxt import CcxtVenue
from plutarc.exchanges.ccxt.venues import PROFILES
from tests.daemon.conftest import DaemonProcess, short_home
from tests.daemon.live.conftest import QUICK_TEMPLATE
from tests.exchanges.bitmex.test_daemon_e2e import wait
from tests.exchanges.ccxt.replay import binance, bybit, okx
from tests.exchanges.ccxt.replay.core import MINUTE, VENUE_CLOCK, ServerThread, Tape, now_ms

# the tape's rows 390-393 each close an EMA(2)/EMA(3) cross: with 390 bars of history, bar
# 390 is forming when the test starts, so the first live close trades and so does the next
CROSSES_FROM = 390
# room between a daemon start and the close it should decide on: the start-up (ccxt import,
# markets, clock sync, warm-up candles) must be done by then, or that bar is history and the
# bot decides on the next one a minute later (slower, still correct)
LEAD_MS = 12_000


# venue: (its local server in testnet/demo mode, the bot's symbol, the key's parts)
VENUES = {
    "binance": (lambda tape: binance.BinanceServer(tape), "BTCUSDT",
                {"KEY": binance.KEY, "SECRET": binance.SECRET}),
    "bybit": (lambda tape: bybit.BybitServer(tape), "BTCUSDT",
              {"KEY": bybit.KEY, "SECRET": bybit.SECRET}),
    "okx": (lambda tape: okx.OkxServer(tape, demo=True), "BTC-USDT-SWAP",
            {"KEY": okx.KEY, "SECRET": okx.SECRET, "PASSPHRASE": okx.PASSPHRASE}),
}


@pytest.fixture(params=sorted(VENUES))
def venue(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[tuple[str, str, Any]]:
    name = request.param
    make, symbol, keys = VENUES[name]
    VENUE_CLOCK.close_in(LEAD_MS)  # the forming bar CROSSES_FROM closes LEAD_MS from now
    try:
        server = make(Tape(history=CROSSES_FROM))
        thread = ServerThread(server.app).start()
        monkeypatch.setenv(f"PLUTARC_{name.upper()}_URL", thread.url)
        for part, value in keys.items():
            monkeypatch.setenv(f"PLUTARC_{name.upper()}_{part}", value)
        yield name, symbol, server
        thread.stop()
    finally:
        VENUE_CLOCK.reset()


@pytest.fixture
def home() -> Iterator[Path]:
    path = short_home()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _decided_after(bot_id: str, ts_ms: int):  # noqa: ANN202
    async def check(c) -> bool:  # noqa: ANN001
        latest = await c.decisions(bot=bot_id, limit=1)
        return bool(latest) and latest[-1].ts_ms >= ts_ms
    return check


def _next_close() -> int:
    now = now_ms()
    return now - now % MINUTE + MINUTE


def test_a_testnet_bot_survives_a_sigkill_without_sending_an_order_twice(
        venue: tuple[str, str, Any], home: Path) -> None:
    name, symbol, server = venue
    first_close = _next_close()
    t0 = time.monotonic()
    daemon = DaemonProcess(home).start()

    async def first_run() -> tuple[str, list]:
        async with daemon.client() as client:
            await client.put_template("quick_cross", QUICK_TEMPLATE)
            spec = BotSpec(name=f"testnet-{name}", template="quick_cross", venue=name,
                           mode="testnet", account=f"{name}-testnet", symbols=(symbol,))
            bot_id = (await client.create_bot(spec, start=True)).id

            async def online(c) -> bool:  # noqa: ANN001
                bot = await c.get_bot(bot_id)
                assert bot.state is not BotState.ERRORED, bot.state_reason
                return bot.state is BotState.ONLINE
            await wait(client, online, 60)
            print(f"first life online after {time.monotonic() - t0:.1f} s")

            async def sent(c) -> list:  # noqa: ANN001
                return [o for o in await c.orders(bot=bot_id, limit=100) if o.venue_id]
            close = first_close
            for _ in range(3):  # a few live closes until the bot has orders at the venue
                await wait(client, _decided_after(bot_id, close), 150)
                print(f"decided on {close} after {time.monotonic() - t0:.1f} s")
                if await sent(client):
                    break
                close = _next_close()
            events = [e.message for e in await client.events(bot=bot_id, limit=40)]
            return bot_id, await sent(client) or events

    try:
        bot_id, sent_before = asyncio.run(first_run())
        assert sent_before and not isinstance(sent_before[0], str), sent_before
        daemon.kill()  # SIGKILL
        close = VENUE_CLOCK.close_in(LEAD_MS)
        t0 = time.monotonic()
        daemon = DaemonProcess(home).start()

        async def after_restart() -> list:
            async with daemon.client() as client:
                async def online(c) -> bool:  # noqa: ANN001
                    return (await c.get_bot(bot_id)).state is BotState.ONLINE
                await wait(client, online, 60)
                print(f"second life online after {time.monotonic() - t0:.1f} s")
                await wait(client, _decided_after(bot_id, close), 150)
                events = await client.events(bot=bot_id, limit=500)
                fills = [(f.client_id, f.side, f.qty, f.ts_ms) for f in
                         await client.fills(bot=bot_id, limit=100)]
                venue = [(o.client_id, o.side, o.kind, o.status, o.filled, o.created_ms)
                         for o in server.book.orders.values()]
                # The SIGKILL may land between journaling an order and sending it (on OKX
                # the stop follows a polled fill): the restart must then say the order
                # never reached the venue and not send it. Any other alert is a failure.
                unsent = [e for e in events if e.kind.value == "alert"]
                assert all("never reached the venue" in e.message for e in unsent), (
                    [e.message for e in events][:30], fills, venue)
                return await client.orders(bot=bot_id, limit=500), unsent
        journal, unsent = asyncio.run(after_restart())
    finally:
        daemon.kill()
    wire = CcxtVenue(PROFILES[name]).orders.wire  # our id as the venue holds it (OKX: hashed)
    held = {o.client_id for o in server.book.orders.values()}
    for alert in unsent:
        client_id = alert.data["client_id"]
        assert wire(client_id) not in held, f"{client_id} is at the venue: {alert.message}"
        assert next(o for o in journal if o.client_id == client_id).venue_id is None
    if unsent:  # the position it was to protect got a stop of its own after the restart
        assert any(o.tag == "stop" and o.venue_id for o in journal
                   if o.client_id not in {a.data["client_id"] for a in unsent})
    at_venue = Counter(o.client_id for o in server.book.orders.values()
                       if o.status != "canceled")
    assert at_venue and max(at_venue.values()) == 1, at_venue  # nothing sent twice
    journaled = {wire(o.client_id) for o in journal if o.venue_id}
    assert journaled == {cid for cid in at_venue} | {
        o.client_id for o in server.book.orders.values() if o.status == "canceled"}
