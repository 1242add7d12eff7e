"""Issue 14 item 3 at the daemon: a live-mode (testnet) bot whose API key's rate-limit bucket
is drained by another client at the moment its entry fills still gets its protective stop to
the venue within one second of the fill (the next token, never Retry-After plus a backoff).

The times compared are the local BitMEX server's own: when it answered the entry (filled in
that answer) and when it answered the stop's placement, both on its wall clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from plutarc.clock import WallClock
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.store import DaemonStore
from plutarc.exchanges.bitmex_sim import SimServer
from tests.daemon.live.conftest import LiveRig, live_rig, until
from tests.exchanges.bitmex.conftest import sim_config

ORDER = {"path": "/api/v1/order", "exact": True, "method": "POST"}
# the dead man's switch re-armed as in production (every 15 s), not the fast tests' 0.2 s:
# five requests a second would spend the key's tokens faster than they come back (2 a second)
PRODUCTION_SWITCH = {"dead_man_refresh_s": 15.0, "dead_man_timeout_ms": 60_000}


@pytest.fixture
async def rig() -> AsyncIterator[LiveRig]:
    async with SimServer(sim_config(warmup_bars=300)) as server:  # 120 requests a minute
        store = DaemonStore.open(":memory:")
        try:
            async with live_rig(server, WallClock(), store, adapter=PRODUCTION_SWITCH) as live:
                yield live
        finally:
            store.close()


def _placed(rig: LiveRig, kind: str) -> list[tuple[int, str]]:
    """(ms answered, clOrdID) of the server's accepted placements of ordType ``kind``."""
    types = {o["clOrdID"]: o["ordType"] for o in rig.server.exchange.orders.values()}
    return [(ms, cid) for ms, method, path, status, cid in rig.server.rest.answered
            if (method, path, status) == ("POST", "/api/v1/order", 200) and cid is not None
            and types.get(cid) == kind]


async def test_a_stop_due_while_the_bucket_is_drained_reaches_the_venue_within_a_second(
        rig: LiveRig) -> None:
    bot_id = await rig.bot("drained")
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    # the first order the bot places is its entry: once it is filled, the key has no token
    rig.server.faults.arm({"kind": "drain_bucket", **ORDER})
    for _ in range(60):
        await rig.advance()
        if _placed(rig, "Market"):
            break
    else:
        raise AssertionError("the bot never entered")
    await until(lambda: _placed(rig, "Stop"), timeout_s=30)
    assert "drain_bucket POST /api/v1/order" in rig.server.faults.history
    (filled_ms, entry_id), = _placed(rig, "Market")
    (stop_ms, stop_id), = _placed(rig, "Stop")
    assert rig.server.exchange.find(cl_ord_id=entry_id)["ordStatus"] == "Filled"
    assert stop_ms - filled_ms <= 1000, (stop_ms - filled_ms, rig.server.rest.answered[-8:])
    assert all(n == 1 for n in rig.server.exchange.accepted_orders.values())
    assert not rig.service.get_bot(bot_id).needs_operator
