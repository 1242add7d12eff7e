"""The supervisor: one asyncio task per running bot, state changes as events, crashes contained."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from plutarc import __version__
from plutarc.clock import Clock
from plutarc.daemon.bot_config import BotConfig
from plutarc.daemon.errors import InvalidTransition, NotFound
from plutarc.daemon.events import EventSink
from plutarc.daemon.lifecycle import BotState, check_transition
from plutarc.daemon.runtime.protocol import (
    AccountView,
    BotCommand,
    BotContext,
    BotWorker,
    CandleRow,
    FlattenRequested,
    PauseChanged,
    VenueView,
)
from plutarc.daemon.runtime.registry import WorkerRegistry
from plutarc.daemon.runtime.standing_flatten import StandingFlattens
from plutarc.daemon.runtime.wake_timer import WakeTimer
from plutarc.daemon.runtime.watchdog import (
    HeartbeatWatchdog,
    RestartBudget,
    Watched,
    stale_looks,
)
from plutarc.daemon.store import BotRecord, DaemonStore
from plutarc.errors import PlutarcError
from plutarc.models.events import Event, EventKind, Severity
from plutarc.risk.policy import ErrorClass, classify

log = logging.getLogger(__name__)


def config_of(store: DaemonStore, bot: BotRecord) -> BotConfig:
    """The hot configuration a worker sees: the bot's fields plus the text of the template
    version it is pinned to (the latest for a bot from before pinning)."""
    template = store.templates.require(bot.template)
    if bot.template_version is not None and bot.template_version != template.version:
        pinned = store.templates.version(bot.template, bot.template_version)
        if pinned is None:
            raise NotFound(f"bot {bot.name!r} is pinned to template {bot.template!r} "
                           f"v{bot.template_version}, which is not stored")
        template = pinned
    return BotConfig(version=bot.config_version, template=bot.template,
                     template_version=template.version, template_toml=template.toml,
                     symbols=bot.symbols, risk=bot.risk, margin_mode=bot.margin_mode)


def handle_name(store: DaemonStore, bot_id: str) -> str:
    return store.bots.resolve(bot_id).name


@dataclass(eq=False)
class BotHandle:
    ctx: BotContext
    after_ready: BotState  # online, or paused when it was paused before a restart
    wants_sleep: bool = False
    stop_requested: bool = False
    worker: BotWorker | None = field(default=None, repr=False)
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def state(self) -> BotState:
        return self.ctx.bot.state

    @property
    def beats(self) -> int:
        return self.ctx.beats


class Supervisor:
    def __init__(
        self,
        store: DaemonStore,
        sink: EventSink,
        registry: WorkerRegistry,
        clock: Clock,
        heartbeat_interval_s: float,
        grace_s: float = 3.0,
        equity_snapshot_s: float = 60.0,
        stale_beats: int = 3,
        hung_after_s: float = 0.0,
    ) -> None:
        self.store = store
        self.sink = sink
        self.registry = registry
        self.clock = clock
        self.heartbeat_interval_s = heartbeat_interval_s
        self.grace_s = grace_s
        self.equity_snapshot_s = equity_snapshot_s
        self._handles: dict[str, BotHandle] = {}
        self.wake_timer = WakeTimer()  # the apscheduler that wakes sleeping bots
        self.watchdog = HeartbeatWatchdog(
            heartbeat_interval_s, self._handles.values, self._stale,
            stale_looks(heartbeat_interval_s, hung_after_s, stale_beats))
        self.restarts = RestartBudget(first_delay_s=max(1.0, 2 * heartbeat_interval_s),
                                      window_s=200 * heartbeat_interval_s)
        self._restarting: set[asyncio.Task[None]] = set()
        self._awaiting_restart: dict[str, BotHandle] = {}  # errored, its restart scheduled
        self.flattens = StandingFlattens()

    def restart_pending(self, bot_id: str) -> bool:
        """True while an errored bot waits out its backoff before an automatic restart."""
        return bot_id in self._awaiting_restart

    def is_running(self, bot_id: str) -> bool:
        return bot_id in self._handles

    def running_count(self) -> int:
        return len(self._handles)

    def transition(
        self, bot_id: str, target: BotState, reason: str, *, checked: bool = True
    ) -> BotRecord:
        """Move a bot to ``target``: the row and its bot_state event commit together."""
        bot = self.store.bots.resolve(bot_id)
        if bot.state is target and bot.state_reason == reason:
            return bot
        if checked:
            check_transition(bot.name, bot.state, target)
        severity = Severity.ERROR if target is BotState.ERRORED else Severity.INFO
        event = Event(EventKind.BOT_STATE, self.clock.now_ms(),
                      f"{bot.name}: {bot.state} -> {target}" + (f" ({reason})" if reason else ""),
                      bot.id, severity, {"from": bot.state.value, "to": target.value,
                                         "reason": reason})
        with self.store.transaction():
            self.store.bots.set_state(bot.id, target, reason, event.ts_ms)
            records = self.store.events.insert_many([event])
        self.sink.publish(records)
        updated = self.store.bots.resolve(bot.id)
        handle = self._handles.get(bot.id)
        if handle is not None:
            handle.ctx.deliver(updated, None, None)
        return updated

    def launch(self, bot: BotRecord, after_ready: BotState, reason: str,
               restoring: bool = False, automatic: bool = False) -> BotRecord:
        """Start a worker task; the bot is deploying until the worker says it is ready."""
        self.watchdog.start()
        if not automatic:  # an operator's start (or a daemon restart): a fresh restart budget
            self.restarts.forget(bot.id)
        was_sleeping = bot.state is BotState.SLEEPING
        # A restored bot's worker died with the previous daemon: it deploys again from any state.
        bot = self.transition(bot.id, BotState.DEPLOYING, reason, checked=not restoring)
        self.store.bots.set_plutarc_version(bot.id, __version__)
        try:
            config = config_of(self.store, bot)
        except PlutarcError as exc:
            return self.transition(bot.id, BotState.ERRORED, f"cannot deploy: {exc}")
        ctx = BotContext(
            bot, config, self.store, self.sink, self.clock, self.heartbeat_interval_s,
            on_ready=lambda: self._ready(handle),
            on_sleeping=lambda sleeping, why: self._sleep(handle, sleeping, why),
            wake_timer=self.wake_timer, equity_snapshot_s=self.equity_snapshot_s,
        )
        handle = BotHandle(ctx, after_ready, wants_sleep=was_sleeping)
        standing = self.flattens.again(bot.id)
        if standing is not None:  # asked for flat and not resumed: paused, and flatten again
            handle.after_ready = BotState.PAUSED
            ctx.deliver(bot, None, standing)
        self._handles[bot.id] = handle
        handle.task = asyncio.create_task(self._run(handle), name=f"bot:{bot.name}")
        return self.store.bots.resolve(bot.id)

    async def _run(self, handle: BotHandle) -> None:
        bot = handle.ctx.bot
        try:
            worker = handle.worker = self.registry.factory_for(bot)(bot)
            await worker.run(handle.ctx)
        except asyncio.CancelledError:
            if not handle.stop_requested:
                raise
        except Exception as exc:  # the wall between one bot's bug and everything else
            log.exception("bot %s worker failed", bot.name)
            self._forget(handle)
            reason = f"{type(exc).__name__}: {exc}"
            if handle.stop_requested:
                self.sink.emit(EventKind.ALERT, f"{bot.name}: worker failed while stopping: "
                               f"{reason}", bot_id=bot.id, severity=Severity.WARNING)
            else:
                self.transition(bot.id, BotState.ERRORED, reason)
                if classify(exc) is ErrorClass.TRANSIENT:
                    self._restart(handle, f"a transient error ({reason})")
        else:
            self._forget(handle)
            if not handle.stop_requested:
                self.transition(bot.id, BotState.STOPPED, "the worker finished on its own")

    def _stale(self, watched: Watched, silent_s: float) -> None:
        """The watchdog found a hung worker: ALERT, errored, cancelled, restarted (a hang is
        treated as transient: a stuck socket or call, which a fresh worker does not share)."""
        assert isinstance(watched, BotHandle)
        handle, bot = watched, watched.ctx.bot
        self._forget(handle)
        handle.stop_requested = True  # its cancellation is ours, not a crash
        why = (f"no heartbeat for {silent_s:.1f} s ({self.watchdog.stale_beats} looks in a row; "
               f"heartbeat interval {self.heartbeat_interval_s:g} s)")
        self.sink.emit(EventKind.ALERT, f"{bot.name}: {why}: the worker is hung; marked "
                       "errored", bot_id=bot.id, severity=Severity.ERROR,
                       data={"check": "heartbeat", "silent_s": silent_s,
                             "last_heartbeat_ms": handle.ctx.last_heartbeat_ms})
        self.transition(bot.id, BotState.ERRORED, f"heartbeat stale: {why}")
        if handle.task is not None:
            handle.task.cancel()
        self._restart(handle, "a stale heartbeat")

    def _restart(self, handle: BotHandle, why: str) -> None:
        """Restart an errored bot after a backoff, within its restart budget."""
        bot = handle.ctx.bot
        delay = self.restarts.take(bot.id, asyncio.get_running_loop().time())
        if delay is None:
            self.sink.emit(EventKind.ALERT, f"{bot.name}: not restarted after {why}: "
                           f"{self.restarts.max_restarts} automatic restarts already within "
                           f"{self.restarts.window_s:g} s; it stays errored until an operator "
                           "starts or stops it", bot_id=bot.id, severity=Severity.ERROR)
            return
        self.sink.emit(EventKind.ACTIVITY, f"{bot.name}: restarting in {delay:g} s after {why} "
                       f"(automatic restart {self.restarts.used(bot.id)} of "
                       f"{self.restarts.max_restarts})", bot_id=bot.id,
                       severity=Severity.WARNING)
        self._awaiting_restart[bot.id] = handle
        task = asyncio.create_task(self._restart_later(handle, delay, why),
                                   name=f"restart:{bot.name}")
        self._restarting.add(task)
        task.add_done_callback(self._restarting.discard)

    async def _restart_later(self, handle: BotHandle, delay_s: float, why: str) -> None:
        try:
            await self._relaunch(handle, delay_s, why)
        finally:
            if self._awaiting_restart.get(handle.ctx.bot_id) is handle:
                del self._awaiting_restart[handle.ctx.bot_id]

    async def _relaunch(self, handle: BotHandle, delay_s: float, why: str) -> None:
        bot_id = handle.ctx.bot_id
        old = handle.task
        if old is not None and old is not asyncio.current_task():
            done, _ = await asyncio.wait({old}, timeout=self.grace_s)
            if not done:  # never two workers for one bot: the old one may still send orders
                self.sink.emit(EventKind.ALERT, f"{handle.ctx.bot.name}: the hung worker did "
                               f"not end within {self.grace_s:g} s of being cancelled; not "
                               "restarting", bot_id=bot_id, severity=Severity.ERROR)
                return
        await asyncio.sleep(delay_s)
        bot = self.store.bots.resolve(bot_id)
        if bot.state is not BotState.ERRORED or self.is_running(bot_id) or bot.needs_operator:
            return  # an operator acted meanwhile, or the bot is held for one
        after = BotState.PAUSED if handle.after_ready is BotState.PAUSED else BotState.ONLINE
        self.launch(bot, after, f"restarted by the supervisor after {why}", automatic=True)

    def _forget(self, handle: BotHandle) -> None:
        if self._handles.get(handle.ctx.bot_id) is handle:
            del self._handles[handle.ctx.bot_id]

    def _ready(self, handle: BotHandle) -> None:
        if self._handles.get(handle.ctx.bot_id) is not handle:
            return
        if handle.ctx.bot.state is BotState.DEPLOYING:
            target = handle.after_ready
            if target is BotState.ONLINE and handle.wants_sleep:
                target = BotState.SLEEPING
            self.transition(handle.ctx.bot_id, target, "ready")

    def _sleep(self, handle: BotHandle, sleeping: bool, reason: str) -> None:
        handle.wants_sleep = sleeping
        state = handle.ctx.bot.state
        if sleeping and state is BotState.ONLINE:
            self.transition(handle.ctx.bot_id, BotState.SLEEPING, reason)
        elif not sleeping and state is BotState.SLEEPING:
            self.transition(handle.ctx.bot_id, BotState.ONLINE, reason)

    def recent_candles(self, bot_id: str, symbol: str, limit: int) -> list[CandleRow]:
        """The last ``limit`` closed candles the running bot acted on, oldest first."""
        handle = self._handles.get(bot_id)
        if handle is None or handle.worker is None:
            raise InvalidTransition(f"bot {handle_name(self.store, bot_id)} is not running: "
                                    "candles are served while it runs")
        source = getattr(handle.worker, "recent_candles", None)
        if source is None:
            return []
        return source(symbol, limit)

    async def venue_view(self, bot_id: str, timeout_s: float = 5.0) -> VenueView | None:
        """Ask the running worker's venue what is open for the bot; None when it cannot."""
        return await self._ask(bot_id, "venue_view", timeout_s)

    async def account_view(self, bot_id: str, timeout_s: float = 5.0) -> AccountView | None:
        """Ask the running worker's venue for its wallet and the bot's open PnL."""
        return await self._ask(bot_id, "account_view", timeout_s)

    async def _ask(self, bot_id: str, what: str, timeout_s: float) -> Any:
        handle = self._handles.get(bot_id)
        probe = None if handle is None else getattr(handle.worker, what, None)
        if probe is None:
            return None
        try:
            return await asyncio.wait_for(probe(), timeout_s)
        except (TimeoutError, PlutarcError) as exc:
            log.warning("%s of bot %s failed: %s", what, bot_id, exc)
            return None

    def resume_target(self, bot_id: str) -> BotState:
        handle = self._handles.get(bot_id)
        return BotState.SLEEPING if handle is not None and handle.wants_sleep else BotState.ONLINE

    def deliver(self, bot_id: str, command: BotCommand | None, refresh_config: bool) -> bool:
        """Hand the running worker the latest record (and config) plus ``command``.

        A flatten stands until a resume, for workers launched later too. A bot waiting to be
        restarted after an error takes a pause or flatten as well: it comes back with them.
        """
        self.flattens.note(bot_id, command)
        handle = self._handles.get(bot_id)
        if handle is None:
            waiting = self._awaiting_restart.get(bot_id)
            if waiting is None or not isinstance(command, PauseChanged | FlattenRequested):
                return False
            if isinstance(command, PauseChanged):
                waiting.after_ready = BotState.PAUSED if command.paused else BotState.ONLINE
            return True  # a flatten stands (noted above) for the relaunched worker
        bot = self.store.bots.resolve(bot_id)
        config = config_of(self.store, bot) if refresh_config else None
        if isinstance(command, PauseChanged):
            handle.after_ready = BotState.PAUSED if command.paused else BotState.ONLINE
        handle.ctx.deliver(bot, config, command)
        return True

    async def stop_worker(self, bot_id: str) -> None:
        """Ask the worker to stop, wait ``grace_s``, then cancel it. The state is not changed."""
        self.flattens.forget(bot_id)  # stopped by the operator: a later start is a fresh call
        handle = self._handles.pop(bot_id, None)
        if handle is None or handle.task is None:
            return
        handle.stop_requested = True
        handle.ctx.stopping.set()
        done, _ = await asyncio.wait({handle.task}, timeout=self.grace_s)
        if not done:
            log.warning("bot %s did not stop within %.1f s; cancelling", bot_id, self.grace_s)
            handle.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await handle.task

    async def restore(self) -> list[BotRecord]:
        """After a restart, relaunch every bot that was running, into the state it was in."""
        restored = []
        for bot in self.store.bots.all():
            if not bot.state.is_running:
                continue
            # A bot held for an operator comes back paused whatever it was: never auto-resumed.
            held = bot.state is BotState.PAUSED or bot.needs_operator is not None
            self.flattens.seed(bot)
            after = BotState.PAUSED if held else BotState.ONLINE
            restored.append(self.launch(
                bot, after, f"restored after a daemon restart (was {bot.state})", restoring=True
            ))
        return restored

    def halt_entries(self) -> None:
        """SIGTERM's first step: no bot opens anything from now on."""
        for handle in self._handles.values():
            handle.ctx.halt_entries()

    async def shutdown(self) -> None:
        """Stop every worker; bot states stay as they are so a restart restores them."""
        self.halt_entries()
        await self.watchdog.stop()
        for task in list(self._restarting):
            task.cancel()
        await asyncio.gather(*(self.stop_worker(bot_id) for bot_id in list(self._handles)))
        self.wake_timer.shutdown()
