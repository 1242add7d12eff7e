"""Paper bots on a real venue: the live worker, trading on a PaperVenue fed by public data.

PaperOnVenueWorker is LiveWorker with a PaperVenue in place of the exchange: the same start
(warm-up, kernel rebuilt from the journal, reconcile), the same loop and order path. Before
the live start runs, the sim (which died with the old process) is rebuilt from the store:
the bot's stored fills are booked into its account (balance, positions), the orders that
were resting on it are placed again under their client ids, and the candles that closed
while the bot was away are matched, so a stop that would have triggered meanwhile fills
and reconcile picks that fill up. Reconcile then finds the venue as the bot left it.
Funding the sim charges is kept and put on the bot's trades (funding.py): after a restart
it is booked into the rebuilt sim and the open trade, and never charged twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from plutarc.daemon.bot_strategy import build_template
from plutarc.daemon.live.kernel_state import symbol_fills, symbol_orders
from plutarc.daemon.live.leg import LiveLeg, base_interval_ms
from plutarc.daemon.live.worker import LiveWorker
from plutarc.daemon.paper.legs import PAPER_SIM_CONFIG
from plutarc.daemon.paper_venue.funding import FundingBook, bar_of, open_trade_funding
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.daemon.store import BotRecord, OrderRecord
from plutarc.errors import FinalVenueError
from plutarc.exchanges.base import Venue
from plutarc.exchanges.paper_venue import PaperVenue
from plutarc.exchanges.sim.funding import FundingPayment
from plutarc.intervals import interval_name
from plutarc.models import Candle, Fill, Instrument, OrderRequest, OrderStatus
from plutarc.models.events import EventKind, Severity

log = logging.getLogger(__name__)

MarketFactory = Callable[[BotRecord], Venue]


class PaperOnVenueWorker(LiveWorker):
    """A paper bot on ``market_factory(bot)``'s public market data (no credentials)."""

    def __init__(self, market_factory: MarketFactory, **live_settings: float) -> None:
        # the sim has no rate limit: stop moves go out at once, as the backtester moves them
        live_settings.setdefault("amend_interval_s", 0.0)
        super().__init__(self._new_paper_venue, **live_settings)
        self.market_factory = market_factory
        self.paper: PaperVenue | None = None
        self._funding_live: set[str] = set()  # symbols whose open trade takes funding as paid
        self._counted: dict[str, set[int]] = {}  # funding times a rebuilt trade holds already

    def _new_paper_venue(self, bot: BotRecord) -> Venue:
        """A fresh paper venue for each connection: at the start and at each session wake
        (a sleeping bot closed the last one with its market data)."""
        assert self._ctx is not None, "built from run()"
        template, resolved = build_template(self._ctx.config)
        interval = interval_name(base_interval_ms(template, resolved))
        self.paper = PaperVenue(self.market_factory(bot), interval, PAPER_SIM_CONFIG,
                                id_prefix=bot.id)
        self._funding_live = set()
        self.paper.funding.listeners.append(self._on_funding)
        return self.paper

    def _on_funding(self, payment: FundingPayment) -> None:
        """The sim charged funding: kept, and added to the open trade once the bot runs."""
        assert self._ctx is not None
        if not FundingBook(self._ctx.store, self._ctx.bot_id).record(payment):
            return  # stored already: a candle matched twice never pays twice
        leg = next((g for g in self.legs if g.symbol == payment.symbol), None)
        if leg is not None and payment.symbol in self._funding_live:
            leg.kernel.policy.tracker.add_funding(payment.amount)

    async def open_leg(self, ctx: BotContext, venue: Venue, inst: Instrument,
                       now_ms: int) -> LiveLeg:
        """The live leg, its rebuilt open trade holding the funding it paid before: up to
        the first fill of the catch-up not stored yet (reconcile books those next)."""
        leg = await super().open_leg(ctx, venue, inst, now_ms)
        assert self.paper is not None
        step = self.paper.interval_ms
        stored = symbol_fills(ctx.store, ctx.bot_id, inst.symbol)
        known = {f.fill_id for f in stored}
        cutoff = min((bar_of(f.ts_ms, step) for f in await venue.fills_since(0, inst.symbol)
                      if f.fill_id not in known), default=None)
        early = [p for p in FundingBook(ctx.store, ctx.bot_id).of(inst.symbol)
                 if cutoff is None or bar_of(p.ts_ms, step) < cutoff]
        funding = open_trade_funding(inst, stored, early, step)
        tracker = leg.kernel.policy.tracker
        if tracker.open is not None and funding is not None:
            tracker.open.funding = funding
        self._counted[inst.symbol] = {p.ts_ms for p in early}
        return leg

    async def _prepare(self, ctx: BotContext, venue: Venue, *, waking: bool = False) -> bool:
        """The live start; then payments not yet on a trade (made while the catch-up's
        fills were booked, or since) go to the trade open after them, and from now on
        each payment goes to its trade as it is made."""
        ready = await super()._prepare(ctx, venue, waking=waking)
        assert self.paper is not None
        step = self.paper.interval_ms
        for leg in self.legs:
            counted = self._counted.pop(leg.symbol, set())
            tracker = leg.kernel.policy.tracker
            for p in FundingBook(ctx.store, ctx.bot_id).of(leg.symbol):
                trade = tracker.open
                if p.ts_ms not in counted and trade is not None and (
                        bar_of(p.ts_ms, step) > bar_of(trade.entry_ts_ms, step)):
                    tracker.add_funding(p.amount)
            self._funding_live.add(leg.symbol)
        return ready

    async def _connect(self, ctx: BotContext) -> Venue:
        """Connect, then rebuild the sim from the store before the live start reconciles."""
        venue = await super()._connect(ctx)  # starts the paper venue
        paper = self.paper
        assert paper is not None and venue is paper
        try:
            await restore_sim(ctx, paper)
        except BaseException:
            await self._disconnect()
            raise
        paper.pace = True  # from now on each candle waits for the bot to act on the last
        return venue

    async def after_close(self, leg: LiveLeg, candle: Candle) -> None:
        if self.paper is not None:
            self.paper.acted(leg.symbol, candle.ts_ms)


async def restore_sim(ctx: BotContext, paper: PaperVenue) -> dict[str, int]:
    """Rebuild the sim from the bot's stored fills and journal; returns what it restored."""
    counts = {"fills": 0, "orders": 0, "candles": 0, "funding": 0}
    book = FundingBook(ctx.store, ctx.bot_id)
    known = {inst.symbol for inst in await paper.instruments()}
    for symbol in (s for s in ctx.config.symbols if s in known):  # the worker names the rest
        # only what this paper venue made: fills and orders of the bot's live or testnet
        # days are not paper money (a position left from them shows up as an ALERT)
        fills = [f for f in symbol_fills(ctx.store, ctx.bot_id, symbol) if paper.restore_fill(f)]
        paid = book.of(symbol)  # into the wallet; those funding times are not charged again
        paper.funding.restore(paper._engine(symbol), paid)
        counts["funding"] += len(paid)
        orders = symbol_orders(ctx.store, ctx.bot_id, symbol)
        resting = [o for o in orders if _was_resting(o) and (
            o.venue_id is None or paper.placed_at(o.venue_id) is not None)]
        for record in resting:
            counts["orders"] += await _place_again(ctx, paper, record)
        counts["fills"] += len(fills)
        holding = any(p.symbol == symbol for p in await paper.positions())
        if not (holding or resting):
            continue  # nothing at stake: the sim starts afresh at the next close
        matched = _matched_until(ctx, paper, symbol, fills, orders)
        if matched >= 0:
            paper.resume_from(symbol, matched)
            counts["candles"] += await paper.catch_up(symbol)
    if any(counts.values()):
        ctx.activity(f"paper venue rebuilt: {counts['fills']} fills booked, {counts['orders']} "
                     f"resting orders placed again, {counts['candles']} candles that closed "
                     f"meanwhile matched, {counts['funding']} funding payments booked",
                     **counts)
    return counts


def _was_resting(record: OrderRecord) -> bool:
    """Open at the old sim: acknowledged, or sent and never answered (the sim is local, so
    it got it); journaled-but-unsent orders are dropped by reconcile."""
    status = OrderStatus(record.status)
    return status.is_open and (status is not OrderStatus.PENDING or record.sent_ms is not None)


async def _place_again(ctx: BotContext, paper: PaperVenue, record: OrderRecord) -> int:
    remaining = record.qty - record.filled_qty
    if remaining <= 0:
        return 0
    request = OrderRequest(record.client_id, record.symbol, record.side, record.type, remaining,
                           record.price, record.stop_price, record.trail_offset,
                           record.post_only, record.reduce_only, record.time_in_force,
                           record.tag)
    try:
        await paper.resubmit(request, record.venue_id)
    except FinalVenueError as exc:  # reconcile sees it rejected and the bot re-protects
        ctx.emit(EventKind.ACTIVITY, f"paper venue: {record.client_id} could not rest again "
                 f"({exc})", severity=Severity.WARNING, data={"client_id": record.client_id})
        return 0
    return 1


def _matched_until(ctx: BotContext, paper: PaperVenue, symbol: str, fills: list[Fill],
                   orders: list[OrderRecord]) -> int:
    """How far the old sim had matched ``symbol`` (a candle close): the latest of its fills'
    bars, the closes the bot decided on, and the closes its orders were placed at. A bar
    seen again is harmless: stops only tighten, and the journal holds each stop's first
    (loosest) level, so a bar that did not trigger it then cannot trigger it now. -1 when
    nothing says (the sim then starts at the next close)."""
    step = paper.interval_ms
    bars = [f.ts_ms - f.ts_ms % step + step for f in fills]
    placed = [paper.placed_at(o.venue_id) for o in orders]
    row = ctx.store.db.execute("SELECT MAX(ts_ms) FROM decisions WHERE bot_id = ? AND "
                               "symbol = ?", (ctx.bot_id, symbol)).fetchone()
    decided = [int(row[0])] if row[0] is not None else []
    return max([*bars, *(p for p in placed if p is not None), *decided], default=-1)


__all__ = ["PaperOnVenueWorker", "restore_sim"]
