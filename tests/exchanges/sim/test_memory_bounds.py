"""A growing (paper) engine holds a bounded window of bars and finished orders, and trades
exactly as one that keeps everything, on real data with every order type."""

from __future__ import annotations

from dataclasses import astuple
from decimal import Decimal

import numpy as np
import pytest

from plutarc.errors import UsageError
from plutarc.exchanges.sim import SimAccount, SimConfig, SimMatchingEngine, SimVenue
from plutarc.exchanges.sim.timeline import Timeline
from plutarc.models import OrderType, Side
from tests.exchanges.sim.sim_helpers import MIN, D, after, linear, req
from tests.exchanges.sim.test_accelerator import _apply, _script
from tests.helpers import real_bars

BARS = real_bars(3_000)
INST = linear(tick_size=D("0.01"), lot_size=D("0.001"))


def _engine(keep_bars: int | None, keep_closed_orders: int | None = None,
            **config: object) -> SimMatchingEngine:
    account = SimAccount({"USDT": Decimal(1_000_000)})
    return SimMatchingEngine(INST, SimConfig(**config), account, keep_bars=keep_bars,
                             keep_closed_orders=keep_closed_orders)


def _replay(sim: SimMatchingEngine, script, accelerated: bool, capacities: list[int]):
    """Append real bars as a paper bot does; bars are matched one by one, or (accelerated)
    appended up to each decision first and then skipped through with next_event_bar."""
    fills, log = [], []
    start_ms = int(BARS.ts_ms[0])
    cursor = 0

    def feed_and_match(upto: int) -> None:
        nonlocal cursor
        if accelerated:
            while sim.timeline.n < upto:
                sim.append_bar(BARS.candle(sim.timeline.n))
                capacities.append(sim.timeline.ts_ms.shape[0])
            i = cursor
            while (j := sim.next_event_bar(i, upto)) < upto:
                fills.extend(astuple(f) for f in sim.process_bar(j))
                i = j + 1
        else:
            for i in range(cursor, upto):
                sim.append_bar(BARS.candle(i))
                capacities.append(sim.timeline.ts_ms.shape[0])
                fills.extend(astuple(f) for f in sim.process_bar(i))
        cursor = upto

    for d, actions in script:
        feed_and_match(d + 1)
        _apply(sim, actions, after(d, start_ms=start_ms), log)
    feed_and_match(len(BARS))
    return fills, log, sim.account.equity("USDT"), sim.funding_payments


@pytest.mark.parametrize("accelerated", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_bounded_timeline_trades_exactly_like_an_unbounded_one(seed, accelerated):
    script = _script(np.random.default_rng(seed), BARS.close)
    config = dict(slippage_bps=2.0, funding_rate_constant=0.0001, max_volume_fraction=0.05)
    bounded_caps: list[int] = []
    bounded = _replay(_engine(8, **config), script, accelerated, bounded_caps)
    full = _replay(_engine(None, **config), script, accelerated, [])
    assert bounded == full
    assert len(bounded[0]) > 50 and bounded[3]  # fills and funding payments happened
    if accelerated:
        # Bars a trailing stop or an unprocessed stretch still needs are never dropped, so
        # the window may stretch between decisions, but not with the length of the replay.
        assert max(bounded_caps) <= 1024
    else:
        assert max(bounded_caps) == 64  # the smallest buffer: 8 bars kept, 56 free


def test_the_timeline_keeps_at_most_twice_its_window_over_any_number_of_bars():
    tl = Timeline(keep=100)
    for i in range(len(BARS)):
        assert tl.append(BARS.candle(i), keep_from=lambda: tl.n - 1) == i
        assert tl.rows <= tl.ts_ms.shape[0] <= 256
        held = tl.bars()
        assert held.ts_ms[-1] == BARS.ts_ms[i] and held.close[-1] == BARS.close[i]
    assert tl.base == tl.n - tl.rows and tl.rows >= 100
    np.testing.assert_array_equal(tl.bars().high, BARS.high[tl.base:])
    assert tl.first_closing_after(int(BARS.ts_ms[0])) == tl.base  # older than the window
    assert tl.first_closing_after(int(BARS.close_ts_ms[-1])) == tl.n


def test_keep_from_holds_bars_beyond_the_window():
    tl = Timeline(keep=4)
    for i in range(500):
        tl.append(BARS.candle(i), keep_from=lambda: 10)
    assert tl.base == 10 and tl.rows == 490
    np.testing.assert_array_equal(tl.bars().low, BARS.low[10:500])


def test_appending_after_set_never_writes_into_the_callers_arrays():
    bars = real_bars(200)
    before = bars.close.copy()
    tl = Timeline(keep=4)
    tl.set(bars)
    for i in range(200, 700):
        tl.append(BARS.candle(i), keep_from=lambda: tl.n - 1)
    np.testing.assert_array_equal(bars.close, before)
    assert tl.ts_ms.shape[0] == 400 and tl.base > 0  # copied once, then reused in place


def test_finished_orders_are_forgotten_beyond_the_limit_and_the_rest_answered():
    sim = _engine(keep_bars=16, keep_closed_orders=10)
    k = 0
    for i in range(300):
        sim.append_bar(BARS.candle(i))
        sim.process_bar(i)
        k += 1
        side = Side.BUY if k % 2 else Side.SELL
        sim.submit(req(f"m{k}", side, OrderType.MARKET, "0.01"), after(i, MIN, int(BARS.ts_ms[0])))
    assert len(sim.orders) == 11  # ten finished plus the one still open
    assert sim.order("m1") is None and sim.order(f"m{k - 1}") is not None
    assert sim.order(f"m{k}").status.is_open
    assert len(sim.timeline.ts_ms) <= 64


def test_a_forgotten_id_used_again_is_not_lost_when_its_old_record_expires():
    sim = _engine(keep_bars=16, keep_closed_orders=2)
    now = lambda i: after(i, MIN, int(BARS.ts_ms[0]))  # noqa: E731
    sim.append_bar(BARS.candle(0))
    sim.process_bar(0)
    for n, cid in enumerate(["a", "b", "c", "a", "d"]):
        sim.submit(req(cid, Side.BUY, OrderType.LIMIT, "0.01", "1.00"), now(n))
        sim.cancel(cid, now(n))
    # "a" was forgotten, then used again; the second "a" is one of the last two finished
    assert [sim.order(c) is not None for c in "abcd"] == [True, False, False, True]


def test_keep_none_keeps_everything():
    sim = _engine(keep_bars=None, keep_closed_orders=None)
    for i in range(600):
        sim.append_bar(BARS.candle(i))
        sim.process_bar(i)
        sim.submit(req(f"m{i}", Side.BUY if i % 2 else Side.SELL, OrderType.MARKET, "0.01"),
                   after(i, MIN, int(BARS.ts_ms[0])))
    assert sim.timeline.rows == 600 and sim.timeline.base == 0
    assert len(sim.orders) == 600


def test_bad_limits_are_refused():
    with pytest.raises(UsageError, match="at least 1 bar"):
        _engine(keep_bars=0)
    with pytest.raises(UsageError, match="keep_closed_orders"):
        _engine(keep_bars=8, keep_closed_orders=-1)


async def test_a_venue_keeps_the_history_its_candles_and_streams_need_by_default():
    venue = SimVenue("sim", [INST], SimConfig(), clock=None)  # type: ignore[arg-type]
    for i in range(1500):
        venue.feed("BTCUSDT", BARS.candle(i))
    got = await venue.candles("BTCUSDT", "1m", 0, 2**62)
    assert len(got) == 1500 and got[0].ts_ms == BARS.ts_ms[0]
