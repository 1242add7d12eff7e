"""Live bots: the journal follows orders the venue closed by itself (issue 15, item 4).

On the local BitMEX server a bot holds a position with its resting reduce-only stop; then
the venue cancels that stop by itself (as BitMEX does for an order cancelled from its web
page, by the liquidation engine, or a reduce-only order on a flat position). The journal
used to keep such an order ``new`` until the next restart.
"""

from __future__ import annotations

from plutarc.clock import WallClock
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.store import DaemonStore
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.models.enums import OrderStatus
from plutarc.models.events import EventKind
from tests.daemon.live.conftest import LiveRig, live_rig, until
from tests.exchanges.bitmex.conftest import sim_config

OPEN = {s.value for s in OrderStatus if s.is_open}


def _resting_stop(rig: LiveRig, bot_id: str) -> str | None:
    stops = [o.client_id for o in rig.store.orders.query(bot_id=bot_id, open_only=True)
             if o.tag == "stop" and o.status in OPEN and o.status != "pending"]
    return stops[0] if stops else None


async def test_a_stop_the_venue_cancelled_by_itself_is_closed_in_the_journal() -> None:
    async with SimServer(sim_config(warmup_bars=300)) as server:
        store = DaemonStore.open(":memory:")
        try:
            async with live_rig(server, WallClock(), store, position_check_s=0.3) as rig:
                bot_id = await rig.bot("venue-cancels")
                await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
                for _ in range(40):
                    if _resting_stop(rig, bot_id):
                        break
                    await rig.advance(1)
                stop = _resting_stop(rig, bot_id)
                assert stop is not None, "the bot never rested a stop"
                [order_id] = [oid for oid, row in server.exchange.orders.items()
                              if row["clOrdID"] == stop]
                server.exchange.cancel(order_id, reason="Cancelled from www.bitmex.com")

                await until(lambda: (o := rig.store.orders.get(stop)) is not None
                            and o.status == "canceled", 10)
                record = rig.store.orders.get(stop)
                assert record is not None and record.reason.startswith("by the venue")
                events = rig.store.events.query(bot_id=bot_id, kinds=[EventKind.ORDER],
                                                limit=500)
                assert any(e.data.get("by_venue") and e.data.get("client_id") == stop
                           for e in events)
        finally:
            store.close()
