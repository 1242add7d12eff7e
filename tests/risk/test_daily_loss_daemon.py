"""Issue 15: max_daily_loss holds a paper bot in a REAL daemon, on real candles.

``reference_ema_cross`` (1 BTC a position) on the bundled BTCUSDT minutes of 2024-01-01
loses steadily; with a 300 USDT daily limit the bot is held for an operator part way through
the day. Before the fix the limit was stored and shown but the bot traded on.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from plutarc.daemon.bot_config import BotSpec, RiskLimits
from plutarc.daemon.errors import InvalidTransition
from plutarc.daemon.lifecycle import BotState
from plutarc.models.events import EventKind, Severity
from tests.daemon.conftest import (
    TEMPLATE,
    TEMPLATE_NAME,
    DaemonProcess,
    daemon_env,
    short_home,
)
from tests.daemon.test_paper_parity import wait_replayed

DAY_MS = 86_400_000


@pytest.fixture
def home() -> Iterator[Path]:
    path = short_home()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_paper_bot_is_held_once_its_daily_loss_reaches_the_limit(home: Path) -> None:
    daemon = DaemonProcess(home).start()

    async def scenario() -> None:
        async with daemon.client(timeout_s=60) as client:
            await client.put_template(TEMPLATE_NAME, TEMPLATE)
            spec = BotSpec(name="daily", template=TEMPLATE_NAME, venue="sim", mode="paper",
                           account="speed=max;bars=1440", symbols=("BTCUSDT",),
                           risk=RiskLimits(max_leverage=Decimal(5),
                                           max_daily_loss=Decimal(300)))
            bot = await client.create_bot(spec, start=True)
            await wait_replayed(client, [bot.id], 300)

            held = await client.get_bot(bot.id)
            assert held.state is BotState.PAUSED
            assert held.state_reason.startswith("needs operator: daily loss: lost ")
            assert "max_daily_loss is 300" in held.state_reason
            halts = [e for e in await client.events(bot=bot.id, kinds=[EventKind.RISK],
                                                    after_id=0, limit=1000)
                     if e.data.get("rule") == "max_daily_loss"]
            assert len(halts) == 1 and halts[0].severity is Severity.ERROR
            halt = halts[0].data
            assert Decimal(halt["loss"]) >= 300 and halt["day"] == "2024-01-01"
            at_ms = int(halt["at_ms"])
            assert at_ms < 1704067200000 + DAY_MS  # part way through the day
            # What it counted: the day's closed trades, net of fees, plus the open position.
            trades = [t for t in await client.trades(bot=bot.id, since_ms=0, limit=1000)
                      if t.exit_ts_ms <= at_ms]
            assert f"{sum(t.net_pnl for t in trades):.2f}" == halt["realised"]
            alerts = await client.events(bot=bot.id, kinds=[EventKind.ALERT], limit=10)
            assert any("daily loss" in a.message and a.severity is Severity.ERROR
                       for a in alerts)
            # Nothing opened after the halt; the decisions say why.
            orders = await client.orders(bot=bot.id, since_ms=0, limit=10_000)
            assert orders and not [o for o in orders if o.tag == "entry"
                                   and o.journaled_ms > at_ms]
            later = await client.decisions(bot=bot.id, since_ms=at_ms + 1, limit=10_000)
            assert any("bot: entries paused" in d.skip_reasons for d in later)
            with pytest.raises(InvalidTransition, match="needs an operator"):
                await client.bot_action("daily", "resume")

    try:
        asyncio.run(scenario())
        listing = subprocess.run([sys.executable, "-m", "plutarc", "bot", "list", "--json"],
                                 env=daemon_env(home), capture_output=True, text=True,
                                 timeout=60)
        [row] = json.loads(listing.stdout)
        assert row["state"] == "paused" and "daily loss: lost" in row["state_reason"], row
    finally:
        daemon.kill()
