"""Symbol changes of a running live bot against the local BitMEX server (XBTUSD and LTCUSDT,
both replaying the bundled BTC minutes, so both trade the same signals; positions of 10,000
USD, as LTCUSDT's minimum order at BTC prices is about 4,200 USDT)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from plutarc.clock import WallClock
from plutarc.daemon.bot_config import ConfigPatch
from plutarc.daemon.lifecycle import BotState
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.models.events import EventKind
from tests.daemon.live.conftest import QUICK_TEMPLATE, LiveRig, live_rig, until
from tests.exchanges.bitmex.conftest import linear_sim_config


@pytest.fixture
async def rig() -> AsyncIterator[LiveRig]:
    async with (SimServer(linear_sim_config(warmup_bars=300)) as server,
                live_rig(server, WallClock()) as live):
        live.service.put_template("quick_cross", QUICK_TEMPLATE.replace(
            "value = 1000.0", "value = 10000.0"), "tester")
        yield live


def _messages(rig: LiveRig, bot_id: str) -> list[str]:
    events = rig.store.events.query(bot_id=bot_id, kinds=[EventKind.ACTIVITY], limit=1000)
    return [e.message for e in sorted(events, key=lambda e: e.id)]


def _decisions(rig: LiveRig, bot_id: str, symbol: str) -> list[int]:
    rows = rig.store.db.execute("SELECT ts_ms FROM decisions WHERE bot_id = ? AND symbol = ?",
                                (bot_id, symbol))
    return [int(r["ts_ms"]) for r in rows]


def _orders(rig: LiveRig, bot_id: str, symbol: str):  # noqa: ANN202 - OrderRecords
    return [o for o in rig.store.orders.query(bot_id=bot_id, limit=1000) if o.symbol == symbol]


async def test_an_added_symbol_is_checked_warmed_and_joins_at_its_next_close(
        rig: LiveRig) -> None:
    bot_id = await rig.bot("adder")
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    await rig.advance(2)
    rig.service.update_config(bot_id, ConfigPatch(symbols=("BTCUSD", "LTCUSDT", "NOPEUSD")),
                              "tester")
    await until(lambda: any(m.startswith("now trading LTCUSDT") for m in _messages(rig, bot_id)))
    added_at = rig.server.exchange.now_ms
    messages = _messages(rig, bot_id)
    steps = [next(i for i, m in enumerate(messages) if m.startswith(prefix)) for prefix in (
        "adding LTCUSDT: listed on bitmex; warmed on", "leverage 2.0 set on LTCUSDT",
        "now trading LTCUSDT as well: reconciled")]
    assert steps == sorted(steps)
    assert any(m.startswith("cannot add NOPEUSD: bitmex does not list it") for m in messages)
    assert not _decisions(rig, bot_id, "LTCUSDT")  # nothing decided before its next close
    for _ in range(40):
        await rig.advance()
        if any(o.tag == "entry" for o in _orders(rig, bot_id, "LTCUSDT")):
            break
    assert min(_decisions(rig, bot_id, "LTCUSDT")) >= added_at
    assert any(o.tag == "entry" for o in _orders(rig, bot_id, "LTCUSDT"))
    assert rig.service.get_bot(bot_id).state is BotState.ONLINE
    assert rig.service.supervisor.recent_candles(bot_id, "LTCUSDT", 5)


async def test_a_removed_symbol_is_managed_until_flat_then_dropped(rig: LiveRig) -> None:
    bot_id = await rig.bot("remover", symbols=("BTCUSD", "LTCUSDT"))
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    for _ in range(60):
        await rig.advance()
        position = rig.store.positions.get(bot_id, "BTCUSD")
        if position is not None and position.qty != 0 and any(
                o.tag == "stop" and o.status == "new" for o in _orders(rig, bot_id, "BTCUSD")):
            break
    else:
        raise AssertionError("precondition: BTCUSD in a position with its stop resting")
    entries_before = sum(o.tag == "entry" for o in _orders(rig, bot_id, "BTCUSD"))
    rig.service.update_config(bot_id, ConfigPatch(symbols=("LTCUSDT",)), "tester")
    await until(lambda: any(m.startswith("BTCUSD removed: no new entries; its open position is "
                                         "managed until flat") for m in _messages(rig, bot_id)))
    stop = next(o for o in _orders(rig, bot_id, "BTCUSD") if o.tag == "stop")
    assert stop.status == "new"  # its protection stays on the venue while it is held
    for _ in range(10):
        await rig.advance()
        if any(m.startswith("stopped trading BTCUSD") for m in _messages(rig, bot_id)):
            break
    position = rig.store.positions.get(bot_id, "BTCUSD")
    assert position is not None and position.qty == 0
    dropped_at = rig.server.exchange.now_ms
    assert any(m.startswith("stopped trading BTCUSD: flat") for m in _messages(rig, bot_id))
    await rig.advance(5)
    assert max(_decisions(rig, bot_id, "BTCUSD")) <= dropped_at  # not acted on since
    assert max(_decisions(rig, bot_id, "LTCUSDT")) > dropped_at  # the other one goes on
    assert sum(o.tag == "entry" for o in _orders(rig, bot_id, "BTCUSD")) == entries_before
    assert all(o.status != "new" for o in _orders(rig, bot_id, "BTCUSD"))

