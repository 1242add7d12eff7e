"""Cancelling one order by hand (DELETE /v1/bots/{ref}/orders/{client_id}) through a REAL daemon
and a paper bot on the sim venue: the worker cancels at its venue, journals it and audits it;
the protective stop of an open position is refused and stays."""

from __future__ import annotations

import asyncio
import shutil
import signal
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from plutarc.daemon.bot_config import BotSpec, RiskLimits
from plutarc.daemon.errors import NotFound
from plutarc.errors import UsageError
from plutarc.models.enums import OrderStatus
from plutarc.models.events import EventKind
from tests.daemon.conftest import TEMPLATE, DaemonProcess, short_home
from tests.daemon.test_paper_parity import wait_replayed

# The reference EMA cross always holds a position after its first cross (it reverses); a
# take-profit 30 % away never fills, so the position rests with a stop AND a target.
TARGETED = TEMPLATE.replace('name = "reference_ema_cross"', 'name = "ema_with_target"') + (
    '\n[[components]]\nid = "take_profit"\n[components.params]\ntarget_pct = 30.0\n')


@pytest.fixture
def home() -> Iterator[Path]:
    path = short_home()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_cancel_a_target_by_hand_but_never_the_protective_stop(home: Path) -> None:
    daemon = DaemonProcess(home).start()

    async def scenario() -> None:
        async with daemon.client(timeout_s=30) as client:
            await client.put_template("ema_with_target", TARGETED)
            bot = await client.create_bot(BotSpec(
                name="canceller", template="ema_with_target", venue="sim", mode="paper",
                symbols=("BTCUSDT",), account="speed=max;bars=400",
                risk=RiskLimits(max_leverage=Decimal(10))), start=True)
            await wait_replayed(client, [bot.id], 60.0)
            open_orders = await client.orders(bot=bot.id, open_only=True)
            stop = next(o for o in open_orders if o.stop_price is not None)
            target = next(o for o in open_orders if o.client_id.endswith("target")
                          or (o.price is not None and o.stop_price is None))

            with pytest.raises(UsageError, match="protective stop"):
                await client.cancel_order("canceller", stop.client_id)
            assert (await client.orders(bot=bot.id, open_only=True)) == open_orders

            done = await client.cancel_order("canceller", target.client_id)
            assert done.client_id == target.client_id and done.status is OrderStatus.CANCELED
            still_open = {o.client_id for o in await client.orders(bot=bot.id, open_only=True)}
            assert still_open == {o.client_id for o in open_orders} - {target.client_id}
            audit = [a for a in await client.audit(target=bot.id) if a.action == "order.cancel"]
            assert len(audit) == 1 and audit[0].before["status"] == "new"
            assert audit[0].after["status"] == "canceled"
            events = await client.events(bot=bot.id, kinds=[EventKind.ORDER], limit=1000)
            assert any(f"cancel {target.client_id}: cancelled by" in e.message for e in events)

            with pytest.raises(UsageError, match="already canceled"):
                await client.cancel_order("canceller", target.client_id)
            with pytest.raises(NotFound, match="has no order 'nope'"):
                await client.cancel_order("canceller", "nope")

    try:
        asyncio.run(scenario())
    finally:
        daemon.signal(signal.SIGTERM)


def test_bot_cancel_from_the_cli(home: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    from plutarc.cli.main import run

    monkeypatch.setenv("PLUTARC_HOME", str(home))
    daemon = DaemonProcess(home).start()

    async def trade() -> tuple[str, str]:
        async with daemon.client(timeout_s=30) as client:
            await client.put_template("ema_with_target", TARGETED)
            bot = await client.create_bot(BotSpec(
                name="cli-canceller", template="ema_with_target", venue="sim", mode="paper",
                symbols=("BTCUSDT",), account="speed=max;bars=400",
                risk=RiskLimits(max_leverage=Decimal(10))), start=True)
            await wait_replayed(client, [bot.id], 60.0)
            open_orders = await client.orders(bot=bot.id, open_only=True)
            stop = next(o for o in open_orders if o.stop_price is not None)
            target = next(o for o in open_orders if o.price is not None and o.stop_price is None)
            return stop.client_id, target.client_id

    try:
        stop, target = asyncio.run(trade())
        assert run(["bot", "cancel", "cli-canceller", stop]) == 2
        assert "protective stop" in capsys.readouterr().err
        assert run(["bot", "cancel", "cli-canceller", target, "--json"]) == 0
        import json

        assert json.loads(capsys.readouterr().out)["status"] == "canceled"
        assert run(["bot", "cancel", "cli-canceller", target]) == 2  # gone already
    finally:
        daemon.signal(signal.SIGTERM)
