"""Hung bots are noticed (issue 15, item 9): a real daemon with workers that stop heartbeating.

The daemon under test heartbeats every 0.2 s (tests/daemon/conftest.py), so a worker silent
for three looks is declared hung within about a second.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.client import DaemonClient
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.runtime.watchdog import HeartbeatWatchdog, RestartBudget
from plutarc.models.events import EventKind
from tests.daemon.conftest import TEMPLATE, TEMPLATE_NAME, DaemonProcess

WAIT_S = 30.0


def spec(name: str, venue: str) -> BotSpec:
    return BotSpec(name=name, template=TEMPLATE_NAME, venue=venue, mode="paper",
                   symbols=("BTCUSDT",))


async def until(what: str, check, timeout_s: float = WAIT_S):  # noqa: ANN001, ANN201
    """Poll an async check until it returns something truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not (value := await check()):
        assert loop.time() < deadline, f"not within {timeout_s} s: {what}"
        await asyncio.sleep(0.05)
    return value


async def messages(c: DaemonClient, bot: str, kind: EventKind) -> list[str]:
    return [e.message for e in await c.events(bot=bot, kinds=[kind], limit=200)]


async def states(c: DaemonClient, bot_id: str) -> list[str]:
    events = await c.events(bot=bot_id, kinds=[EventKind.BOT_STATE], limit=200)
    return [e.data["to"] for e in sorted(events, key=lambda e: e.id)]


async def test_a_hung_worker_raises_an_alert_is_errored_and_restarted(daemon: DaemonProcess):
    async with daemon.client() as c:
        await c.put_template(TEMPLATE_NAME, TEMPLATE)
        bot = await c.create_bot(spec("hangs-once", "hangonce"), start=True)
        alerts = await until("a heartbeat ALERT",
                             lambda: messages(c, bot.id, EventKind.ALERT))
        assert "no heartbeat for" in alerts[0] and "the worker is hung" in alerts[0]
        # errored, then restarted by the supervisor; the second run is healthy and stays up
        await until("errored then online again", lambda: _errored_then_online(c, bot.id))
        activity = await messages(c, bot.id, EventKind.ACTIVITY)
        assert any("restarting in" in m and "after a stale heartbeat" in m for m in activity)
        assert any("run 2: healthy" in m for m in activity)
        assert (await c.get_bot(bot.id)).state is BotState.ONLINE


async def _errored_then_online(c: DaemonClient, bot_id: str) -> bool:
    seen = await states(c, bot_id)
    return "errored" in seen and seen[-1] == "online" and seen.index("errored") < len(seen) - 1


async def test_a_bot_that_keeps_hanging_stays_errored_after_its_restart_budget(
        daemon: DaemonProcess):
    async with daemon.client() as c:
        await c.put_template(TEMPLATE_NAME, TEMPLATE)
        bot = await c.create_bot(spec("hangs-always", "hangy"), start=True)
        alerts = await until("the restart budget spent", lambda: _budget_spent(c, bot.id),
                             timeout_s=60.0)
        assert "stays errored until an operator" in alerts[0]
        assert (await c.get_bot(bot.id)).state is BotState.ERRORED
        assert (await states(c, bot.id)).count("deploying") == 4  # the start + 3 restarts
        await c.bot_action(bot.id, "stop")


async def _budget_spent(c: DaemonClient, bot_id: str) -> list[str]:
    return [m for m in await messages(c, bot_id, EventKind.ALERT) if "not restarted" in m]


async def test_a_transient_crash_is_restarted_and_a_bug_is_not(daemon: DaemonProcess):
    async with daemon.client() as c:
        await c.put_template(TEMPLATE_NAME, TEMPLATE)
        flaky = await c.create_bot(spec("outage", "flaky"), start=True)
        await until("errored then online again", lambda: _errored_then_online(c, flaky.id))
        buggy = await c.create_bot(spec("buggy", "crashy"), start=True)
        await until("the bug errors the bot",
                    lambda: _is(c, buggy.id, BotState.ERRORED))
        activity = await messages(c, buggy.id, EventKind.ACTIVITY)
        assert not any("restarting" in m for m in activity)


async def _is(c: DaemonClient, bot_id: str, state: BotState) -> bool:
    return (await c.get_bot(bot_id)).state is state


# ----- the watchdog's counting, without a daemon -----------------------------------------
@dataclass(eq=False)
class Beating:
    beats: int = 0
    state: BotState = BotState.ONLINE
    stop_requested: bool = False


def test_three_silent_looks_make_a_bot_stale_and_a_late_look_forgives():
    bot, stale = Beating(), []
    dog = HeartbeatWatchdog(1.0, lambda: [bot], lambda h, s: stale.append(s))
    dog.look()
    dog.look()
    dog.look(late=True)  # the daemon itself was held up: no one could heartbeat
    dog.look()
    dog.look()
    assert stale == []
    bot.beats += 1
    for _ in range(4):
        dog.look()
    assert stale == [3.0]
    deploying = Beating(state=BotState.DEPLOYING)
    dog = HeartbeatWatchdog(1.0, lambda: [deploying], lambda h, s: stale.append(s))
    for _ in range(5):
        dog.look()
    assert stale == [3.0]


def test_the_restart_budget_backs_off_and_runs_out():
    budget = RestartBudget(first_delay_s=1.0, window_s=100.0)
    assert [budget.take("b", 0.0), budget.take("b", 1.0), budget.take("b", 2.0)] == [1, 2, 4]
    assert budget.take("b", 3.0) is None
    assert budget.take("b", 150.0) == 1.0  # the window moved on
    budget.forget("b")
    assert budget.take("b", 151.0) == 1.0


def test_a_slow_venue_call_is_not_a_hang_the_silence_must_also_last_hung_after_s():
    from plutarc.daemon.runtime.watchdog import stale_looks

    assert stale_looks(0.2, 1.0) == 3  # tests: three looks (at least 0.5 s apart)
    assert stale_looks(0.2, 30.0) == 60  # a 1.5 s order timeout is far from a hang
    assert stale_looks(5.0, 60.0) == 12  # the defaults: a minute of silence
    assert stale_looks(5.0, 0.0) == 3
