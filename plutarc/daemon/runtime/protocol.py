"""The worker protocol: BotWorker, the BotContext it runs with, and the commands it receives."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from plutarc.clock import Clock
from plutarc.daemon.bot_config import BotConfig
from plutarc.daemon.events import EventSink
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.runtime.backlog import JournalBacklog
from plutarc.daemon.store import BotRecord, DaemonStore, EventRecord
from plutarc.models.events import Event, EventKind, Severity

if TYPE_CHECKING:
    from plutarc.daemon.runtime.wake_timer import WakeTimer


@dataclass(frozen=True, slots=True)
class ConfigChanged:
    """Template, template text, symbols or risk limits changed; ``new`` is already validated."""

    old: BotConfig
    new: BotConfig


@dataclass(frozen=True, slots=True)
class PauseChanged:
    """Paused: open no new positions, keep managing exits. Unpaused: trade again."""

    paused: bool


@dataclass(frozen=True, slots=True)
class FlattenRequested:
    """Close every position of the bot now (the bot is paused as well)."""

    requested_by: str


@dataclass(frozen=True, slots=True, eq=False)
class CancelRequested:
    """Cancel one open order by hand (plutarc/daemon/order_cancel.py); the worker answers on
    ``reply``: a result when the venue took it, UsageError when it refuses or the venue did not."""

    client_id: str
    requested_by: str
    reply: asyncio.Future[str]


BotCommand = ConfigChanged | PauseChanged | FlattenRequested | CancelRequested


CandleRow = tuple[int, float, float, float, float, float]
"""A closed candle as served to clients: (open time ms, open, high, low, close, volume)."""


class BotWorker(Protocol):
    async def run(self, ctx: BotContext) -> None:
        """Run the bot until ``ctx.stopping`` is set; raise to mark the bot errored."""
        ...


@dataclass(frozen=True, slots=True)
class VenueView:
    """What the venue itself says a bot has open, asked afresh (panic, ops health)."""

    open_orders: tuple[tuple[str, str], ...] = ()  # (client id, symbol) of our open orders
    positions: tuple[tuple[str, Decimal], ...] = ()  # (symbol, qty) of non-zero positions

    @property
    def empty(self) -> bool:
        return not self.open_orders and not self.positions

    def describe(self) -> str:
        """'2 open orders (a, b); position 0.1 BTCUSDT' or 'no open orders, no positions'."""
        orders = (f"{len(self.open_orders)} open orders ("
                  + ", ".join(cid for cid, _ in self.open_orders) + ")"
                  if self.open_orders else "no open orders")
        held = ("; ".join(f"position {qty} {symbol}" for symbol, qty in self.positions)
                if self.positions else "no positions")
        return f"{orders}, {held}"


@dataclass(frozen=True, slots=True)
class AccountView:
    """A bot's money as its venue says it now: the wallet (realised money, shared by every
    bot on one venue account) and the unrealised PnL of this bot's own positions."""

    wallet: dict[str, Decimal]  # currency -> wallet balance
    unrealised: tuple[tuple[str, str, Decimal], ...]  # (symbol, settle currency, open PnL);
    # symbol '' when the venue is the bot's own (a paper sim): it shares nothing
    settles: tuple[str, ...]  # the settle currencies of the bot's symbols


class VenueProbe(Protocol):
    """Optional for workers: ask the venue what is open for the bot now; None when the
    worker cannot ask (not connected)."""

    async def venue_view(self) -> VenueView | None: ...

    async def account_view(self) -> AccountView | None: ...


class CandleSource(Protocol):
    """Optional for workers: the closed candles a running bot acted on (for charts)."""

    def recent_candles(self, symbol: str, limit: int) -> list[CandleRow]: ...


class BotContext:
    """What a running bot gets from the daemon; one per start of a bot."""

    def __init__(
        self,
        bot: BotRecord,
        config: BotConfig,
        store: DaemonStore,
        sink: EventSink,
        clock: Clock,
        heartbeat_interval_s: float,
        on_ready: Callable[[], None],
        on_sleeping: Callable[[bool, str], None],
        wake_timer: WakeTimer | None = None,
        equity_snapshot_s: float = 60.0,
    ) -> None:
        self._bot = bot
        self._config = config
        self.store = store
        self.clock = clock
        self.heartbeat_interval_s = heartbeat_interval_s
        self.equity_snapshot_s = equity_snapshot_s  # [daemon] equity_snapshot_interval_s
        self.stopping = asyncio.Event()
        self.commands: asyncio.Queue[BotCommand] = asyncio.Queue()
        self.last_heartbeat_ms: int | None = None
        self.beats = 0  # heartbeats so far: what the supervisor's watchdog looks at
        self._sink = sink
        self._on_ready = on_ready
        self._on_sleeping = on_sleeping
        self._halted = False
        if wake_timer is None:
            from plutarc.daemon.runtime.wake_timer import WakeTimer

            wake_timer = WakeTimer()
        self.wake_timer = wake_timer
        self.backlog = JournalBacklog(self)  # journal writes a full disk refused, held

    @property
    def bot(self) -> BotRecord:
        """The bot's record as of the last change (state, symbols, risk ...)."""
        return self._bot

    @property
    def bot_id(self) -> str:
        return self._bot.id

    @property
    def config(self) -> BotConfig:
        """The latest accepted configuration."""
        return self._config

    @property
    def entries_allowed(self) -> bool:
        """True only while online, not stopping and with nothing held for a full disk: the
        one check before opening a position."""
        online = self._bot.state is BotState.ONLINE
        return (online and not self._halted and not self.stopping.is_set()
                and not self.backlog.holding)

    async def next_command(self, timeout_s: float | None = None) -> BotCommand | None:
        """The next command, or None after ``timeout_s`` or once stopping."""
        if not self.commands.empty():
            return self.commands.get_nowait()
        if self.stopping.is_set():
            return None
        getter = asyncio.ensure_future(self.commands.get())
        stopper = asyncio.ensure_future(self.stopping.wait())
        try:
            await asyncio.wait({getter, stopper}, timeout=timeout_s,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
            if not getter.done():
                getter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await getter
        if getter.done() and not getter.cancelled():
            return getter.result()
        return None

    def emit(
        self, kind: EventKind, message: str, *, severity: Severity = Severity.INFO,
        data: dict[str, Any] | None = None,
    ) -> EventRecord:
        return self._sink.emit(kind, message, bot_id=self.bot_id, severity=severity, data=data)

    def record_event(self, event: Event) -> EventRecord:
        """Store and stream an event made earlier; raises when the disk refuses it (for a
        caller that holds it until the disk has room)."""
        return self._sink.publish(self.store.events.insert_many([event]))[0]

    def activity(self, message: str, **data: Any) -> EventRecord:
        return self.emit(EventKind.ACTIVITY, message, data=data)

    def heartbeat(self) -> None:
        """Say 'alive': stored as the bot's last_heartbeat_ms (not an event)."""
        now = self.clock.now_ms()
        self.last_heartbeat_ms = now
        self.beats += 1
        self.store.bots.set_heartbeat(self.bot_id, now)

    async def sleep(self, delay_s: float) -> None:
        """A deliberate wait (a retry's backoff): heartbeats throughout, so the watchdog
        does not take a bot that waits on purpose for a hung one."""
        loop = asyncio.get_running_loop()
        end = loop.time() + delay_s
        self.heartbeat()
        while (left := end - loop.time()) > 0:
            await asyncio.sleep(min(left, self.heartbeat_interval_s))
            self.heartbeat()

    def mark_ready(self) -> None:
        """Connected and reconciled: deploying -> online (or paused if it was paused)."""
        self._on_ready()

    def set_sleeping(self, sleeping: bool, reason: str) -> None:
        """Outside (True) or back inside (False) the trading session."""
        self._on_sleeping(sleeping, reason)

    # The two methods below are for the supervisor, not for workers.
    def deliver(self, bot: BotRecord, config: BotConfig | None, command: BotCommand | None) -> None:
        self._bot = bot
        if config is not None:
            self._config = config
        if command is not None:
            self.commands.put_nowait(command)

    def halt_entries(self) -> None:
        self._halted = True
