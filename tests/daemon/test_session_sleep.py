"""A paper bot with trading sessions in a real daemon: sleeps when flat, holds while in a position.

The replay is the controlled clock: candle times drive the SessionWatch, so the test knows
exactly when each sleep and wake must happen on the bundled real BTCUSDT minutes.
"""

from __future__ import annotations

import asyncio
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.lifecycle import BotState
from plutarc.models.events import EventKind
from plutarc.strategy.sessions import in_sessions
from plutarc.strategy.template import parse_template
from tests.daemon.conftest import TEMPLATES, DaemonProcess
from tests.daemon.test_paper_parity import wait_replayed

BARS = 3 * 1440  # Mon 2024-01-01 .. Wed 2024-01-03
SESSION = ('\n[[sessions]]\ndays = ["mon", "tue", "wed", "thu", "fri"]\n'
           'start = "09:00"\nend = "17:00"\n')
TEMPLATE = (TEMPLATES / "scalp_1m.toml").read_text().replace(
    'name = "scalp_1m"', 'name = "scalp_sessions"') + SESSION


def test_a_paper_bot_sleeps_outside_its_sessions_only_when_flat(home: Path) -> None:
    daemon = DaemonProcess(home).start()

    async def scenario() -> None:
        async with daemon.client() as client:
            await client.put_template("scalp_sessions", TEMPLATE)
            spec = BotSpec(name="sessions", template="scalp_sessions", venue="sim", mode="paper",
                           account=f"speed=max;bars={BARS}", symbols=("BTCUSDT",))
            bot = await client.create_bot(spec, start=True)
            await wait_replayed(client, [bot.id], 120)
            activity = await client.events(bot=bot.id, kinds=[EventKind.ACTIVITY], limit=1000)
            states = await client.events(bot=bot.id, kinds=[EventKind.BOT_STATE], limit=1000)
            decisions = await client.decisions(bot=bot.id, limit=10_000)
            trades = await client.trades(bot=bot.id, limit=1000)

        phases = sorted((e.data["at_ms"], e.data["phase"]) for e in activity if "phase" in e.data)
        # The replay starts Monday 00:00, before the session: asleep at once, awake before
        # 09:00, asleep after 17:00 (once flat) on Monday, Tuesday and Wednesday; Thursday's
        # wake is after the last candle.
        assert [p for _, p in phases].count("sleeping") == 4, phases
        assert [p for _, p in phases].count("awake") == 3, phases
        wakes = [at for at, p in phases if p == "awake"]
        assert all(_utc(at).endswith("08:07") for at in wakes)  # 09:00 - warm-up - lead
        moves = [(e.data["from"], e.data["to"]) for e in states]
        assert moves.count(("online", "sleeping")) == 4
        assert moves.count(("sleeping", "online")) == 3

        # Nothing is decided while asleep: no decision between a sleep and its wake.
        sleep_spans = _spans(activity)
        assert len(sleep_spans) == 4
        for start, wake in sleep_spans:
            assert not [d for d in decisions if start < d.ts_ms < wake], (start, wake)
        # Entries only inside the sessions; every trade is closed by its own exit rules.
        template = parse_template(tomllib.loads(TEMPLATE), "test template")
        assert trades and all(in_sessions([t.entry_ts_ms], template.sessions)[0] for t in trades)

        # A position open at a session's end keeps the bot awake until it is flat.
        holding = [e for e in activity if e.data.get("phase") == "holding"]
        for event in holding:
            held_at = event.data["at_ms"]
            exit_after = [t for t in trades if t.entry_ts_ms < held_at <= t.exit_ts_ms]
            assert exit_after, "the bot held without a position"
            sleep = min(s for s, _ in sleep_spans if s >= held_at)
            assert sleep >= exit_after[0].exit_ts_ms  # it slept only once flat
        final = await _bot_state(daemon, bot.id)
        assert final in (BotState.ONLINE, BotState.SLEEPING)

    try:
        asyncio.run(scenario())
    finally:
        daemon.kill()


def _spans(activity) -> list[tuple[int, int]]:  # noqa: ANN001 - EventRecords, newest first
    """(candle close the bot fell asleep at, its wake time) for every sleep it took."""
    return sorted((e.data["at_ms"], e.data["wake_ms"]) for e in activity
                  if e.data.get("phase") == "sleeping")


def _utc(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%H:%M")


async def _bot_state(daemon: DaemonProcess, bot_id: str) -> BotState:
    async with daemon.client() as client:
        return (await client.get_bot(bot_id)).state
