"""next_event_bar: vectorised search for the first bar where matching could do anything.

It must be conservative: it may stop at a bar where nothing happens, never skip one where
``process_bar`` would fill, trigger, expire, liquidate or pay funding. The conditions below
are the bar-level envelopes of the ones in bar_pass (an open beyond a level implies the low or
high is too), and the aggregate of many orders is one threshold per side: the first bar any
buy limit can fill is the first whose low is under the highest buy limit.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from plutarc.errors import UsageError
from plutarc.exchanges.sim.timeline import Timeline
from plutarc.exchanges.sim.working import Kind, WorkingOrder

if TYPE_CHECKING:
    from plutarc.exchanges.sim.engine import SimMatchingEngine

_INF = math.inf
_FIRST_CHUNK = 16  # bars scanned first; each further chunk is 4x longer (cost ~ distance)


def find_next_event_bar(e: SimMatchingEngine, i0: int, i1: int) -> int:
    n = e.timeline.n
    if not 0 <= i0 <= i1 <= n:
        raise UsageError(f"next_event_bar({i0}, {i1}): need 0 <= i0 <= i1 <= {n} (bars known)")
    i0 = max(i0, e.next_bar)
    if i0 >= i1:
        return i1
    end = i1
    pos = e.position
    if pos.qty and e.funding.enabled:
        due = e.funding.next_bar(i0)
        if due is not None and due < end:
            end = due
    orders = list(e.open.values())
    for w in orders:
        if w.kind is Kind.MARKET or w.immediate:
            end = min(end, max(w.active_from, i0))
    start = i0
    while start < end:
        later = [w.active_from for w in orders if start < w.active_from < end]
        seg_end = min(later) if later else end
        hit = _scan(e, [w for w in orders if w.active_from <= start], start, seg_end)
        if hit is not None:
            return hit
        start = seg_end
    return end


def _scan(e: SimMatchingEngine, orders: list[WorkingOrder], a: int, b: int) -> int | None:
    """First bar in [a, b) where a resting order, trailing stop or liquidation could act."""
    low_at = -_INF  # an event where low <= low_at
    high_at = _INF  # an event where high >= high_at
    trails = []
    for w in orders:
        kind = w.kind
        if kind is Kind.LIMIT:
            if w.is_buy:  # fills when low < price
                low_at = max(low_at, math.nextafter(w.px_f, -_INF))
            else:
                high_at = min(high_at, math.nextafter(w.px_f, _INF))
        elif kind is Kind.STOP:
            if w.is_buy:
                high_at = min(high_at, w.stop_f)
            else:
                low_at = max(low_at, w.stop_f)
        elif kind is Kind.TRAIL:
            trails.append(w)
    pos = e.position
    if pos.qty and e.config.enforce_margin:
        if pos.qty > 0:
            low_at = max(low_at, pos.liq_f)
        else:
            high_at = min(high_at, pos.liq_f)
    if low_at == -_INF and high_at == _INF and not trails:
        return None
    tl = e.timeline
    carries = [_trail_best_before(e, w, a) for w in trails]
    base = tl.base  # rows below are global indices minus base
    a, b = a - base, b - base
    size = _FIRST_CHUNK
    while a < b:
        c = min(b, a + size)
        mask = tl.low[a:c] <= low_at
        if high_at != _INF:
            mask |= tl.high[a:c] >= high_at
        for k, w in enumerate(trails):
            trail_mask, carries[k] = _trail_chunk(tl, w, carries[k], a, c)
            mask |= trail_mask
        first = int(mask.argmax())  # the first True, or 0 when there is none
        if mask.item(first):
            return base + a + first
        a = c
        size *= 4
    return None


def _trail_best_before(e: SimMatchingEngine, w: WorkingOrder, a: int) -> float:
    """The trailing stop's best price folded over every bar before ``a``."""
    start = w.seen_upto + 1
    if start >= a:
        return w.best_f
    tl = e.timeline
    rows = slice(start - tl.base, a - tl.base)
    if w.is_buy:
        return min(w.best_f, float(tl.low[rows].min()))
    return max(w.best_f, float(tl.high[rows].max()))


def _trail_chunk(
    tl: Timeline, w: WorkingOrder, best: float, a: int, c: int
) -> tuple[np.ndarray, float]:
    """Rows in [a, c) where the trailing level set by the bars before each one is hit, and
    the best price after the chunk. Same float operations as bar_pass, so the same answers."""
    if w.is_buy:
        run = np.minimum.accumulate(tl.low[a:c])
        before = np.empty(c - a)
        before[0] = best
        np.minimum(run[:-1], best, out=before[1:])
        return tl.high[a:c] >= before + w.off_f, min(best, float(run[-1]))
    run = np.maximum.accumulate(tl.high[a:c])
    before = np.empty(c - a)
    before[0] = best
    np.maximum(run[:-1], best, out=before[1:])
    return tl.low[a:c] <= before - w.off_f, max(best, float(run[-1]))
