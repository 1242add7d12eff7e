"""A full disk never keeps a live position open (issue 23 item 5): flatten reaches the venue.

The journal cannot be written (SQLITE_FULL, rehearsed with PLUTARC_DISK_FULL_FILE's switch);
the flatten's cancel of the resting stop and its reduce-only exit still go to the local BitMEX
server, once. (The fill that follows cannot be booked either: the bot then errors and waits
for an operator, its position closed at the venue.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

import plutarc.storage.sqlite as sqlite_storage
from plutarc.errors import DiskFull
from tests.daemon.live.conftest import LiveRig, until
from tests.daemon.live.test_live_worker import _until_in_position
from tests.exchanges.bitmex.conftest import adapter_for


async def _venue_flat(rig: LiveRig) -> bool:
    venue = adapter_for(rig.server)
    try:
        return all(p.is_flat for p in await venue.positions()) and not await venue.open_orders()
    finally:
        await venue.close()


async def test_flatten_reaches_the_venue_while_the_journal_cannot_be_written(
        rig: LiveRig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bot_id = await rig.bot("full")
    await _until_in_position(rig, bot_id)
    await until(lambda: any(o.tag == "stop" and o.status == "new"
                            for o in rig.store.orders.query(bot_id=bot_id, limit=200)))
    journaled = len(rig.store.orders.query(bot_id=bot_id, limit=200))
    flag = tmp_path / "disk-is-full"
    monkeypatch.setattr(sqlite_storage, "_DISK_FULL_FLAG", str(flag))
    flag.touch()  # from here on, nothing can be written

    with pytest.raises(DiskFull, match="flatten of full done"):  # acted, then says so
        rig.service.flatten_bot(bot_id, "tester")
    await until(lambda: rig.server.exchange.accepted_orders and any(
        "exit" in cid for cid in rig.server.exchange.accepted_orders), timeout_s=15)
    await rig.advance()  # the local server fills market orders at the next bar
    assert await _venue_flat(rig)
    assert len(rig.store.orders.query(bot_id=bot_id, limit=200)) == journaled  # not written

    exits = [cid for cid in rig.server.exchange.accepted_orders if "exit" in cid]
    assert len(exits) == 1 and rig.server.exchange.accepted_orders[exits[0]] == 1  # sent once
