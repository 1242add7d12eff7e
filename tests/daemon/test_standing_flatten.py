"""A flatten (or the kill switch) stands until the bot is resumed, across worker restarts.

The CI runs of 2026-12-07 caught the kill switch leaving a paper bot's stop, target and
position in place: the flatten is a one-shot command in the worker's queue, so a worker
restarted between the request and the close lost it, and the new worker went on managing
the position as if nobody had asked. A bot in its restart backoff when the switch was
pulled was worse off: listed as 'no worker runs for it', then restarted online, trading.
In-process supervisor and service, real SQLite (in memory), workers that record commands.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.ops import killswitch
from plutarc.daemon.runtime import BotCommand, BotContext, FlattenRequested, PauseChanged
from plutarc.daemon.store import DaemonStore
from plutarc.errors import VenueUnavailable
from plutarc.models.events import EventKind
from tests.daemon.conftest import TEMPLATE, TEMPLATE_NAME
from tests.daemon.test_runtime import RecordingWorker, Rig, make_service, until


@dataclass
class Starts:
    """Per bot name: how many workers were started, and what each one was told."""

    seen: dict[str, list[list[BotCommand]]] = field(default_factory=dict)

    def of(self, name: str) -> list[list[str]]:
        return [[type(c).__name__ for c in run] for run in self.seen.get(name, [])]


class HangsOnFirstCommand:
    """First start: takes one command, then hangs without a heartbeat (a call that never
    returns), the rest of its queue unread. Later starts record what they are told."""

    def __init__(self, name: str, starts: Starts) -> None:
        self.run_no = len(starts.seen.setdefault(name, []))
        self.told = starts.seen[name]
        self.told.append([])

    async def run(self, ctx: BotContext) -> None:
        ctx.heartbeat()
        ctx.mark_ready()
        while not ctx.stopping.is_set():
            command = await ctx.next_command(ctx.heartbeat_interval_s)
            ctx.heartbeat()
            if command is None:
                continue
            self.told[self.run_no].append(command)
            if self.run_no == 0:
                await asyncio.Event().wait()  # hung


class FailsFirstStart:
    """First start fails as an outage would (transient: restarted after a backoff)."""

    def __init__(self, name: str, starts: Starts) -> None:
        self.run_no = len(starts.seen.setdefault(name, []))
        self.told = starts.seen[name]
        self.told.append([])

    async def run(self, ctx: BotContext) -> None:
        ctx.heartbeat()
        if self.run_no == 0:
            raise VenueUnavailable("deliberate outage in the test worker")
        ctx.mark_ready()
        while not ctx.stopping.is_set():
            command = await ctx.next_command(ctx.heartbeat_interval_s)
            ctx.heartbeat()
            if command is not None:
                self.told[self.run_no].append(command)


@pytest.fixture
async def rig() -> AsyncIterator[tuple[Rig, Starts]]:
    store = DaemonStore.open(":memory:")
    workers: dict[str, RecordingWorker] = {}
    starts = Starts()
    service = make_service(store, workers)
    service.supervisor.registry.register("hangs", lambda b: HangsOnFirstCommand(b.name, starts))
    service.supervisor.registry.register("fails", lambda b: FailsFirstStart(b.name, starts))
    service.put_template(TEMPLATE_NAME, TEMPLATE, "tester")
    yield Rig(service, workers), starts
    await service.supervisor.shutdown()


async def test_a_flatten_the_worker_never_read_is_carried_out_by_its_restart(rig):
    r, starts = rig
    bot_id = await r.bot("stuck", venue="hangs")
    await until(lambda: r.state(bot_id) is BotState.ONLINE)
    r.service.flatten_bot(bot_id, "alice")  # the worker takes the pause, then hangs
    await until(lambda: len(starts.of("stuck")) == 2, timeout_s=10)
    await until(lambda: "FlattenRequested" in starts.of("stuck")[1])
    assert starts.of("stuck")[0] == ["PauseChanged"]  # the first worker never read it
    await until(lambda: r.state(bot_id) is BotState.PAUSED)  # came back paused, not online
    told = starts.seen["stuck"][1]
    assert "alice" in next(c for c in told if isinstance(c, FlattenRequested)).requested_by

    r.service.resume_bot(bot_id, "alice")  # the operator trades again: the request is over
    assert not r.service.supervisor.flattens.stands(bot_id)


async def test_the_kill_switch_reaches_a_bot_waiting_out_its_restart_backoff(rig):
    r, starts = rig
    bot_id = await r.bot("outage", venue="fails")
    await until(lambda: r.service.supervisor.restart_pending(bot_id), timeout_s=5)
    assert r.state(bot_id) is BotState.ERRORED

    report = killswitch.panic(r.service, "alice")

    assert report.halted == ["outage"] and report.left_open == []
    await until(lambda: len(starts.of("outage")) == 2, timeout_s=5)
    await until(lambda: r.state(bot_id) is BotState.PAUSED)  # never online after the switch
    await until(lambda: "FlattenRequested" in starts.of("outage")[1])
    states = [e.data["to"] for e in r.service.events(bot=bot_id, kinds=[EventKind.BOT_STATE])]
    assert "online" not in states[states.index("errored"):]


async def test_a_daemon_restart_keeps_the_kill_switch_flatten_standing(rig):
    r, _ = rig
    held, resumed = await r.bot("held"), await r.bot("resumed")
    await until(lambda: r.state(held) is BotState.ONLINE and r.state(resumed) is BotState.ONLINE)
    killswitch.panic(r.service, "alice")
    r.service.resume_bot(resumed, "alice")
    await r.service.supervisor.shutdown()  # as on SIGTERM: states are kept

    workers: dict[str, RecordingWorker] = {}
    again = make_service(r.service.store, workers)
    await again.supervisor.restore()
    await until(lambda: again.get_bot(held).state is BotState.PAUSED
                and again.get_bot(resumed).state is BotState.ONLINE)
    await until(lambda: any(isinstance(c, FlattenRequested) for _, c in workers["held"].seen))
    assert not any(isinstance(c, FlattenRequested | PauseChanged)
                   for _, c in workers["resumed"].seen)
    await again.supervisor.shutdown()


async def test_an_operator_stop_ends_the_standing_flatten(rig):
    r, _ = rig
    bot_id = await r.bot("parked")
    await until(lambda: r.state(bot_id) is BotState.ONLINE)
    r.service.flatten_bot(bot_id, "alice")
    assert r.service.supervisor.flattens.stands(bot_id)
    await r.service.stop_bot(bot_id, "alice")
    assert not r.service.supervisor.flattens.stands(bot_id)
