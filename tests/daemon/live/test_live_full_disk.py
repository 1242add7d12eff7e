"""A full disk never keeps a live position open, nor stops the bot (issue 23 item 5).

The journal cannot be written (SQLITE_FULL, rehearsed with PLUTARC_DISK_FULL_FILE's switch);
the flatten's cancel of the resting stop and its reduce-only exit still go to the local BitMEX
server, once. A trade whose exit fills while the disk is full is booked, in order and once, as
soon as the disk has room again; meanwhile the bot opens nothing, raises one ALERT and never
errors.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import plutarc.storage.sqlite as sqlite_storage
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.runtime.backlog import DISK_FULL_REASON
from plutarc.errors import DiskFull
from plutarc.models.events import EventKind
from tests.daemon.live.conftest import LiveRig, until
from tests.daemon.live.test_live_worker import _until_in_position
from tests.exchanges.bitmex.conftest import adapter_for


async def _venue_flat(rig: LiveRig) -> bool:
    venue = adapter_for(rig.server)
    try:
        return all(p.is_flat for p in await venue.positions()) and not await venue.open_orders()
    finally:
        await venue.close()


async def _in_position_with_its_stop(rig: LiveRig, bot_id: str) -> None:
    await _until_in_position(rig, bot_id)
    await until(lambda: any(o.tag == "stop" and o.status == "new"
                            for o in rig.store.orders.query(bot_id=bot_id, limit=200)))


def _fill_the_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    flag = tmp_path / "disk-is-full"
    monkeypatch.setattr(sqlite_storage, "_DISK_FULL_FLAG", str(flag))
    flag.touch()  # from here on, nothing can be written
    return flag


async def test_flatten_reaches_the_venue_while_the_journal_cannot_be_written(
        rig: LiveRig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bot_id = await rig.bot("full")
    await _in_position_with_its_stop(rig, bot_id)
    journaled = len(rig.store.orders.query(bot_id=bot_id, limit=200))
    _fill_the_disk(tmp_path, monkeypatch)

    with pytest.raises(DiskFull, match="flatten of full done"):  # acted, then says so
        rig.service.flatten_bot(bot_id, "tester")
    await until(lambda: rig.server.exchange.accepted_orders and any(
        "exit" in cid for cid in rig.server.exchange.accepted_orders), timeout_s=15)
    await rig.advance()  # the local server fills market orders at the next bar
    assert await _venue_flat(rig)
    assert len(rig.store.orders.query(bot_id=bot_id, limit=200)) == journaled  # not written

    exits = [cid for cid in rig.server.exchange.accepted_orders if "exit" in cid]
    assert len(exits) == 1 and rig.server.exchange.accepted_orders[exits[0]] == 1  # sent once


async def test_an_exit_filled_while_the_disk_is_full_is_booked_once_when_it_has_room(
        rig: LiveRig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bot_id = await rig.bot("full")
    await _in_position_with_its_stop(rig, bot_id)
    before = {o.client_id for o in rig.store.orders.query(bot_id=bot_id, limit=200)}
    (resting,) = [o.client_id for o in rig.store.orders.query(bot_id=bot_id, limit=200)
                  if o.tag == "stop" and o.status == "new"]
    sent_before = set(rig.server.exchange.accepted_orders)
    flag = _fill_the_disk(tmp_path, monkeypatch)

    # the time stop (3 bars) sends a reduce-only exit; it fills at the next bar
    for _ in range(8):
        await rig.advance()
        assert rig.service.get_bot(bot_id).state is BotState.ONLINE  # never errored
        if await _venue_flat(rig):
            break
    assert await _venue_flat(rig)
    for _ in range(6):  # flat on a full disk: signals come, nothing opens
        await rig.advance()
    sent = [cid for cid in rig.server.exchange.accepted_orders if cid not in sent_before]
    assert sent and all("exit" in cid for cid in sent), sent  # the exit only, no entry
    assert all(rig.server.exchange.accepted_orders[cid] == 1 for cid in sent)
    assert {o.client_id for o in rig.store.orders.query(bot_id=bot_id, limit=200)} == before
    assert not rig.store.trades.query(bot_id=bot_id)  # nothing written meanwhile
    assert rig.service.get_bot(bot_id).state is BotState.ONLINE

    flag.unlink()  # room again: the held journal writes go in, in order
    await until(lambda: rig.store.trades.query(bot_id=bot_id), timeout_s=10)
    await rig.advance()

    orders = {o.client_id: o for o in rig.store.orders.query(bot_id=bot_id, limit=200)}
    (exit_id,) = sent
    assert orders[exit_id].status == "filled" and orders[exit_id].reduce_only
    assert orders[resting].status == "canceled"  # the exit's cancel of its stop, held
    assert all(o.status != "new" or o.tag == "stop" for o in orders.values())
    fills = rig.store.fills.query(bot_id=bot_id, limit=200)
    assert len({f.fill_id for f in fills}) == len(fills)  # each once
    ex = rig.server.exchange
    ours = {r["execID"] for r in ex.executions
            if r["execType"] == "Trade" and r["clOrdID"] in orders}
    assert {f.fill_id for f in fills} == ours  # every venue fill of ours, none twice
    exit_fills = [f for f in fills if f.client_id == exit_id]
    assert sum(f.qty for f in exit_fills) == orders[exit_id].qty
    (trade, *later) = rig.store.trades.query(bot_id=bot_id)
    entry = next(o for o in orders.values() if o.tag == "entry" and o.client_id in before)
    assert trade.qty == entry.qty and trade.exit_price == orders[exit_id].avg_price
    assert all(t.entry_ts_ms > trade.exit_ts_ms for t in later)  # trades after the outage
    position = rig.store.positions.get(bot_id, "BTCUSD")
    assert position is not None and (position.qty == 0 or later)

    alerts = [e for e in rig.store.events.query(bot_id=bot_id, kinds=[EventKind.ALERT],
                                                limit=100) if e.data.get("disk_full")]
    assert len(alerts) == 1 and "the disk is full" in alerts[0].message
    refused = [d for d in rig.store.decisions.query(bot_id=bot_id, limit=500)
               if DISK_FULL_REASON in d.skip_reasons]
    assert refused and all(d.action == "none" for d in refused)  # signals came, none entered
    assert rig.service.get_bot(bot_id).state is BotState.ONLINE
    assert not [e for e in rig.store.events.query(bot_id=bot_id, kinds=[EventKind.BOT_STATE],
                                                  limit=100) if "errored" in e.message]
    assert Decimal(0) not in {f.qty for f in fills}


async def test_a_restart_before_the_disk_had_room_recovers_the_exit_from_the_venue(
        rig: LiveRig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bot_id = await rig.bot("full")
    await _in_position_with_its_stop(rig, bot_id)
    sent_before = set(rig.server.exchange.accepted_orders)
    flag = _fill_the_disk(tmp_path, monkeypatch)
    for _ in range(8):  # the time stop's exit goes out and fills, its rows held in memory
        await rig.advance()
        if await _venue_flat(rig):
            break
    assert await _venue_flat(rig)
    (exit_id,) = [cid for cid in rig.server.exchange.accepted_orders if cid not in sent_before]
    assert rig.store.orders.get(exit_id) is None

    await rig.service.supervisor.stop_worker(bot_id)  # the daemon stops: what was held is lost
    flag.unlink()
    await rig.service.supervisor.restore()  # the restart reconciles with the venue
    await until(lambda: rig.store.trades.query(bot_id=bot_id), timeout_s=15)
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)

    exit_order = rig.store.orders.get(exit_id)
    assert exit_order is not None and exit_order.status == "filled"
    assert exit_order.tag == "exit" and exit_order.reduce_only
    (trade,) = rig.store.trades.query(bot_id=bot_id)
    assert trade.exit_price == exit_order.avg_price
    fills = rig.store.fills.query(bot_id=bot_id, limit=200)
    assert len({f.fill_id for f in fills}) == len(fills)
    assert sum(f.qty for f in fills if f.client_id == exit_id) == exit_order.qty
    position = rig.store.positions.get(bot_id, "BTCUSD")
    assert position is not None and position.qty == 0
    stops = [o for o in rig.store.orders.query(bot_id=bot_id, limit=200) if o.tag == "stop"]
    assert all(o.status != "new" for o in stops)  # no stop left behind in the journal
    assert rig.server.exchange.accepted_orders[exit_id] == 1  # never sent again
    adopted = [e for e in rig.store.events.query(bot_id=bot_id, kinds=[EventKind.ALERT],
                                                 limit=100) if e.data.get("adopted")]
    assert [e.data["client_id"] for e in adopted] == [exit_id]
