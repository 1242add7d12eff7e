"""A real daemon runs a testnet bot through ccxt on Binance USD-M, Bybit and OKX (demo
trading), each against its local server (signed requests checked) speaking REST and the
venue's WebSocket protocol on one port: it trades with its fills pushed over the private
socket, has its sockets dropped (and is told so), is SIGKILLed, restarts, authenticates its
private socket again, reconciles with the venue by client id, sends no order twice and
journals no fill twice.

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
from tests.exchanges.ccxt.replay.core import MINUTE, VENUE_CLOCK, Tape, now_ms
from tests.exchanges.ccxt.ws.binance import BinanceWs
from tests.exchanges.ccxt.ws.bybit import BybitWs
from tests.exchanges.ccxt.ws.hub import Hub
from tests.exchanges.ccxt.ws.okx import OkxWs

# the tape's rows 390-393 each close an EMA(2)/EMA(3) cross: with 390 bars of history, bar
# 390 is forming when the test starts, so the first live close trades and so does the next
CROSSES_FROM = 390
# room between a daemon start and the close it should decide on: the start-up (ccxt import,
# markets, clock sync, warm-up candles) must be done by then, or that bar is history and the
# bot decides on the next one a minute later (slower, still correct)
LEAD_MS = 12_000


# venue: (its local REST + WS server in testnet/demo mode, the bot's symbol, the key's parts)
VENUES = {
    "binance": (lambda tape: BinanceWs(binance.BinanceServer(tape)), "BTCUSDT",
                {"KEY": binance.KEY, "SECRET": binance.SECRET}),
    "bybit": (lambda tape: BybitWs(bybit.BybitServer(tape)), "BTCUSDT",
              {"KEY": bybit.KEY, "SECRET": bybit.SECRET}),
    "okx": (lambda tape: OkxWs(okx.OkxServer(tape, demo=True)), "BTC-USDT-SWAP",
            {"KEY": okx.KEY, "SECRET": okx.SECRET, "PASSPHRASE": okx.PASSPHRASE}),
}
# what the WS server logs when a private socket is opened with a valid key (Binance: a live
# listen key in the URL) or authenticated (Bybit's auth, OKX's login), and when the fills'
# channel is subscribed on it (Binance's user stream needs no subscription)
PRIVATE_LOGINS = {"binance": "private", "bybit": "auth", "okx": "login"}
FILL_CHANNELS = {"binance": None, "bybit": ("subscribe", ("execution",)),
                 "okx": ("subscribe", "orders")}


def _subscribed_since(name: str, hub: Hub, since: int) -> bool:
    """A private socket logged in after log entry ``since`` and asked for the fills."""
    log = hub.log[since:]
    logins = [i for i, (w, ok) in enumerate(log) if w == PRIVATE_LOGINS[name] and ok]
    channel = FILL_CHANNELS[name]
    return bool(logins) and (channel is None or channel in log[logins[0]:])


def _pushed(hub: Hub) -> set[str]:
    """Trade ids whose fill the server pushed on a private socket."""
    return {str(trade_id) for what, trade_id in hub.log if what == "pushed fill"}


@pytest.fixture(params=sorted(VENUES))
def venue(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[tuple[str, str, Any]]:
    name = request.param
    make, symbol, keys = VENUES[name]
    VENUE_CLOCK.close_in(LEAD_MS)  # the forming bar CROSSES_FROM closes LEAD_MS from now
    try:
        server = make(Tape(history=CROSSES_FROM))
        thread = server.serve()  # REST and WS on one port
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


def _drop_told(name: str, bot_id: str):  # noqa: ANN202
    """The bot's warnings that its account socket is down, with the venue's reason (the
    server refuses new sockets until the test has seen one, so it is told as down, not as
    dropped and back)."""
    async def check(c) -> list[str]:  # noqa: ANN001
        return [e.message for e in await c.events(bot=bot_id, limit=200)
                if e.kind.value == "activity" and e.severity.value == "warning"
                and e.message.startswith(f"{name} account socket down: ")
                and "closing code 1001" in e.message and "polling" in e.message]
    return check


async def _drop_sockets(client: Any, name: str, bot_id: str, hub: Hub) -> None:
    """The bot's entry fill came over its private socket; then the venue closes every socket
    and refuses new ones: the bot tells the drop, and once allowed back its private socket
    logs in and subscribes again, and the bot tells that too."""
    assert _subscribed_since(name, hub, 0), hub.log  # the private socket is in use

    async def filled(c) -> list:  # noqa: ANN001
        return await c.fills(bot=bot_id, limit=10)
    first = {f.fill_id for f in await wait(client, filled, 10)}

    async def pushed(_c) -> bool:  # noqa: ANN001 - the server logs right after its send
        return first <= _pushed(hub)
    await wait(client, pushed, 2)
    assert not await _drop_told(name, bot_id)(client)  # nothing dropped yet
    mark = len(hub.log)
    hub.drop(refuse=True)  # REST polls meanwhile
    told = await wait(client, _drop_told(name, bot_id), 20)
    print(told)
    hub.allow()

    async def back(c) -> bool:  # noqa: ANN001 - and the bot says so (not a minute later)
        return _subscribed_since(name, hub, mark) and any(
            e.message == f"{name} account socket reconnected (socket #2)"
            for e in await c.events(bot=bot_id, limit=200))
    await wait(client, back, 20)


def test_a_testnet_bot_survives_a_sigkill_without_sending_an_order_twice(
        venue: tuple[str, str, Any], home: Path) -> None:
    name, symbol, ws = venue
    server, hub = ws.rest, ws.hub
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
            orders = await sent(client)
            if orders:  # mid-run, the venue closes every socket: the bot must say so
                await _drop_sockets(client, name, bot_id, hub)
                print(f"socket drop told after {time.monotonic() - t0:.1f} s")
            events = [e.message for e in await client.events(bot=bot_id, limit=40)]
            return bot_id, orders or events

    try:
        bot_id, sent_before = asyncio.run(first_run())
        assert sent_before and not isinstance(sent_before[0], str), sent_before
        daemon.kill()  # SIGKILL
        mark = len(hub.log)
        close = VENUE_CLOCK.close_in(LEAD_MS)
        t0 = time.monotonic()
        daemon = DaemonProcess(home).start()

        async def after_restart() -> tuple[list, list, list]:
            async with daemon.client() as client:
                async def online(c) -> bool:  # noqa: ANN001
                    return (await c.get_bot(bot_id)).state is BotState.ONLINE
                await wait(client, online, 60)
                print(f"second life online after {time.monotonic() - t0:.1f} s")

                async def authenticated(_c) -> bool:  # noqa: ANN001 - the new process's login
                    return _subscribed_since(name, hub, mark)
                await wait(client, authenticated, 20)
                trades_before = len(server.book.trades)
                await wait(client, _decided_after(bot_id, close), 150)

                async def all_fills(c) -> list:  # noqa: ANN001 - the decision's fill too
                    found = await c.fills(bot=bot_id, limit=500)
                    venue = {t.trade_id for t in server.book.trades}
                    return found if {f.fill_id for f in found} >= venue else []
                fills = await wait(client, all_fills, 15)
                events = await client.events(bot=bot_id, limit=500)
                venue = [(o.client_id, o.side, o.kind, o.status, o.filled, o.created_ms)
                         for o in server.book.orders.values()]
                # The SIGKILL may land between journaling an order and sending it (on OKX
                # the stop follows a polled fill): the restart must then say the order
                # never reached the venue and not send it. Any other alert is a failure.
                unsent = [e for e in events if e.kind.value == "alert"]
                assert all("never reached the venue" in e.message for e in unsent), (
                    [e.message for e in events][:30],
                    [(f.client_id, f.side, f.qty, f.ts_ms) for f in fills], venue)
                # what traded once the restarted daemon was logged in came over its socket
                later = {t.trade_id for t in server.book.trades[trades_before:]}

                async def pushed(_c) -> bool:  # noqa: ANN001
                    return later <= _pushed(hub)
                await wait(client, pushed, 2)
                return await client.orders(bot=bot_id, limit=500), unsent, fills
        journal, unsent, fills = asyncio.run(after_restart())
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
    # every trade at the venue journaled once (socket and REST both deliver it: one row)
    trades = {t.trade_id for t in server.book.trades}
    ids = Counter(f.fill_id for f in fills)
    assert ids and max(ids.values()) == 1, ids
    assert set(ids) == trades, (sorted(ids), sorted(trades))
    # the fills came over the private socket, not only from REST catch-ups
    assert set(ids) & _pushed(hub), (sorted(ids), hub.log)
