"""Daemon commands to a running live bot, answered the moment they arrive.

Pause and resume take effect at the next close; flatten and cancel act at once; a new
configuration changes the symbols at once (live/symbols.py) and the template when the bot
is flat, at once or at the first close it is. A template that needs other candles waits for
a restart: the streams and warm-up are built for the old interval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plutarc.daemon import order_cancel
from plutarc.daemon.bot_config import BotConfig
from plutarc.daemon.bot_strategy import build_template
from plutarc.daemon.live.kernel_state import client_prefix
from plutarc.daemon.live.leg import base_interval_ms
from plutarc.daemon.live.margin import apply_margin_mode
from plutarc.daemon.live.safety import flatten_legs
from plutarc.daemon.live.sleep import warmup_ms
from plutarc.daemon.live.symbols import change_symbols
from plutarc.daemon.runtime.protocol import (
    BotCommand,
    BotContext,
    CancelRequested,
    ConfigChanged,
    FlattenRequested,
    PauseChanged,
)
from plutarc.daemon.runtime.sessions import SessionWatch
from plutarc.strategy.kernel import SymbolKernel

if TYPE_CHECKING:
    from plutarc.daemon.live.worker import LiveWorker


async def answer(worker: LiveWorker, ctx: BotContext, command: BotCommand) -> None:
    if isinstance(command, PauseChanged):
        ctx.activity("paused: no new positions, exits and stops still managed"
                     if command.paused else "resumed: trading again", paused=command.paused)
    elif isinstance(command, FlattenRequested):
        ctx.activity(f"flattening every position (asked by {command.requested_by}): "
                     "cancelling every open order, closing with reduce-only market orders")
        await flatten_legs(ctx, worker.legs, "flatten requested")
    elif isinstance(command, CancelRequested):
        await order_cancel.in_live(ctx, worker.legs, command)
    elif isinstance(command, ConfigChanged):
        if command.new.symbols != command.old.symbols:
            await change_symbols(worker, ctx, command.new.symbols)
        if command.new.margin_mode != command.old.margin_mode and worker.venue is not None:
            for leg in worker.legs:
                await apply_margin_mode(ctx, worker.venue, leg.symbol, leg.is_flat())
        if command.new.template_toml == command.old.template_toml:
            return
        if all(leg.is_flat() for leg in worker.legs):
            swap_template(worker, ctx, command.new)
        else:
            worker.pending_config = command.new
            ctx.activity(f"template {command.new.template!r} waits until the bot is flat",
                         template=command.new.template)


def swap_template(worker: LiveWorker, ctx: BotContext, config: BotConfig) -> None:
    """Each symbol gets a kernel of the new template, warmed on the candles it has seen
    and continuing the client id sequence."""
    template, resolved = build_template(config)
    if base_interval_ms(template, resolved) != worker.base_ms:
        worker.pending_config = None
        ctx.activity(f"template {config.template!r} needs other candles: restart the bot "
                     "to switch to it", template=config.template)
        return
    worker.template = (template, resolved)
    for leg in worker.legs:
        kernel = SymbolKernel(template, leg.instrument, client_prefix(ctx.bot_id, leg.symbol),
                              leg.interval_ms, resolved, first_seq=leg.kernel.policy.seq)
        recent = list(leg.recent)
        leg.kernel = leg.execution.kernel = leg.fills.kernel = kernel
        leg.last_ts = -1
        leg.recent.clear()
        leg.warm(recent)
    worker.pending_config = None
    # The new template may bring other sessions or a longer warm-up.
    worker.session = SessionWatch(template.sessions, warmup_ms(worker.legs, worker.base_ms),
                                  worker.wake_lead_ms)
    ctx.activity(f"now trading template {config.template!r} v{config.template_version}",
                 template=config.template)
