"""Issue 15: a reversal's entry leg meets every entry rule, in a paper bot in a REAL daemon.

The reproduction of the issue: ``reference_ema_cross`` (1 BTC a position, an opposite cross
reverses) on the bundled real BTCUSDT minutes, leverage capped at 5x on 10,000 USDT. Before
the fix the gate took a reversal's entry leg for a closing order: over the 14 bundled days the
bot kept reversing into 1 BTC positions as its equity fell, to about -6,790, with no leverage
block until then. The first day is enough to see it: equity falls below 8,500 (1 BTC is
more than 5x) after about 17 hours.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from plutarc.daemon.bot_config import BotSpec, RiskLimits
from plutarc.models.events import EventKind, Severity
from tests.daemon.conftest import TEMPLATE, TEMPLATE_NAME, DaemonProcess, short_home
from tests.daemon.test_paper_parity import wait_replayed


@pytest.fixture
def home() -> Iterator[Path]:
    path = short_home()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _exit_of(entry_id: str) -> str:
    """A reversal's exit leg is the order id just before its entry leg."""
    prefix, seq, _ = entry_id.rsplit("-", 2)
    return f"{prefix}-{int(seq) - 1:07d}-exit"


def test_a_reversal_that_would_breach_leverage_closes_but_does_not_open(home: Path) -> None:
    daemon = DaemonProcess(home).start()

    async def scenario() -> None:
        async with daemon.client(timeout_s=60) as client:
            await client.put_template(TEMPLATE_NAME, TEMPLATE)
            spec = BotSpec(name="ema", template=TEMPLATE_NAME, venue="sim", mode="paper",
                           account="speed=max;bars=1440", symbols=("BTCUSDT",),
                           risk=RiskLimits(max_leverage=Decimal(5)))
            bot = await client.create_bot(spec, start=True)
            await wait_replayed(client, [bot.id], 300)

            equity = await client.equity(bot=bot.id, since_ms=0, limit=10_000)
            equity += await client.equity(bot=bot.id, limit=10_000)
            assert min(e.equity for e in equity) > 0

            risk = await client.events(bot=bot.id, kinds=[EventKind.RISK], after_id=0,
                                       limit=1000)
            leverage = [e for e in risk if e.data["rule"] == "max_leverage"]
            assert leverage and all(e.severity is Severity.WARNING for e in leverage)
            # Find a reversal whose entry leg was refused: its exit leg went and filled.
            orders = {o.client_id: o for o in await client.orders(bot=bot.id, since_ms=0,
                                                                   limit=10_000)}
            reversals = [(e, orders[_exit_of(e.data["client_id"])]) for e in leverage
                         if _exit_of(e.data["client_id"]) in orders]
            assert reversals, "no reversal met the leverage limit"
            event, exit_order = reversals[0]
            assert event.data["action"] == "blocked" and "x the equity" in event.message
            assert exit_order.tag == "exit" and exit_order.reduce_only
            assert exit_order.status.value == "filled"  # the close still happened
            assert event.data["client_id"] not in orders  # never journaled, never sent
            decisions = await client.decisions(bot=bot.id, since_ms=exit_order.journaled_ms,
                                               limit=1)
            assert decisions[0].action.startswith("reverse_to_")
            assert any(r.startswith("risk: entry refused: max_leverage")
                       for r in decisions[0].skip_reasons)
            trades = await client.trades(bot=bot.id, since_ms=0, limit=1000)
            closed = [t for t in trades if t.exit_ts_ms is not None
                      and t.exit_ts_ms >= exit_order.journaled_ms]
            assert closed and closed[0].exit_reason == "opposite_signal"

    try:
        asyncio.run(scenario())
    finally:
        daemon.kill()
