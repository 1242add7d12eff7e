"""SimMatchingEngine: one symbol's orders, position and fills; shared by paper and backtest."""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from decimal import Decimal

import numpy as np

from plutarc.errors import ConfigError, FinalVenueError, OrderRejected, UsageError
from plutarc.exchanges.sim import admission
from plutarc.exchanges.sim.accelerator import find_next_event_bar
from plutarc.exchanges.sim.account import SimAccount
from plutarc.exchanges.sim.bar_pass import check_liquidation, run_bar, trigger_on_close
from plutarc.exchanges.sim.config import SimConfig
from plutarc.exchanges.sim.execution import Executor
from plutarc.exchanges.sim.funding import FundingPayment, FundingSchedule
from plutarc.exchanges.sim.ledger import SimPosition
from plutarc.exchanges.sim.pricing import TakerPricing
from plutarc.exchanges.sim.timeline import Timeline
from plutarc.exchanges.sim.working import Kind, WorkingOrder
from plutarc.models import (
    Candle,
    Fill,
    Instrument,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
)
from plutarc.strategy.context import TimeSeries
from plutarc.strategy.series import Bars

ZERO = Decimal(0)
KEEP_BARS = 1024
"""Appended bars an engine holds by default (matching itself reads only the last two)."""
KEEP_CLOSED_ORDERS = 1000
"""Finished orders an engine still answers ``order()`` for by default; older ones are
forgotten, so a paper bot running for months holds a bounded order history."""


class SimMatchingEngine(Executor):
    """Matches one symbol's orders against a bar timeline, bar by bar.

    The timeline is set once (``set_bars``, backtest) or grows (``append_bar``, paper). An
    order submitted at ``now_ms`` trades from the first bar that closes after ``now_ms`` and
    never in a bar already processed. ``process_bar(i)`` matches bar ``i``;
    ``next_event_bar`` lets a backtest skip the bars where nothing can happen.

    Memory is bounded by ``keep_bars`` (appended bars held, plus any a trailing stop still
    has to fold in) and ``keep_closed_orders`` (finished orders still looked up by client
    id); None keeps everything.
    """

    def __init__(
        self,
        instrument: Instrument,
        config: SimConfig,
        account: SimAccount,
        funding: TimeSeries | None = None,
        *,
        keep_bars: int | None = KEEP_BARS,
        keep_closed_orders: int | None = KEEP_CLOSED_ORDERS,
    ) -> None:
        if keep_closed_orders is not None and keep_closed_orders < 0:
            raise UsageError(f"keep_closed_orders must be >= 0 (got {keep_closed_orders})")
        if config.leverage > instrument.max_leverage:
            raise ConfigError(
                f"leverage {config.leverage} is above {instrument.symbol}'s maximum "
                f"{instrument.max_leverage}"
            )
        self.instrument = instrument
        self.config = config
        self.account = account
        self.settle = instrument.settle
        self.symbol = instrument.symbol
        self.maker_rate = config.fee_maker if config.fee_maker is not None else instrument.maker_fee
        self.taker_rate = config.fee_taker if config.fee_taker is not None else instrument.taker_fee
        self.position = SimPosition(instrument, config.leverage)
        self.timeline = Timeline(keep=keep_bars)
        self.pricing = TakerPricing(instrument, config.slippage_bps, config.slippage_atr_fraction)
        self.funding = FundingSchedule(
            config.funding_interval_ms, config.funding_rate_constant, funding,
            config.funding_offset_h * 3_600_000,
        )
        self.funding_payments: list[FundingPayment] = []
        self.orders: dict[str, WorkingOrder] = {}  # every order, by client id
        self.open: dict[str, WorkingOrder] = {}  # open orders in submission order
        self.keep_closed_orders = keep_closed_orders
        self._closed: deque[WorkingOrder] = deque()  # finished orders, oldest first
        self.next_bar = 0  # the first bar not processed yet
        self.mark_f: float | None = None  # last close known to the engine
        self.liquidations = 0
        self.reserved = ZERO  # margin held for resting orders that would open exposure
        self._seq = 0
        self._fill_seq = 0
        self._budget: Decimal | None = None
        account.attach(self)

    # -- timeline -----------------------------------------------------------------------

    def set_bars(self, bars: Bars, atr: np.ndarray | None = None) -> None:
        """Install the whole matching timeline of a backtest (``atr[i]``: ATR at bar i's close)."""
        if self.next_bar:
            raise UsageError("set_bars after bars were processed; build a new engine instead")
        if self.config.slippage_atr_fraction and atr is None:
            raise ConfigError("slippage_atr_fraction needs an ATR array: set_bars(bars, atr=...)")
        self.timeline.set(bars, atr)
        self.funding.index_bars(self.timeline.ts_ms, bars.interval_ms)

    def append_bar(self, candle: Candle, atr: float | None = None) -> int:
        """Add one closed candle to a growing (paper) timeline; returns its index."""
        if self.config.slippage_atr_fraction and atr is None:
            raise ConfigError("slippage_atr_fraction needs the ATR of each appended candle")
        tl = self.timeline
        i = tl.append(candle, atr, keep_from=self._oldest_needed_bar)
        self.funding.index_bars(np.array([candle.ts_ms], np.int64), candle.interval_ms, start=i)
        self.funding.forget_before(tl.base)
        return i

    def _oldest_needed_bar(self) -> int:
        """The oldest bar matching still reads: the last one processed (the mark and the ATR
        of the next bar's slippage) and any a trailing stop has not folded in yet."""
        oldest = self.next_bar - 1
        for w in self.open.values():
            if w.kind is Kind.TRAIL:
                oldest = min(oldest, w.seen_upto + 1)
        return max(oldest, 0)

    # -- orders -------------------------------------------------------------------------

    def submit(self, request: OrderRequest, now_ms: int, *, whole_position: bool = False
               ) -> Order:
        """Accept ``request`` (rounded to tick and lot) or raise OrderRejected/InsufficientFunds.

        ``whole_position``: a reduce-only order closing exactly the whole position keeps its
        size off the lot (BitMEX's Close without orderQty); only a venue that has such an
        order asks for it."""
        return self.place(request, now_ms, whole_position=whole_position).snapshot()

    def place(self, request: OrderRequest, now_ms: int, *, whole_position: bool = False
              ) -> WorkingOrder:
        """``submit`` returning the engine's own record instead of an Order snapshot (for
        callers that do not keep one: a backtest builds none per order)."""
        if request.client_id in self.orders:
            raise OrderRejected(f"order {request.client_id}: client id already used")
        active = self._first_tradable_bar(now_ms)
        last_close = self.mark_f
        try:
            position_qty = self.position.qty
            req = admission.normalise(self.instrument, request,
                                      position_qty if whole_position else None)
            if req.reduce_only:
                admission.check_reduce_only(req, position_qty)
            if req.post_only:
                admission.check_post_only(req, req.price, last_close)  # type: ignore[arg-type]
            if (
                req.type is OrderType.TRAILING_STOP
                and req.stop_price is None
                and last_close is None
            ):
                raise OrderRejected(
                    f"order {req.client_id}: a trailing stop needs a stop price or a last price"
                )
            needed = self._check_margin(req, position_qty)
        except FinalVenueError as exc:  # OrderRejected, InsufficientFunds
            self._record_rejected(request, now_ms, active, str(exc))
            raise
        self._seq += 1
        w = WorkingOrder(req, f"sim-{req.symbol}-{self._seq}", self._seq, now_ms, active)
        if w.kind is Kind.MARKET:
            w.immediate = False
        if w.kind is Kind.TRAIL:
            self._start_trail(w, last_close)
        w.reserved = needed
        self.reserved += needed
        self.orders[req.client_id] = w
        self.open[req.client_id] = w
        return w

    def amend(
        self,
        client_id: str,
        *,
        qty: Decimal | None = None,
        price: Decimal | None = None,
        stop_price: Decimal | None = None,
        now_ms: int,
    ) -> Order:
        """Change an open order's quantity, limit price or stop price (rounded like submit)."""
        return self.change(client_id, qty=qty, price=price, stop_price=stop_price,
                           now_ms=now_ms).snapshot()

    def change(self, client_id: str, *, qty: Decimal | None = None,
               price: Decimal | None = None, stop_price: Decimal | None = None,
               now_ms: int) -> WorkingOrder:
        """``amend`` returning the engine's own record (no Order snapshot)."""
        w = self._open_order(client_id)
        self._first_tradable_bar(now_ms)  # brings the last price up to now
        old = w.request
        if price is not None and w.request.type not in (OrderType.LIMIT, OrderType.STOP_LIMIT):
            raise OrderRejected(f"order {client_id}: a {old.type} order has no limit price")
        if stop_price is not None and w.kind not in (Kind.STOP, Kind.TRAIL):
            why = "has triggered" if old.stop_price is not None else "has no stop price"
            raise OrderRejected(f"order {client_id}: this {old.type} order {why}")
        new = replace(
            old,
            qty=qty if qty is not None else old.qty,
            price=price if price is not None else old.price,
            stop_price=stop_price if stop_price is not None else old.stop_price,
        )
        new = admission.normalise(self.instrument, new)
        if new.qty <= w.filled:
            raise OrderRejected(
                f"order {client_id}: new quantity {new.qty} is not above the {w.filled} filled"
            )
        if new.post_only and new.price != old.price:
            admission.check_post_only(new, new.price, self.mark_f)  # type: ignore[arg-type]
        needed = self._check_margin(
            replace(new, qty=new.qty - w.filled), self.position.qty, credit=w.reserved
        )
        self.reserved += needed - w.reserved
        w.reserved = needed
        w.request = new
        w.px_f = float(new.price) if new.price is not None else 0.0
        w.stop_f = float(new.stop_price) if new.stop_price is not None else 0.0
        if w.kind is Kind.TRAIL and stop_price is not None:
            w.best_f = w.stop_f + w.off_f if not w.is_buy else w.stop_f - w.off_f
            w.seen_upto = self._first_tradable_bar(now_ms) - 1
        w.updated_ms = now_ms
        return w

    def cancel(self, client_id: str, now_ms: int) -> Order:
        return self.withdraw(client_id, now_ms).snapshot()

    def withdraw(self, client_id: str, now_ms: int) -> WorkingOrder:
        """``cancel`` returning the engine's own record (no Order snapshot)."""
        w = self._open_order(client_id)
        self._close(w, OrderStatus.CANCELED, "canceled by request", now_ms)
        return w

    def cancel_all(self, now_ms: int) -> list[Order]:
        return [self.cancel(cid, now_ms) for cid in list(self.open)]

    def order(self, client_id: str) -> Order | None:
        w = self.orders.get(client_id)
        return w.snapshot() if w is not None else None

    def open_orders(self) -> list[Order]:
        return [w.snapshot() for w in self.open.values()]

    def set_leverage(self, leverage: Decimal) -> None:
        if not 0 < leverage <= self.instrument.max_leverage:
            raise ConfigError(
                f"leverage {leverage} is outside (0, {self.instrument.max_leverage}] for "
                f"{self.instrument.symbol}"
            )
        self.position.set_leverage(leverage)

    # -- account view -------------------------------------------------------------------

    def mark(self) -> Decimal | None:
        return Decimal(repr(self.mark_f)) if self.mark_f is not None else None

    def margin_in_use(self) -> Decimal:
        return self.position.margin() + self.reserved

    def unrealised_at_mark(self, mark: Decimal | None = None) -> Decimal:
        """Unrealised PnL at ``mark``, by default the last close the engine knows."""
        mark = mark if mark is not None else self.mark()
        return self.position.unrealised(mark) if mark is not None else ZERO

    def position_snapshot(self, ts_ms: int = 0) -> Position:
        return self.position.snapshot(self.mark(), ts_ms)

    # -- matching -----------------------------------------------------------------------

    def process_bar(self, i: int) -> list[Fill]:
        """Match every active order, funding and liquidation against bar ``i``."""
        return run_bar(self, i)

    def trigger_on_reference(self, client_id: str) -> None:
        """Let stop ``client_id`` trigger on a smoothed reference price (a venue's mark or
        index): bar closes and ``mark_print`` only, never the traded extremes of a bar."""
        self._open_order(client_id).on_close = True

    def mark_print(self, price: float, ts_ms: int) -> list[Fill]:
        """A reference price between bars: reference stops it crosses trigger (and fill as
        takers at it), then a position it carries past its liquidation price is liquidated."""
        fills: list[Fill] = []
        trigger_on_close(self, self.next_bar, price, ts_ms, fills)
        check_liquidation(self, price, ts_ms, fills)
        return fills

    def liquidate_at(self, price: float, ts_ms: int) -> list[Fill]:
        """The liquidation fill when ``price`` (a mark print between bars) crosses the
        position's liquidation price; [] otherwise."""
        fills: list[Fill] = []
        check_liquidation(self, price, ts_ms, fills)
        return fills

    def fill_at_last(self, client_id: str, now_ms: int) -> list[Fill]:
        """Fill an open market order at once at the last price, as a taker (a venue that
        answers market orders Filled); [] when it is not one or no price is known yet."""
        w = self.open.get(client_id)
        if w is None or w.kind is not Kind.MARKET or self.mark_f is None:
            return []
        fills: list[Fill] = []
        budget, self._budget = self._budget, None  # no bar is being matched
        try:
            self._execute(w, self.pricing.taker(self.mark_f, w.is_buy), False, now_ms, fills)
        finally:
            self._budget = budget
        return fills

    def next_event_bar(self, i0: int, i1: int) -> int:
        """The first bar in [i0, i1) where anything can happen; ``i1`` if none (conservative)."""
        return find_next_event_bar(self, i0, i1)

    # -- internals ----------------------------------------------------------------------

    def _first_tradable_bar(self, now_ms: int) -> int:
        tl, nb = self.timeline, self.next_bar
        k = nb - 1 - tl.base  # the last bar processed: its row
        if 0 <= k < tl.n - tl.base and tl.ts_ms.item(k) + tl.interval_ms > now_ms:
            # it closes after now_ms (an order placed while it is matched, at its open): the
            # first such bar is no later, and no bar before next_bar can trade any more
            active = nb
        else:
            active = max(tl.first_closing_after(now_ms, nb), nb)
        if active > 0:
            self.mark_f = tl.close.item(active - 1 - tl.base)
        return active

    def _check_margin(
        self, req: OrderRequest, position_qty: Decimal, credit: Decimal = ZERO
    ) -> Decimal:
        """Margin the order would hold; raises InsufficientFunds when the account lacks it.
        ``credit`` is margin the order already holds (an amend gives it back first)."""
        if not self.config.enforce_margin:
            return ZERO
        opening = admission.opening_qty(req, position_qty)
        needed = admission.margin_needed(
            self.instrument, req, opening, self.mark_f, self.position.leverage, self.taker_rate
        )
        if needed:
            available = self.account.available(self.settle) + credit
            admission.check_funds(req, needed, available, self.settle)
        return needed

    def _start_trail(self, w: WorkingOrder, last_close: float | None) -> None:
        if w.request.stop_price is not None:
            w.best_f = w.stop_f + w.off_f if not w.is_buy else w.stop_f - w.off_f
        else:
            w.best_f = last_close  # type: ignore[assignment]

    def _record_rejected(
        self, request: OrderRequest, now_ms: int, active: int, reason: str
    ) -> None:
        self._seq += 1
        w = WorkingOrder(request, f"sim-{request.symbol}-{self._seq}", self._seq, now_ms, active)
        w.status = OrderStatus.REJECTED
        w.reason = reason
        self.orders[request.client_id] = w
        self._retire(w)

    def _open_order(self, client_id: str) -> WorkingOrder:
        w = self.open.get(client_id)
        if w is None:
            known = self.orders.get(client_id)
            if known is None:
                raise OrderRejected(f"order {client_id}: unknown to {self.instrument.symbol}")
            raise OrderRejected(f"order {client_id}: already {known.status}, cannot change it")
        return w
