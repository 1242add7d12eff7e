"""The two things a live bot does besides fills: act on a closed candle, apply settings."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from plutarc.daemon.live.leg import LiveLeg
from plutarc.daemon.ops.daily_loss import enforce_daily_loss
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.daemon.store import NewDecision
from plutarc.errors import ConfigError, UsageError, VenueError
from plutarc.exchanges.base import Venue
from plutarc.models import Candle
from plutarc.models import contract_math as cm
from plutarc.models.events import EventKind, Severity
from plutarc.risk.gate_events import note_refusals
from plutarc.strategy.decision import Decision
from plutarc.strategy.series import Bars


async def act_on_close(ctx: BotContext, leg: LiveLeg, candle: Candle, equity: float) -> None:
    """One closed candle through the kernel: exits, then decisions; orders go out at once.
    A symbol removed from the bot (retiring) opens nothing."""
    ctx.backlog.flush()  # the disk may have room again: held writes first, then entries
    leg.execution.guard.saw(candle.close, equity)
    entries = ctx.entries_allowed and not leg.retiring
    if ctx.config.risk.max_daily_loss is not None and _daily_loss_hit(ctx, leg, candle):
        entries = False
    result = leg.kernel.on_close(Bars.from_candles([candle], leg.interval_ms), equity, entries,
                                 leg.context_feed().context)
    leg.saw([candle])
    await leg.execution.apply(result.intents)
    decisions = ctx.backlog.explain(
        note_refusals(result.decisions, leg.execution.guard.take_refusals()))
    if decisions:  # on a full disk held (while memory allows) and written late
        ctx.backlog.write(f"decisions of {leg.symbol} at {candle.close_ts_ms}",
                          lambda: store_decisions(ctx, leg.symbol, decisions), droppable=True)


def store_decisions(ctx: BotContext, symbol: str, decisions: list[Decision]) -> None:
    store = ctx.store
    with store.transaction():
        store.decisions.insert_many(
            NewDecision(ctx.bot_id, symbol, d.ts_ms, d.action.value, d.score,
                        _values(d.components), d.skip_reasons) for d in decisions)
    for d in decisions:
        why = "; ".join(d.skip_reasons) or "-"
        score = "-" if math.isnan(d.score) else f"{d.score:.3g}"
        ctx.emit(EventKind.DECISION, f"{symbol} {d.action.value} (score {score}): {why}",
                 data={"symbol": symbol, "ts_ms": d.ts_ms, "action": d.action.value,
                       "score": None if math.isnan(d.score) else d.score,
                       "skip_reasons": list(d.skip_reasons)})


def _daily_loss_hit(ctx: BotContext, leg: LiveLeg, candle: Candle) -> bool:
    """The day's loss with this symbol's position valued at the candle's close."""
    policy, mark = leg.kernel.policy, Decimal(repr(candle.close))
    unrealised = Decimal(0)
    if policy.side != 0 and math.isfinite(policy.entry) and mark > 0:
        unrealised = cm.pnl(leg.instrument, policy.qty * policy.side,
                            Decimal(repr(policy.entry)), mark)
    return enforce_daily_loss(ctx, candle.close_ts_ms, {leg.symbol: leg.instrument},
                              {leg.symbol: (unrealised, mark)})


async def set_leverage(ctx: BotContext, venue: Venue, symbol: str, leverage: Decimal) -> bool:
    """Ask for the template's leverage (capped by the bot's risk limit); a refusal is an
    explicit activity event, and the bot goes on with the venue's current setting."""
    cap = ctx.config.risk.max_leverage
    wanted = min(leverage, cap)
    try:
        await venue.set_leverage(symbol, wanted)
    except (VenueError, ConfigError, UsageError) as exc:
        ctx.emit(EventKind.ACTIVITY, f"{venue.name} refused leverage {wanted} on {symbol}: "
                 f"{exc}; trading on with the venue's current leverage and margin mode",
                 severity=Severity.WARNING,
                 data={"symbol": symbol, "leverage": str(wanted), "error": str(exc)})
        return False
    note = f" (template asks {leverage}, risk limit {cap})" if wanted != leverage else ""
    ctx.activity(f"leverage {wanted} set on {symbol}{note}", symbol=symbol,
                 leverage=str(wanted))
    return True


def _values(components: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for key, entry in components.items():
        value = entry.get("value")
        out[key] = float(value) if isinstance(value, int | float) else None
    return out
