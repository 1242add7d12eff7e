"""The funding a paper-on-venue bot's sim charged: kept, put on its trades, and restored.

Each payment the sim makes is written once to ``paper_funding`` (bot, symbol, funding
time) as it is made, before the candle's fills go out. While the bot runs it is added to
the open trade at once (the backtester's FundingFeed does the same), so a closed trade's
record carries the funding it paid. After a restart the rebuilt sim books the stored
payments into its wallet and never charges their funding times again
(PaperFunding.restore), and the kernel's open trade, rebuilt from the stored fills, gets
back the payments made while it was open: stored fills and payments are replayed in order,
a payment before the fills of its own bar (the sim pays a bar's funding first).

Payments made while the daemon rebuilds (the candles that closed meanwhile) are added once
the bot's fills of that catch-up are booked, to the trade then open if they came after its
entry. A trade both opened and closed by resting orders during the catch-up keeps its
payments in the wallet and this table, not on its record.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from plutarc.daemon.store import DaemonStore
from plutarc.exchanges.sim.funding import FundingPayment
from plutarc.models import Fill, Instrument
from plutarc.strategy.trades import TradeTracker


class FundingBook:
    """One bot's stored funding payments."""

    def __init__(self, store: DaemonStore, bot_id: str) -> None:
        self.store = store
        self.bot_id = bot_id

    def record(self, p: FundingPayment) -> bool:
        """Keep ``p``; False when its funding time was stored already (nothing changes)."""
        with self.store.db.transaction(durable=True):
            cursor = self.store.db.execute(
                "INSERT OR IGNORE INTO paper_funding (bot_id, symbol, ts_ms, rate, qty, price, "
                "amount, currency) VALUES (?,?,?,?,?,?,?,?)",
                (self.bot_id, p.symbol, p.ts_ms, p.rate, str(p.qty), str(p.price),
                 str(p.amount), p.currency))
        return cursor.rowcount == 1

    def of(self, symbol: str) -> list[FundingPayment]:
        rows = self.store.db.execute(
            "SELECT * FROM paper_funding WHERE bot_id = ? AND symbol = ? ORDER BY ts_ms",
            (self.bot_id, symbol))
        return [FundingPayment(r["symbol"], int(r["ts_ms"]), float(r["rate"]),
                               Decimal(r["qty"]), Decimal(r["price"]), Decimal(r["amount"]),
                               r["currency"]) for r in rows]


def bar_of(ts_ms: int, bar_ms: int) -> int:
    return ts_ms - ts_ms % bar_ms


def open_trade_funding(inst: Instrument, fills: Iterable[Fill],
                       payments: Iterable[FundingPayment], bar_ms: int) -> Decimal | None:
    """The funding the trade left open by ``fills`` paid, replaying fills and payments in
    order (a payment before its bar's fills); None when the fills leave no trade open."""
    events = sorted([((bar_of(p.ts_ms, bar_ms), 0, p.ts_ms), p) for p in payments]
                    + [((bar_of(f.ts_ms, bar_ms), 1, k), f) for k, f in enumerate(fills)],
                    key=lambda e: e[0])
    tracker = TradeTracker(inst)
    for _key, event in events:
        if isinstance(event, FundingPayment):
            tracker.add_funding(event.amount)
        else:
            tracker.on_fill(event)
    return tracker.open.funding if tracker.open is not None else None
