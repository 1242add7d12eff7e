"""The per-bot daily loss limit (``max_daily_loss``): what a bot lost since 00:00 UTC.

The day's PnL is the net PnL of the trades closed since 00:00 UTC of the bot's own clock
(the candle close; a paper replay's day is the replayed one) - net of fees and funding, and
a liquidation closes a trade too - plus the unrealised PnL of the positions open now, in
the quote currency. Once it is a loss of ``max_daily_loss`` or more the bot is held for an
operator: no new entries, exits and stops still managed, an ERROR alert and a RISK event.

It never resumes by itself. Resume and start are refused while held; ``bot clear`` is the
operator's explicit override, and a clear on the same UTC day holds the bot again at its next
candle while the day's loss is still over the limit: raise or remove ``max_daily_loss``
first to trade again that day (docs/runbook.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from plutarc.daemon.ops.operator import hold_from_worker
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.models import ContractKind, Instrument
from plutarc.models.events import EventKind, Severity
from plutarc.risk.account import utc_day

DAY_MS = 86_400_000
RULE = "max_daily_loss"
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class DayPnl:
    """The day's PnL so far, in the quote currency."""

    day_start_ms: int
    realised: Decimal
    unrealised: Decimal

    @property
    def total(self) -> Decimal:
        return self.realised + self.unrealised

    @property
    def day(self) -> str:
        return utc_day(self.day_start_ms)


def to_quote(inst: Instrument | None, amount: Decimal, price: Decimal | None) -> Decimal:
    """An amount of the settle currency in the quote currency (inverse: coin x price)."""
    if inst is not None and inst.kind is ContractKind.INVERSE and price is not None:
        return amount * price
    return amount


def breached(limit: Decimal | None, pnl: DayPnl) -> bool:
    return limit is not None and -pnl.total >= limit


def day_pnl(ctx: BotContext, now_ms: int, instruments: Mapping[str, Instrument],
            fresh: Mapping[str, tuple[Decimal, Decimal]]) -> DayPnl:
    """The bot's PnL since 00:00 UTC of ``now_ms``. ``fresh`` gives (unrealised in the settle
    currency, mark) for the symbols just valued; other open positions count with the
    unrealised PnL last stored for them."""
    start = now_ms - now_ms % DAY_MS
    db = ctx.store.db
    realised = ZERO
    for row in db.execute("SELECT symbol, net_pnl, exit_price FROM trades WHERE bot_id = ? "
                          "AND exit_ts_ms >= ?", (ctx.bot_id, start)):
        realised += to_quote(instruments.get(row["symbol"]), Decimal(row["net_pnl"]),
                             Decimal(row["exit_price"]))
    unrealised = ZERO
    for symbol, (amount, mark) in fresh.items():
        unrealised += to_quote(instruments.get(symbol), amount, mark)
    for row in db.execute("SELECT symbol, qty, entry_price, unrealised_pnl FROM positions "
                          "WHERE bot_id = ?", (ctx.bot_id,)):
        if row["symbol"] in fresh or Decimal(row["qty"]) == 0:
            continue
        entry = Decimal(row["entry_price"]) if row["entry_price"] else None
        unrealised += to_quote(instruments.get(row["symbol"]), Decimal(row["unrealised_pnl"]),
                               entry)
    return DayPnl(start, realised, unrealised)


def enforce_daily_loss(ctx: BotContext, now_ms: int, instruments: Mapping[str, Instrument],
                       fresh: Mapping[str, tuple[Decimal, Decimal]] | None = None) -> bool:
    """Hold the bot when the day's loss reached its limit; True when entries must stop now.
    A bot already held waits for its operator anyway (the check runs again after a clear)."""
    limit = ctx.config.risk.max_daily_loss
    if limit is None or ctx.bot.needs_operator is not None:
        return False
    pnl = day_pnl(ctx, now_ms, instruments, fresh or {})
    if not breached(limit, pnl):
        return False
    loss = -pnl.total
    reason = (f"daily loss: lost {loss:.2f} since 00:00 UTC on {pnl.day} (realised "
              f"{pnl.realised:.2f}, unrealised {pnl.unrealised:.2f}), max_daily_loss is {limit}; "
              "no entries until cleared (the same day: raise or remove the limit first)")
    data = {"rule": RULE, "action": "halted", "day": pnl.day, "loss": f"{loss:.2f}",
            "realised": f"{pnl.realised:.2f}", "unrealised": f"{pnl.unrealised:.2f}",
            "limit": str(limit), "at_ms": now_ms}
    ctx.emit(EventKind.RISK, f"risk halted entries: {RULE}: lost {loss:.2f} on {pnl.day}, "
             f"the limit is {limit}", severity=Severity.ERROR, data=data)
    hold_from_worker(ctx, reason, data)
    return True
