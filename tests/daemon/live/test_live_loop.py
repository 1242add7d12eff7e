"""The live loop between candles: commands answered at once, equity snapshots on a timer."""

from __future__ import annotations

import asyncio

from plutarc.clock import WallClock
from plutarc.daemon.bot_config import ConfigPatch
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.store import DaemonStore
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.models.events import EventKind
from tests.daemon.live.conftest import QUICK_TEMPLATE, LiveRig, live_rig, until
from tests.exchanges.bitmex.conftest import adapter_for, sim_config


def _activity(rig: LiveRig, bot_id: str) -> list[str]:
    return [e.message for e in rig.store.events.query(bot_id=bot_id,
                                                       kinds=[EventKind.ACTIVITY], limit=500)]


async def test_commands_reach_a_live_bot_between_candles() -> None:
    """A heartbeat of 60 s and no candle (the server's clock stands still): each change
    must still be taken, and said, at once rather than at the next candle or beat."""
    async with SimServer(sim_config(warmup_bars=300)) as server:
        store = DaemonStore.open(":memory:")
        try:
            async with live_rig(server, WallClock(), store, heartbeat_s=60.0) as rig:
                slower = QUICK_TEMPLATE.replace('name = "quick_cross"', 'name = "slower"'
                                                ).replace("max_bars = 3", "max_bars = 5")
                rig.service.put_template("slower", slower, "tester")
                bot_id = await rig.bot("steady")
                await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
                await asyncio.sleep(0.3)  # the loop is now waiting for the next candle

                rig.service.update_config(bot_id, ConfigPatch(template="slower"), "tester")
                await until(lambda: any("now trading template 'slower'" in m
                                        for m in _activity(rig, bot_id)), 5)
                rig.service.pause_bot(bot_id, "tester")
                await until(lambda: any(m.startswith("paused:")
                                        for m in _activity(rig, bot_id)), 5)
                assert not rig.store.decisions.query(bot_id=bot_id, limit=5)  # no candle yet
        finally:
            store.close()


async def test_equity_is_snapshot_on_a_timer_with_the_open_positions_pnl() -> None:
    async with SimServer(sim_config(warmup_bars=300)) as server:
        store = DaemonStore.open(":memory:")
        try:
            async with live_rig(server, WallClock(), store, equity_snapshot_s=0.1) as rig:
                bot_id = await rig.bot("snapper")
                await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
                for _ in range(60):
                    await rig.advance()
                    position = store.positions.get(bot_id, "BTCUSD")
                    # a market entry fills at the last price (as at BitMEX): the open PnL
                    # is zero until the mark moves
                    moved = server.exchange.positions.get("XBTUSD", {}).get("unrealisedPnl")
                    if position is not None and position.qty != 0 and moved:
                        break
                else:
                    raise AssertionError("no position with open PnL in 60 bars")
                before = len(store.equity.query(bot_id=bot_id, limit=10_000))
                await asyncio.sleep(0.6)  # no candle meanwhile: only the timer writes
                rows = store.equity.query(bot_id=bot_id, limit=10_000)
                assert len(rows) >= before + 2
                latest = rows[-1]
                # the server's clock stands still: what the venue says now is what was stored
                venue = adapter_for(server)
                try:
                    [at_venue] = [p for p in await venue.positions() if p.symbol == "BTCUSD"]
                    wallet = {b.currency: b.total for b in await venue.balances()}["BTC"]
                finally:
                    await venue.close()
                assert latest.currency == "BTC" and latest.balance == wallet
                assert latest.unrealised_pnl == at_venue.unrealised_pnl != 0
                assert latest.equity == latest.balance + latest.unrealised_pnl
        finally:
            store.close()


async def test_a_venue_outage_at_start_is_waited_out_not_an_errored_bot(rig: LiveRig) -> None:
    rig.server.faults.arm({"kind": "reject", "status": 503, "path": "/api/v1/instrument",
                           "method": "GET", "count": 100_000,
                           "message": "The system is currently overloaded."})
    bot_id = await rig.bot("patient")
    await until(lambda: sum("connecting again in" in m for m in _activity(rig, bot_id)) >= 2)
    assert rig.service.get_bot(bot_id).state is BotState.DEPLOYING  # waiting, not errored
    alerts = [e.message for e in rig.store.events.query(bot_id=bot_id, kinds=[EventKind.ALERT])]
    assert len(alerts) == 1 and alerts[0].startswith("lost bitmex")  # one alert per outage
    rig.service.pause_bot(bot_id, "tester")  # commands are still answered meanwhile
    await until(lambda: any(m.startswith("PauseChanged noted while disconnected")
                            for m in _activity(rig, bot_id)))

    rig.server.faults.clear()
    await until(lambda: any(m.startswith("connected to bitmex again after")
                            for m in _activity(rig, bot_id)), 15)
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.PAUSED)
