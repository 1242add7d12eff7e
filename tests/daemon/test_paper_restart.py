"""SIGKILL a daemon mid-replay: the paper bot resumes where it stopped and sends nothing twice."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from plutarc.daemon.lifecycle import BotState
from plutarc.models.events import EventKind
from tests.daemon.conftest import DaemonProcess
from tests.daemon.test_paper_parity import create_paper_bots, trade_key, wait_replayed

BARS = 2 * 1440
LABEL = f"speed=max;bars={BARS}"


def order_key(o) -> tuple:  # noqa: ANN001 - OrderRecord
    return (o.client_id.split("-", 1)[1], o.side, o.type, o.qty, o.price, o.stop_price,
            o.status, o.filled_qty, o.avg_price)


def test_killed_daemon_resumes_the_replay_without_resending(home: Path) -> None:
    first = DaemonProcess(home).start()

    async def until_mid_replay() -> str:
        async with first.client() as client:
            bot_id = (await create_paper_bots(client, ["scalp_1m"], LABEL))["scalp_1m"]
            for _ in range(600):
                if len(await client.trades(bot=bot_id, limit=1000)) >= 3:
                    return bot_id
                await asyncio.sleep(0.05)
            raise AssertionError("the paper bot made no trades")

    bot_id = asyncio.run(until_mid_replay())
    first.signal(signal.SIGKILL)
    second = DaemonProcess(home).start()

    async def after_restart() -> None:
        async with second.client() as client:
            await wait_replayed(client, [bot_id], 120)
            bot = await client.get_bot(bot_id)
            assert bot.state is BotState.ONLINE
            events = await client.events(bot=bot_id, kinds=[EventKind.ACTIVITY], limit=500)
            assert any(e.message.startswith("resuming the replay after") for e in events)
            assert not any("diverges" in e.message for e in events)
            # A bot that was never interrupted, on the same candles, is the reference.
            fresh = await client.create_bot(_spec("scalp-fresh"), start=True)
            await wait_replayed(client, [fresh.id], 120)
            killed_trades = await client.trades(bot=bot_id, limit=1000)
            fresh_trades = await client.trades(bot=fresh.id, limit=1000)
            assert [trade_key(t) for t in killed_trades] == [trade_key(t) for t in fresh_trades]
            killed_orders = await client.orders(bot=bot_id, limit=1000)
            fresh_orders = await client.orders(bot=fresh.id, limit=1000)
            assert len({o.client_id for o in killed_orders}) == len(killed_orders)
            assert sorted(map(order_key, killed_orders)) == sorted(map(order_key, fresh_orders))
            fills = await client.fills(bot=bot_id, limit=1000)
            assert len({f.fill_id for f in fills}) == len(fills)

    try:
        asyncio.run(after_restart())
    finally:
        second.kill()


def _spec(name: str):  # noqa: ANN202
    from plutarc.daemon.bot_config import BotSpec

    return BotSpec(name=name, template="scalp_1m", venue="sim", mode="paper", account=LABEL,
                   symbols=("BTCUSDT",))
