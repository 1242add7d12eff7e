"""One bar of matching: funding, then the open, then the intrabar path (adverse extreme first)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from plutarc.errors import UsageError
from plutarc.exchanges.sim.funding import FundingPayment
from plutarc.exchanges.sim.working import Kind, WorkingOrder
from plutarc.models import Fill, OrderStatus, OrderType
from plutarc.models import contract_math as cm

if TYPE_CHECKING:
    from plutarc.exchanges.sim.engine import SimMatchingEngine

_NAN = math.nan
_STOP, _LIMIT = 0, 1  # at one price level a stop goes before a limit (it is reached first)


def run_bar(e: SimMatchingEngine, i: int) -> list[Fill]:
    """Match bar ``i``. Open-phase fills are stamped at the bar's open time, intrabar fills at
    its last millisecond."""
    tl = e.timeline
    if i < e.next_bar:
        raise UsageError(f"bar {i} is already behind the engine (next bar is {e.next_bar})")
    if i >= tl.n:
        raise UsageError(f"bar {i} does not exist yet (the timeline has {tl.n} bars)")
    e.next_bar = i + 1
    k = i - tl.base  # the bar's row; bar i - 1 is held too (the engine keeps it)
    close = tl.close.item(k)
    if not e.open and e.position.qty == 0:
        e.mark_f = close
        return []
    fills: list[Fill] = []
    ts = tl.ts_ms.item(k)
    o, h, lo = tl.open.item(k), tl.high.item(k), tl.low.item(k)
    trails = [w for w in e.open.values() if w.kind is Kind.TRAIL and w.active_from <= i]
    for w in trails:
        _catch_up_trail(e, w, i)
    if e.position.qty and e.funding.enabled:
        _pay_funding(e, ts, tl.interval_ms, o)
    if e.config.slippage_atr_fraction:
        e.pricing.prepare(tl.atr.item(k - 1) if i > 0 else _NAN)
    fraction = e.config.max_volume_fraction
    e._budget = _volume_budget(e, fraction, tl.volume.item(k), close) if fraction else None
    _open_phase(e, i, o, ts, fills)
    if not e.open and not (e.position.qty and e.config.enforce_margin):
        e._budget = None
        e.mark_f = close
        return fills  # nothing left that the path through the bar could touch
    # The path between the extremes: against the position first (a long sees its low first);
    # flat, the extreme nearer the open comes first.
    held = e.position.qty
    low_first = held > 0 or (held == 0 and o - lo <= h - o)
    last_ms = ts + tl.interval_ms - 1
    prev = o
    for end in (lo, h, close) if low_first else (h, lo, close):
        if end != prev:
            _leg(e, i, prev, end, last_ms, fills)
        prev = end
    trigger_on_close(e, i, close, last_ms, fills)
    for w in trails:
        if w.kind is Kind.TRAIL and e.open.get(w.request.client_id) is w:
            w.best_f = _follow(e, w, (lo,) if w.is_buy else (h,))
            w.seen_upto = i
    e._budget = None
    e.mark_f = close
    return fills


def _open_phase(e: SimMatchingEngine, i: int, o: float, ts: int, fills: list[Fill]) -> None:
    """Everything that happens at the open price, in submission order, then liquidation."""
    pricing = e.pricing
    for w in list(e.open.values()):
        if w.active_from > i or e.open.get(w.request.client_id) is not w:
            continue
        kind, buy = w.kind, w.is_buy
        if kind is Kind.MARKET:
            e._execute(w, pricing.taker(o, buy), False, ts, fills)
        elif kind is Kind.LIMIT:
            if w.immediate:
                if (o <= w.px_f) if buy else (o >= w.px_f):
                    e._execute(w, pricing.taker(o, buy, w.request.price), False, ts, fills)
                if e.open.get(w.request.client_id) is w:
                    reason = f"{w.request.time_in_force}: not filled at the open"
                    e._close(w, OrderStatus.EXPIRED, reason, ts)
            elif (o < w.px_f) if buy else (o > w.px_f):
                e._execute(w, pricing.passive(o, buy), True, ts, fills)
        elif not w.on_close:
            level = w.stop_level
            if (o >= level) if buy else (o <= level):
                _trigger(e, w, o, None, ts, fills)
    check_liquidation(e, o, ts, fills)


def _leg(
    e: SimMatchingEngine, i: int, start: float, end: float, ts: int, fills: list[Fill]
) -> None:
    """Move the price from ``start`` to ``end``: trigger stops the move reaches and fill limits
    it trades through, in the order the price meets them."""
    up = end > start
    cands: list[tuple[float, int, int, WorkingOrder]] = []
    for w in e.open.values():
        if w.active_from > i or w.immediate:
            continue
        kind = w.kind
        if kind is Kind.LIMIT:
            if up:
                if not w.is_buy and w.px_f < end:
                    cands.append((w.px_f, _LIMIT, w.seq, w))
            elif w.is_buy and w.px_f > end:
                cands.append((-w.px_f, _LIMIT, w.seq, w))
        elif kind is not Kind.MARKET and not w.on_close:
            level = w.stop_level
            if up:
                if w.is_buy and level <= end:
                    cands.append((level, _STOP, w.seq, w))
            elif not w.is_buy and level >= end:
                cands.append((-level, _STOP, w.seq, w))
    cands.sort()
    for key, rank, _, w in cands:
        level = key if up else -key
        check_liquidation(e, level, ts, fills)
        if e.open.get(w.request.client_id) is not w:
            continue
        if rank == _LIMIT:
            e._execute(w, w.request.price, True, ts, fills)  # type: ignore[arg-type]
        else:
            _trigger(e, w, level, _exact_level(w), ts, fills)
    check_liquidation(e, end, ts, fills)


def trigger_on_close(e: SimMatchingEngine, i: int, price: float, ts: int,
                     fills: list[Fill]) -> None:
    """Stops that trigger on a smoothed reference (a venue's mark or index price) see only
    the bar's close (or a mark print), never the traded extremes inside the bar."""
    for w in list(e.open.values()):
        if not w.on_close or w.kind is not Kind.STOP or w.active_from > i:
            continue
        if e.open.get(w.request.client_id) is not w:
            continue
        level = w.stop_level
        if (price >= level) if w.is_buy else (price <= level):
            _trigger(e, w, price, None, ts, fills)


def _trigger(
    e: SimMatchingEngine,
    w: WorkingOrder,
    at: float,
    exact: Decimal | None,
    ts: int,
    fills: list[Fill],
) -> None:
    """A stop fires at price ``at`` (``exact`` when it is the stop level itself, None when the
    open gapped past it). Stop-market and trailing fill as takers; a stop-limit becomes a limit
    that fills at once as a taker if marketable, else rests (maker) from then on."""
    req, buy, pricing = w.request, w.is_buy, e.pricing
    limit = None
    if req.type is OrderType.STOP_LIMIT:
        w.kind = Kind.LIMIT
        if not ((w.px_f >= at) if buy else (w.px_f <= at)):
            return
        limit = req.price
    else:
        w.kind = Kind.MARKET  # a remainder the bar's volume could not take fills at later opens
    price = (
        pricing.taker_at(exact, buy, limit) if exact is not None else pricing.taker(at, buy, limit)
    )
    e._execute(w, price, False, ts, fills)


def _exact_level(w: WorkingOrder) -> Decimal:
    req = w.request
    if w.kind is Kind.TRAIL:
        best = Decimal(repr(w.best_f))
        offset = req.trail_offset
        assert offset is not None
        return best + offset if w.is_buy else best - offset
    assert req.stop_price is not None
    return req.stop_price


def check_liquidation(e: SimMatchingEngine, price: float, ts: int, fills: list[Fill]) -> None:
    pos = e.position
    qty = pos.qty
    if (
        qty
        and e.config.enforce_margin
        and ((price <= pos.liq_f) if qty > 0 else (price >= pos.liq_f))
    ):
        e._liquidate(ts, fills)


def _follow(e: SimMatchingEngine, w: WorkingOrder, extremes) -> float:  # noqa: ANN001
    """The trailing stop's best price after bars with these extremes (lows for a buy stop,
    highs for a sell stop, oldest first), moving only by ``trail_min_move`` or more."""
    step = e.config.trail_min_move
    best = w.best_f
    if not step:
        if w.is_buy:
            return min(best, float(np.min(extremes)))
        return max(best, float(np.max(extremes)))
    for x in extremes:
        x = float(x)
        if (x <= best * (1.0 - step)) if w.is_buy else (x >= best * (1.0 + step)):
            best = x
    return best


def _catch_up_trail(e: SimMatchingEngine, w: WorkingOrder, i: int) -> None:
    """Fold bars skipped by the accelerator into the trailing stop's best price, exactly as if
    each had been processed."""
    start = w.seen_upto + 1
    if start < i:
        tl = e.timeline
        a, b = start - tl.base, i - tl.base
        extremes = tl.low[a:b] if w.is_buy else tl.high[a:b]
        w.best_f = _follow(e, w, extremes)
        w.seen_upto = i - 1


def _pay_funding(e: SimMatchingEngine, ts: int, bar_ms: int, o: float) -> None:
    """Each funding time inside the bar: the position pays notional at the open x rate
    (a long pays a positive rate, a short receives it)."""
    pos, inst = e.position, e.instrument
    price = Decimal(repr(o))
    for t in e.funding.times_in(ts, bar_ms):
        rate = e.funding.rate_at(t)
        if rate is None:
            continue
        amount = cm.notional(inst, pos.qty, price) * Decimal(repr(rate))
        if pos.qty < 0:
            amount = -amount
        e.account.book_funding(e.settle, amount)
        pos.funding += amount
        e.funding_payments.append(
            FundingPayment(inst.symbol, t, rate, pos.qty, price, amount, e.settle)
        )


def _volume_budget(e: SimMatchingEngine, fraction: float, volume: float,
                   price: float) -> Decimal | None:
    """Contracts our fills may take from a bar: bar volume is in base units on every venue,
    so it becomes contracts through the contract maths (None: no rate to convert with)."""
    per_base = cm.contracts_per_base(e.instrument, price)
    return None if per_base is None else e.instrument.round_qty(fraction * volume * per_base)
