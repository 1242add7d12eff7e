"""Bot runtime: how a trading loop plugs into the daemon and is supervised.

The protocol (``plutarc.daemon.runtime.protocol``)::

    class BotWorker(Protocol):
        async def run(self, ctx: BotContext) -> None: ...

    WorkerFactory = Callable[[BotRecord], BotWorker]
    registry.register(venue, factory, modes=("paper",))   # modes=None: every mode

A worker is built per start of a bot by the factory registered for the bot's venue and
mode (``WorkerRegistry.factory_for``). A venue/mode pair nobody registered is refused
when a bot is created (``WorkerRegistry.check``) and errors at start, never runs idle;
the ``idle`` venue is the explicit no-trading one. The supervisor runs ``run(ctx)`` as one
asyncio task.

``run`` must:
  * call ``ctx.mark_ready()`` once connected and reconciled (deploying -> online, or
    paused when the bot was paused before a restart);
  * return promptly once ``ctx.stopping`` is set (stop, or daemon shutdown); after
    ``grace_s`` the task is cancelled;
  * open positions only while ``ctx.entries_allowed`` is true (false while paused,
    sleeping, stopping or after SIGTERM); exits are always managed;
  * take commands with ``await ctx.next_command(timeout_s)``: ``ConfigChanged(old, new)``
    (template, template text, symbols, risk: already validated; ``ctx.config`` is the
    new one), ``PauseChanged(paused)``, ``FlattenRequested(requested_by)``;
  * call ``ctx.heartbeat()`` at least every ``ctx.heartbeat_interval_s``;
  * report with ``ctx.emit(kind, message, ...)`` / ``ctx.activity(message)`` (stored and
    streamed), write ledger rows through ``ctx.store`` (orders, fills, trades,
    positions, equity, decisions), read time only from ``ctx.clock``;
  * optionally ``ctx.set_sleeping(True/False, reason)`` around trading sessions.

An exception escaping ``run`` marks only that bot ``errored`` with the exception as the
reason; the daemon and other bots carry on. Returning without being asked to stop marks
the bot ``stopped``.

Extra workers load from modules named in ``PLUTARC_WORKER_MODULES`` (comma separated),
each exposing ``register_workers(registry: WorkerRegistry) -> None``.
"""

from plutarc.daemon.runtime.idle import IdleWorker
from plutarc.daemon.runtime.protocol import (
    BotCommand,
    BotContext,
    BotWorker,
    ConfigChanged,
    FlattenRequested,
    PauseChanged,
)
from plutarc.daemon.runtime.registry import WorkerFactory, WorkerRegistry, default_registry
from plutarc.daemon.runtime.supervisor import Supervisor

__all__ = [
    "BotCommand",
    "BotContext",
    "BotWorker",
    "ConfigChanged",
    "FlattenRequested",
    "IdleWorker",
    "PauseChanged",
    "Supervisor",
    "WorkerFactory",
    "WorkerRegistry",
    "default_registry",
]
