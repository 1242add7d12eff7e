"""A paper bot in a real daemon rides out a full disk (issue 23 item 5).

The daemon's journal cannot be written (SQLITE_FULL, rehearsed with PLUTARC_DISK_FULL_FILE)
while the bot holds a position: its exit still happens and moves the position in memory, the
bot opens nothing new ("disk full"), raises one ALERT and never errors; once the disk has room
the held rows are written in order and once. The journal then holds exactly the trades the
backtester makes on the same candles up to the outage, including the one that closed in it.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from plutarc.backtest.data import load_candles
from plutarc.backtest.instruments import generic_instrument
from plutarc.backtest.runner import run_backtest
from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.paper.legs import PAPER_CASH, PAPER_SIM_CONFIG
from plutarc.daemon.paper.replay import DEFAULT_FILES
from plutarc.daemon.runtime.backlog import DISK_FULL_REASON
from plutarc.models.events import EventKind
from plutarc.strategy.template import parse_template
from tests.daemon.conftest import DaemonProcess, short_home
from tests.daemon.live.conftest import QUICK_TEMPLATE  # trades every few minutes, 3-bar holds
from tests.daemon.test_paper_parity import trade_key, wait_replayed

BARS = 200
MINUTE = 60_000
LABEL = f"speed=600;bars={BARS}"  # 0.1 s a candle


@pytest.fixture
def full_disk_daemon(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[DaemonProcess, Path]]:
    home = short_home()
    flag = home / "disk-is-full"
    monkeypatch.setenv("PLUTARC_DISK_FULL_FILE", str(flag))
    daemon = DaemonProcess(home).start()
    yield daemon, flag
    flag.unlink(missing_ok=True)
    if daemon.proc is not None and daemon.proc.poll() is None:
        daemon.signal(signal.SIGTERM)
    shutil.rmtree(home, ignore_errors=True)


async def _last_bar(client, bot_id: str) -> int:  # noqa: ANN001
    candles = await client.candles(bot_id, "BTCUSDT", limit=1)
    return candles[-1].ts_ms if candles else -1


async def _fill_the_disk_in_a_trade(client, bot_id: str, flag: Path) -> int:  # noqa: ANN001
    """Touch the flag while a position is open in the journal; the last bar acted on."""
    for _ in range(5000):
        positions = await client.positions(bot=bot_id)
        if positions and positions[0].qty != 0:
            flag.touch()
            at = await _last_bar(client, bot_id)
            positions = await client.positions(bot=bot_id)  # nothing can change it now
            if positions and positions[0].qty != 0:
                return at
            flag.unlink()  # it closed just before: the next trade
        await asyncio.sleep(0.01)
    raise AssertionError("the paper bot never held a position")


def test_an_exit_while_the_disk_is_full_is_booked_once_and_nothing_opens(
        full_disk_daemon: tuple[DaemonProcess, Path]) -> None:
    daemon, flag = full_disk_daemon

    async def scenario() -> None:
        async with daemon.client() as client:
            await client.put_template("quick_cross", QUICK_TEMPLATE)
            spec = BotSpec(name="full", template="quick_cross", venue="sim", mode="paper",
                           account=LABEL, symbols=("BTCUSDT",))
            bot_id = (await client.create_bot(spec, start=True)).id
            full_at = await _fill_the_disk_in_a_trade(client, bot_id, flag)
            before = {o.client_id for o in await client.orders(bot=bot_id, limit=1000)}
            trades_before = await client.trades(bot=bot_id, limit=1000)
            # 25 bars: longer than any gap between entries here, so one is refused
            while await _last_bar(client, bot_id) < full_at + 25 * MINUTE:
                await asyncio.sleep(0.02)  # the replay goes on, the exit among it
            assert {o.client_id for o in await client.orders(bot=bot_id, limit=1000)} == before
            room_at = await _last_bar(client, bot_id)
            flag.unlink()  # room again: what was held is written, in order
            await wait_replayed(client, [bot_id], 60)

            bot = await client.get_bot(bot_id)
            assert bot.state.value == "online" and not bot.needs_operator
            trades = await client.trades(bot=bot_id, limit=1000)
            orders = await client.orders(bot=bot_id, limit=1000)
            fills = await client.fills(bot=bot_id, limit=1000)
            decisions = await client.decisions(bot=bot_id, limit=1000)
            alerts = await client.events(bot=bot_id, kinds=[EventKind.ALERT], limit=100)
            states = await client.events(bot=bot_id, kinds=[EventKind.BOT_STATE], limit=100)
        return (full_at, room_at, trades_before, trades, orders, fills, decisions, alerts,
                states)

    (full_at, room_at, trades_before, trades, orders, fills, decisions, alerts,
     states) = asyncio.run(scenario())

    # the backtester on the same candles is the reference for every trade entered before
    template = parse_template(tomllib.loads(QUICK_TEMPLATE), "quick_cross")
    bars = load_candles(DEFAULT_FILES["BTCUSDT"], use_cache=False).bars.slice(0, BARS)
    expected = run_backtest(template, bars, generic_instrument("BTCUSDT"), PAPER_SIM_CONFIG,
                            PAPER_CASH).trades
    entered = [trade_key(t) for t in expected if t.entry_ts_ms <= full_at]
    in_outage = [t for t in trades if full_at + 2 * MINUTE < t.entry_ts_ms < room_at - MINUTE]
    assert len(trades_before) < len(entered)  # one was open when the disk filled
    assert [trade_key(t) for t in trades[:len(entered)]] == entered  # its exit booked right
    assert trades[len(entered) - 1].exit_ts_ms > full_at  # ... and it closed in the outage
    assert in_outage == []  # nothing opened while the disk was full
    assert [t for t in expected if full_at + 2 * MINUTE < t.entry_ts_ms < room_at - MINUTE]

    assert len({o.client_id for o in orders}) == len(orders)
    assert not [o for o in orders if o.status == "pending"]  # every order's rows written
    assert len({f.fill_id for f in fills}) == len(fills)  # every fill once
    for order in orders:
        own = [f for f in fills if f.client_id == order.client_id]
        assert sum(f.qty for f in own) == order.filled_qty, order
        assert (order.status == "filled") == (own != [] and order.filled_qty == order.qty)
    assert sum(1 for o in orders if o.status in ("new", "partially_filled")) <= 1  # a stop
    assert any(DISK_FULL_REASON in d.skip_reasons for d in decisions)
    full = [a for a in alerts if a.data.get("disk_full")]
    assert len(full) == 1 and "the disk is full" in full[0].message
    assert not [e for e in states if "errored" in e.message]
