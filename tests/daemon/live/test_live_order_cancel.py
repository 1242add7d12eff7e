"""Cancelling one order by hand on a live (testnet) bot on the local BitMEX server: the venue
cancels it, the journal says so, the audit log has it; the protective stop is refused."""

from __future__ import annotations

import pytest

from plutarc.clock import WallClock
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.order_cancel import cancel_order
from plutarc.daemon.store import DaemonStore
from plutarc.errors import UsageError
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.models.enums import OrderStatus
from tests.daemon.live.conftest import QUICK_TEMPLATE, LiveRig, live_rig, until
from tests.exchanges.bitmex.conftest import sim_config

# The quick cross with a take-profit far away: in a position, a stop and a target rest.
TARGETED = QUICK_TEMPLATE.replace('name = "quick_cross"', 'name = "quick_target"') + """
[[components]]
id = "take_profit"
[components.params]
target_pct = 30.0
"""


def _resting(rig: LiveRig, bot_id: str, tag: str) -> str | None:
    found = [o.client_id for o in rig.store.orders.query(bot_id=bot_id, open_only=True)
             if o.tag == tag and o.status in ("new", "partially_filled")]
    return found[0] if found else None


def _venue_status(server: SimServer, client_id: str) -> str:
    [row] = [r for r in server.exchange.orders.values() if r["clOrdID"] == client_id]
    return str(row["ordStatus"])


async def test_a_live_target_is_cancelled_at_the_venue_and_the_stop_is_kept() -> None:
    async with SimServer(sim_config(warmup_bars=300)) as server:
        store = DaemonStore.open(":memory:")
        try:
            async with live_rig(server, WallClock(), store) as rig:
                rig.service.put_template("quick_target", TARGETED, "tester")
                bot_id = await rig.bot("hand-cancel", template="quick_target")
                await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
                for _ in range(40):
                    if _resting(rig, bot_id, "stop") and _resting(rig, bot_id, "target"):
                        break
                    await rig.advance(1)
                stop, target = _resting(rig, bot_id, "stop"), _resting(rig, bot_id, "target")
                assert stop and target, "the bot never rested a stop and a target"

                with pytest.raises(UsageError, match="protective stop"):
                    await cancel_order(rig.service, "hand-cancel", stop, "tester")
                assert _venue_status(server, stop) == "New"

                after = await cancel_order(rig.service, "hand-cancel", target, "tester")
                assert after.status is OrderStatus.CANCELED
                assert _venue_status(server, target) == "Canceled"
                assert _venue_status(server, stop) == "New"
                rows = [a for a in store.audit.query(limit=50) if a.action == "order.cancel"]
                assert len(rows) == 1 and rows[0].after["status"] == "canceled"
        finally:
            store.close()
