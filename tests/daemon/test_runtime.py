"""Bot runtime in-process: lifecycle, supervision, hot configuration, restore after restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest

from plutarc.clock import WallClock
from plutarc.daemon.bot_config import BotSpec, ConfigPatch, RiskLimits
from plutarc.daemon.errors import AlreadyExists, InvalidTransition
from plutarc.daemon.events import EventBus, EventSink
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.runtime import (
    BotCommand,
    BotContext,
    ConfigChanged,
    FlattenRequested,
    PauseChanged,
    Supervisor,
    WorkerRegistry,
)
from plutarc.daemon.service import DaemonService
from plutarc.daemon.store import DaemonStore
from plutarc.errors import ConfigError, TemplateError
from plutarc.models.events import EventKind
from tests.daemon.conftest import TEMPLATE, TEMPLATE_NAME, TEMPLATES
from tests.daemon.plugin_workers import CrashingWorker


@dataclass
class RecordingWorker:
    """Records every command with the loop time it saw it; optionally ignores stop."""

    seen: list[tuple[float, BotCommand]] = field(default_factory=list)
    entries_when_paused: list[bool] = field(default_factory=list)
    stubborn: bool = False

    async def run(self, ctx: BotContext) -> None:
        ctx.mark_ready()
        while not ctx.stopping.is_set() or self.stubborn:
            command = await ctx.next_command(timeout_s=ctx.heartbeat_interval_s)
            ctx.heartbeat()
            if command is not None:
                self.seen.append((asyncio.get_running_loop().time(), command))
                if isinstance(command, PauseChanged):
                    self.entries_when_paused.append(ctx.entries_allowed)
            if self.stubborn and ctx.stopping.is_set():
                await asyncio.sleep(10)


class FinishingWorker:
    async def run(self, ctx: BotContext) -> None:
        ctx.mark_ready()


class SleepyWorker:
    async def run(self, ctx: BotContext) -> None:
        ctx.mark_ready()
        ctx.set_sleeping(True, "outside the trading session")
        await ctx.stopping.wait()


@dataclass
class Rig:
    service: DaemonService
    workers: dict[str, RecordingWorker]

    async def bot(self, name: str, venue: str = "rec", start: bool = True,
                  symbols: tuple[str, ...] = ("BTCUSDT",)) -> str:
        spec = BotSpec(name=name, template=TEMPLATE_NAME, venue=venue, mode="paper",
                       symbols=symbols)
        bot = await self.service.create_bot(spec, "tester", start=start)
        return bot.id

    def state(self, bot_id: str) -> BotState:
        return self.service.get_bot(bot_id).state


async def until(predicate: Callable[[], object], timeout_s: float = 2.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


def make_service(store: DaemonStore, workers: dict[str, RecordingWorker]) -> DaemonService:
    clock = WallClock()
    sink = EventSink(store, EventBus(), clock)
    registry = WorkerRegistry()
    registry.register("rec", lambda bot: workers.setdefault(bot.name, RecordingWorker()))
    registry.register("crashy", lambda _bot: CrashingWorker())
    registry.register("done", lambda _bot: FinishingWorker())
    registry.register("sleepy", lambda _bot: SleepyWorker())
    registry.register("stubborn", lambda bot: workers.setdefault(bot.name,
                                                                 RecordingWorker(stubborn=True)))
    supervisor = Supervisor(store, sink, registry, clock, heartbeat_interval_s=0.05, grace_s=0.3)
    return DaemonService(store, sink, supervisor, clock)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    store = DaemonStore.open(":memory:")
    workers: dict[str, RecordingWorker] = {}
    service = make_service(store, workers)
    service.put_template(TEMPLATE_NAME, TEMPLATE, "tester")
    yield Rig(service, workers)
    await service.supervisor.shutdown()


async def test_lifecycle_start_pause_resume_stop_with_an_event_per_state_change(rig: Rig):
    bot_id = await rig.bot("a")
    await until(lambda: rig.state(bot_id) is BotState.ONLINE)

    rig.service.pause_bot(bot_id, "alice")
    await until(lambda: rig.workers["a"].entries_when_paused)
    assert rig.state(bot_id) is BotState.PAUSED
    assert rig.workers["a"].entries_when_paused == [False]  # paused: no entries
    rig.service.resume_bot(bot_id, "alice")
    assert rig.state(bot_id) is BotState.ONLINE
    await rig.service.stop_bot(bot_id, "alice")
    assert rig.state(bot_id) is BotState.STOPPED
    assert not rig.service.supervisor.is_running(bot_id)

    moves = [(e.data["from"], e.data["to"])
             for e in rig.service.events(bot=bot_id, kinds=[EventKind.BOT_STATE])]
    assert moves == [(None, "stopped"), ("stopped", "deploying"), ("deploying", "online"),
                     ("online", "paused"), ("paused", "online"), ("online", "stopped")]
    assert [a.action for a in rig.service.audit(target=bot_id)] == [
        "bot.create", "bot.start", "bot.pause", "bot.resume", "bot.stop"]


async def test_invalid_transitions_are_refused_with_a_plain_sentence(rig: Rig):
    bot_id = await rig.bot("a", start=False)
    with pytest.raises(InvalidTransition, match=r"cannot pause bot 'a': it is stopped"):
        rig.service.pause_bot(bot_id, "alice")
    await rig.service.start_bot(bot_id, "alice")
    with pytest.raises(InvalidTransition, match=r"cannot start bot 'a': .*already running"):
        await rig.service.start_bot(bot_id, "alice")
    with pytest.raises(InvalidTransition, match=r"cannot delete bot 'a': .*stop it first"):
        rig.service.delete_bot(bot_id, "alice")
    with pytest.raises(AlreadyExists, match="a bot named 'a' exists already"):
        await rig.bot("a")


async def test_a_crashing_worker_marks_only_its_own_bot_errored(rig: Rig):
    healthy = await rig.bot("healthy")
    crashy = await rig.bot("crashy", venue="crashy")
    await until(lambda: rig.state(crashy) is BotState.ERRORED)

    bot = rig.service.get_bot(crashy)
    assert bot.state_reason == "RuntimeError: deliberate crash in the test worker"
    assert rig.state(healthy) is BotState.ONLINE
    beat = rig.service.get_bot(healthy).last_heartbeat_ms
    await until(lambda: rig.service.get_bot(healthy).last_heartbeat_ms != beat)
    # An errored bot can be started again (after someone looked) or stopped.
    await rig.service.stop_bot(crashy, "alice")
    assert rig.state(crashy) is BotState.STOPPED


async def test_a_worker_that_finishes_on_its_own_leaves_the_bot_stopped(rig: Rig):
    bot_id = await rig.bot("short", venue="done")
    await until(lambda: rig.state(bot_id) is BotState.STOPPED)
    assert rig.service.get_bot(bot_id).state_reason == "the worker finished on its own"


async def test_a_worker_ignoring_stop_is_cancelled_after_the_grace_period(rig: Rig):
    bot_id = await rig.bot("mule", venue="stubborn")
    await until(lambda: rig.state(bot_id) is BotState.ONLINE)
    started = asyncio.get_running_loop().time()
    await rig.service.stop_bot(bot_id, "alice")
    assert asyncio.get_running_loop().time() - started < 1.0  # grace 0.3 s, then cancelled
    assert rig.state(bot_id) is BotState.STOPPED


async def test_hot_config_reaches_the_running_worker_without_restart(rig: Rig):
    bot_id = await rig.bot("hot", symbols=("BTCUSDT",))
    await until(lambda: rig.state(bot_id) is BotState.ONLINE)
    other = (TEMPLATES / "trend_following.toml").read_text()
    rig.service.put_template("trend_following", other, "alice")

    sent = asyncio.get_running_loop().time()
    patch = ConfigPatch(template="trend_following", symbols=("BTCUSDT", "ETHUSDT"),
                        risk=RiskLimits(max_open_orders=3))
    rig.service.update_config(bot_id, patch, "alice")
    await until(lambda: rig.workers["hot"].seen)

    seen_at, command = rig.workers["hot"].seen[0]
    assert seen_at >= sent  # delivered through the worker's queue, no restart in between
    assert isinstance(command, ConfigChanged)
    assert (command.old.template, command.new.template) == (TEMPLATE_NAME, "trend_following")
    assert command.new.symbols == ("BTCUSDT", "ETHUSDT") and command.new.risk.max_open_orders == 3
    assert command.new.version == 2 and command.new.template_toml == other
    activity = [e.message for e in rig.service.events(bot=bot_id, kinds=[EventKind.ACTIVITY])]
    assert any("symbols changed by alice: +ETHUSDT -" in m for m in activity)


async def test_a_refused_config_keeps_the_last_good_one_and_says_so(rig: Rig):
    bot_id = await rig.bot("keep")
    await until(lambda: rig.state(bot_id) is BotState.ONLINE)

    with pytest.raises(ConfigError, match="no template named 'ghost'"):
        rig.service.update_config(bot_id, ConfigPatch(template="ghost"), "alice")

    bot = rig.service.get_bot(bot_id)
    assert (bot.template, bot.config_version) == (TEMPLATE_NAME, 1)
    assert rig.workers["keep"].seen == []
    [note] = rig.service.events(bot=bot_id, kinds=[EventKind.ACTIVITY])
    assert "configuration change refused: no template named 'ghost'" in note.message
    assert note.message.endswith("keeping configuration v1")


async def test_a_template_update_reaches_a_bot_only_when_moved_and_bad_ones_are_refused(
        rig: Rig):
    bot_id = await rig.bot("tpl")
    await until(lambda: rig.state(bot_id) is BotState.ONLINE)

    edited = TEMPLATE.replace("threshold = 1.0", "threshold = 0.9")
    rig.service.put_template(TEMPLATE_NAME, edited, "alice")
    # Opt-in (issue 24): saving moves no bot; it is told a newer version waits.
    assert rig.service.get_bot(bot_id).template_version == 1
    assert rig.workers["tpl"].seen == []
    [note] = rig.service.events(bot=bot_id, kinds=[EventKind.ACTIVITY])
    assert "v2 saved; this bot keeps running v1" in note.message
    rig.service.update_bot_template(bot_id, None, "alice")
    await until(lambda: rig.workers["tpl"].seen)
    command = rig.workers["tpl"].seen[0][1]
    assert isinstance(command, ConfigChanged)
    assert (command.old.template_version, command.new.template_version) == (1, 2)
    assert command.new.template_toml == edited

    with pytest.raises(TemplateError, match="not valid TOML"):
        rig.service.put_template(TEMPLATE_NAME, "this is [not toml", "alice")
    no_stop = edited.split("[[components]]\nid = \"hard_stop_loss\"")[0]
    with pytest.raises(TemplateError, match="needs a protective stop"):
        rig.service.put_template(TEMPLATE_NAME, no_stop, "alice")
    with pytest.raises(TemplateError, match="names itself 'reference_ema_cross' but is stored"):
        rig.service.put_template("other_name", edited, "alice")
    assert rig.service.get_template(TEMPLATE_NAME).version == 2
    assert rig.workers["tpl"].seen[1:] == []  # refused templates never reach the bot
    refusals = [e.message for e in rig.service.events(bot=bot_id, kinds=[EventKind.ACTIVITY])
                if "refused" in e.message]
    assert len(refusals) == 2 and all("keeping configuration v2" in m for m in refusals)


async def test_flatten_pauses_the_bot_and_asks_the_worker_to_close(rig: Rig):
    bot_id = await rig.bot("flat")
    await until(lambda: rig.state(bot_id) is BotState.ONLINE)
    rig.service.flatten_bot(bot_id, "alice")
    await until(lambda: len(rig.workers["flat"].seen) == 2)
    assert rig.state(bot_id) is BotState.PAUSED
    assert [type(c) for _, c in rig.workers["flat"].seen] == [PauseChanged, FlattenRequested]


async def test_session_sleep_survives_a_pause(rig: Rig):
    bot_id = await rig.bot("night", venue="sleepy")
    await until(lambda: rig.state(bot_id) is BotState.SLEEPING)
    rig.service.pause_bot(bot_id, "alice")
    rig.service.resume_bot(bot_id, "alice")
    assert rig.state(bot_id) is BotState.SLEEPING


async def test_a_new_supervisor_restores_every_bot_in_its_state(rig: Rig):
    online, paused = await rig.bot("on"), await rig.bot("pa")
    stopped, errored = await rig.bot("st", start=False), await rig.bot("er", venue="crashy")
    await until(lambda: rig.state(paused) is BotState.ONLINE)
    rig.service.pause_bot(paused, "alice")
    await until(lambda: rig.state(errored) is BotState.ERRORED)
    await rig.service.supervisor.shutdown()  # as on SIGTERM: states are kept
    assert rig.state(online) is BotState.ONLINE

    workers: dict[str, RecordingWorker] = {}
    again = make_service(rig.service.store, workers)
    restored = await again.supervisor.restore()

    assert {b.id for b in restored} == {online, paused}
    await until(lambda: again.get_bot(online).state is BotState.ONLINE)
    assert again.get_bot(paused).state is BotState.PAUSED
    assert again.get_bot(stopped).state is BotState.STOPPED
    assert again.get_bot(errored).state is BotState.ERRORED
    assert again.supervisor.is_running(paused) and not again.supervisor.is_running(stopped)
    assert "restored after a daemon restart (was online)" in [
        e.data["reason"] for e in again.events(bot=online, kinds=[EventKind.BOT_STATE])]
    await again.supervisor.shutdown()
