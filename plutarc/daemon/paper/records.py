"""Storing one replay step: fills, trades, decisions, positions and equity in one commit."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from plutarc.daemon.paper.legs import BarOutcome, Leg
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.daemon.store import NewDecision
from plutarc.exchanges.sim.account import SimAccount
from plutarc.models.events import EventKind


def store_step(ctx: BotContext, legs: Sequence[Leg], account: SimAccount,
               outcomes: dict[str, BarOutcome], ts_ms: int) -> None:
    """Everything one candle produced, committed together with the equity snapshot.

    The latest equity snapshot is the replay position a restart resumes from, so a step is
    either stored whole or (after a crash mid-step) replayed whole.
    """
    store, bot_id = ctx.store, ctx.bot_id
    close_ms = ts_ms + legs[0].bars.interval_ms
    with store.transaction():
        for leg in legs:
            out = outcomes.get(leg.symbol)
            if out is None:
                continue
            if out.fills:
                # The sim numbers fills per engine (per bot); the fills table is keyed across
                # the daemon, so a second bot on the same symbol would have its fills dropped
                # as 'already stored' without the bot's id in front.
                store.fills.record_many(bot_id, [replace(f, fill_id=f"{bot_id}-{f.fill_id}")
                                                 for f in out.fills])
                for f in out.fills:
                    ctx.emit(EventKind.FILL, f"fill {f.side.value} {f.qty} {f.symbol} @ "
                             f"{f.price} (fee {f.fee} {f.fee_currency})",
                             data={"client_id": f.client_id, "symbol": f.symbol,
                                   "side": f.side.value, "qty": str(f.qty),
                                   "price": str(f.price), "fee": str(f.fee), "ts_ms": f.ts_ms})
            for trade in out.trades:
                record = store.trades.insert(bot_id, trade)
                ctx.emit(EventKind.TRADE, f"trade {trade.direction.value} {trade.qty} "
                         f"{trade.symbol} {trade.entry_price} -> {trade.exit_price} net "
                         f"{record.net_pnl} ({trade.exit_reason})",
                         data={"trade_id": record.id, "symbol": trade.symbol,
                               "net_pnl": str(record.net_pnl), "exit_reason": trade.exit_reason})
            if out.decisions:
                store.decisions.insert_many(
                    NewDecision(bot_id, leg.symbol, d.ts_ms, d.action.value, d.score,
                                _values(d.components), d.skip_reasons) for d in out.decisions)
                for d in out.decisions:
                    why = "; ".join(d.skip_reasons) or "-"
                    score = "-" if math.isnan(d.score) else f"{d.score:.3g}"
                    ctx.emit(EventKind.DECISION, f"{leg.symbol} {d.action.value} "
                             f"(score {score}): {why}",
                             data={"symbol": leg.symbol, "ts_ms": d.ts_ms,
                                   "action": d.action.value,
                                   "score": None if math.isnan(d.score) else d.score,
                                   "skip_reasons": list(d.skip_reasons)})
            position = leg.sim.position_snapshot(close_ms)
            store.positions.upsert(bot_id, position)
            if position.qty != leg.last_qty:
                leg.last_qty = position.qty
                ctx.emit(EventKind.POSITION, f"{leg.symbol} position {position.qty} @ "
                         f"{position.entry_price}",
                         data={"symbol": leg.symbol, "qty": str(position.qty),
                               "entry_price": None if position.entry_price is None
                               else str(position.entry_price)})
        for currency in account.currencies():
            balance = account.balance(currency)
            store.equity.insert(bot_id, close_ms, currency, balance,
                                account.equity(currency) - balance)


def _values(components: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    """Each component's output value (the full record stays in the decision event)."""
    out: dict[str, float | None] = {}
    for key, entry in components.items():
        value = entry.get("value")
        out[key] = float(value) if isinstance(value, int | float) else None
    return out
