"""Storing one replay step: fills, trades, decisions, positions and equity in one commit.

On a full disk the step is held by the bot's JournalBacklog (daemon/runtime/backlog.py) in
parts: its fills and trades in order, its positions and its equity point as the newest state
(an older held one is superseded), its decisions while memory allows. Events follow commits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from plutarc.daemon.paper.legs import BarOutcome, Leg
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.daemon.store import NewDecision, TradeRecord
from plutarc.exchanges.sim.account import SimAccount
from plutarc.models import Fill, Position, Trade
from plutarc.models.events import EventKind
from plutarc.storage.sqlite import is_disk_full
from plutarc.strategy.decision import Decision


@dataclass
class LegRows:
    symbol: str
    fills: list[Fill]
    trades: list[Trade]
    decisions: list[Decision]
    position: Position
    moved: bool  # the position changed: a POSITION event


@dataclass
class StepRows:
    """What one step writes, taken from the sims when the step happened."""

    ts_ms: int
    close_ms: int
    legs: list[LegRows] = field(default_factory=list)
    equity: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)


def store_step(ctx: BotContext, legs: Sequence[Leg], account: SimAccount,
               outcomes: dict[str, BarOutcome], ts_ms: int) -> None:
    """Everything one candle produced, committed together with the equity snapshot.

    The latest equity snapshot is the replay position a restart resumes from, so a step is
    either stored whole or (after a crash mid-step) replayed whole.
    """
    rows = _rows(ctx, legs, account, outcomes, ts_ms)
    if not ctx.backlog.holding:
        try:
            _write(ctx, rows.legs, rows.equity, rows.close_ms)
            return
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            ctx.backlog.refused(f"the replay step at {rows.close_ms}", exc)
    _hold(ctx, rows)


def _rows(ctx: BotContext, legs: Sequence[Leg], account: SimAccount,
          outcomes: dict[str, BarOutcome], ts_ms: int) -> StepRows:
    bot_id = ctx.bot_id
    rows = StepRows(ts_ms, ts_ms + legs[0].bars.interval_ms)
    for leg in legs:
        out = outcomes.get(leg.symbol)
        if out is None:
            continue
        # The sim numbers fills per engine (per bot); the fills table is keyed across the
        # daemon, so a second bot on the same symbol would have its fills dropped as 'already
        # stored' without the bot's id in front.
        fills = [replace(f, fill_id=f"{bot_id}-{f.fill_id}") for f in out.fills]
        position = leg.sim.position_snapshot(rows.close_ms)
        moved = position.qty != leg.last_qty
        leg.last_qty = position.qty
        rows.legs.append(LegRows(leg.symbol, fills, list(out.trades), list(out.decisions),
                                 position, moved))
    for currency in account.currencies():
        balance = account.balance(currency)
        rows.equity.append((currency, balance, account.equity(currency) - balance))
    return rows


def _hold(ctx: BotContext, rows: StepRows) -> None:
    """The step in parts, each written when the disk has room (see the module's note)."""
    at, backlog = rows.close_ms, ctx.backlog
    for leg in rows.legs:
        ledger = replace(leg, decisions=[], moved=False)
        if leg.fills or leg.trades:
            backlog.write(f"{leg.symbol} fills and trades at {at}",
                          lambda rows=[ledger]: _write(ctx, rows, [], at, positions=False))
        if leg.decisions:
            only = replace(leg, fills=[], trades=[], moved=False)
            backlog.write(f"{leg.symbol} decisions at {at}",
                          lambda rows=[only]: _write(ctx, rows, [], at, positions=False),
                          droppable=True)
        state = replace(leg, fills=[], trades=[], decisions=[])
        backlog.write(f"{leg.symbol} position at {at}",
                      lambda rows=[state]: _write(ctx, rows, [], at), key=f"pos:{leg.symbol}")
    backlog.write(f"equity at {at}", lambda: _write(ctx, [], rows.equity, at), key="equity")


def _write(ctx: BotContext, legs: list[LegRows], equity: list[tuple[str, Decimal, Decimal]],
           close_ms: int, *, positions: bool = True) -> None:
    store, bot_id = ctx.store, ctx.bot_id
    traded: list[list[tuple[Trade, TradeRecord]]] = []
    with store.transaction():
        for leg in legs:
            if leg.fills:
                store.fills.record_many(bot_id, leg.fills)
            traded.append([(t, store.trades.insert(bot_id, t)) for t in leg.trades])
            if leg.decisions:
                store.decisions.insert_many(
                    NewDecision(bot_id, leg.symbol, d.ts_ms, d.action.value, d.score,
                                _values(d.components), d.skip_reasons) for d in leg.decisions)
            if positions:
                store.positions.upsert(bot_id, leg.position)
        for currency, balance, unrealised in equity:
            store.equity.insert(bot_id, close_ms, currency, balance, unrealised)
    for leg, trades in zip(legs, traded, strict=True):  # events once the rows are in
        _events(ctx, leg, trades)


def _events(ctx: BotContext, leg: LegRows, trades: list[tuple[Trade, TradeRecord]]) -> None:
    for f in leg.fills:
        ctx.emit(EventKind.FILL, f"fill {f.side.value} {f.qty} {f.symbol} @ {f.price} "
                 f"(fee {f.fee} {f.fee_currency})",
                 data={"client_id": f.client_id, "symbol": f.symbol, "side": f.side.value,
                       "qty": str(f.qty), "price": str(f.price), "fee": str(f.fee),
                       "ts_ms": f.ts_ms})
    for trade, record in trades:
        ctx.emit(EventKind.TRADE, f"trade {trade.direction.value} {trade.qty} "
                 f"{trade.symbol} {trade.entry_price} -> {trade.exit_price} net "
                 f"{record.net_pnl} ({trade.exit_reason})",
                 data={"trade_id": record.id, "symbol": trade.symbol,
                       "net_pnl": str(record.net_pnl), "exit_reason": trade.exit_reason})
    for d in leg.decisions:
        why = "; ".join(d.skip_reasons) or "-"
        score = "-" if math.isnan(d.score) else f"{d.score:.3g}"
        ctx.emit(EventKind.DECISION, f"{leg.symbol} {d.action.value} (score {score}): {why}",
                 data={"symbol": leg.symbol, "ts_ms": d.ts_ms, "action": d.action.value,
                       "score": None if math.isnan(d.score) else d.score,
                       "skip_reasons": list(d.skip_reasons)})
    if leg.moved:
        position = leg.position
        ctx.emit(EventKind.POSITION, f"{leg.symbol} position {position.qty} @ "
                 f"{position.entry_price}",
                 data={"symbol": leg.symbol, "qty": str(position.qty),
                       "entry_price": None if position.entry_price is None
                       else str(position.entry_price)})


def _values(components: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    """Each component's output value (the full record stays in the decision event)."""
    out: dict[str, float | None] = {}
    for key, entry in components.items():
        value = entry.get("value")
        out[key] = float(value) if isinstance(value, int | float) else None
    return out
