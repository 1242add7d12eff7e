"""next_event_bar is conservative: skipping with it gives the bar-by-bar result on real data."""

from __future__ import annotations

from dataclasses import astuple

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plutarc.errors import OrderRejected, UsageError
from plutarc.exchanges.sim import SimMatchingEngine
from plutarc.models import OrderRequest, OrderType, Side, TimeInForce
from tests.exchanges.sim.sim_helpers import D, after, engine, linear, req
from tests.helpers import real_bars

WINDOW = 4_000  # bars per example (real BTCUSDT 1m, bundled)
ALL_BARS = real_bars()
INST = linear(tick_size=D("0.01"), lot_size=D("0.001"))


def _price(x: float) -> str:
    return f"{x:.2f}"


def _script(rng: np.random.Generator, closes: np.ndarray) -> list[tuple[int, list[tuple]]]:
    """Random decisions: at the close of bar d, place / cancel / amend some orders."""
    script, d, k = [], 0, 0
    n = closes.shape[0]
    while True:
        d += int(rng.geometric(1 / 40))
        if d >= n - 1:
            return script
        close = float(closes[d])
        actions: list[tuple] = []
        for _ in range(int(rng.integers(1, 4))):
            k += 1
            roll = rng.random()
            if roll < 0.12:
                actions.append(("cancel", int(rng.integers(0, k))))
                continue
            if roll < 0.22:
                bump = 1 + rng.uniform(-0.004, 0.004)
                actions.append(("amend", int(rng.integers(0, k)), _price(close * bump)))
                continue
            side = Side.BUY if rng.random() < 0.5 else Side.SELL
            sign = 1 if side is Side.BUY else -1
            qty = f"{rng.uniform(0.001, 0.3):.3f}"
            kind = rng.choice(["market", "limit", "stop", "stop_limit", "trail", "ioc"])
            off = rng.uniform(0.0, 0.006) * close
            reduce = bool(rng.random() < 0.3)
            if kind == "market":
                r = req(f"o{k}", side, OrderType.MARKET, qty, reduce_only=reduce)
            elif kind in ("limit", "ioc"):
                tif = TimeInForce.IOC if kind == "ioc" else TimeInForce.GTC
                price = close - sign * off if kind == "limit" else close + sign * off
                post = kind == "limit" and bool(rng.random() < 0.3)
                r = req(f"o{k}", side, OrderType.LIMIT, qty, _price(price), reduce_only=reduce,
                        post_only=post, time_in_force=tif)
            elif kind == "stop":
                r = req(f"o{k}", side, OrderType.STOP_MARKET, qty, stop=_price(close + sign * off),
                        reduce_only=reduce)
            elif kind == "stop_limit":
                stop = close + sign * off
                limit = stop + sign * rng.uniform(-0.003, 0.003) * close
                r = req(f"o{k}", side, OrderType.STOP_LIMIT, qty, _price(limit), _price(stop),
                        reduce_only=reduce)
            else:
                r = OrderRequest(f"o{k}", "BTCUSDT", side, OrderType.TRAILING_STOP, D(qty),
                                 trail_offset=D(_price(max(off, 5.0))), reduce_only=reduce)
            actions.append(("place", r))
        script.append((d, actions))


def _apply(sim: SimMatchingEngine, actions: list[tuple], now_ms: int, log: list) -> None:
    for action in actions:
        try:
            if action[0] == "place":
                sim.submit(action[1], now_ms)
            elif action[0] == "cancel":
                sim.cancel(f"o{action[1]}", now_ms)
            else:
                cid = f"o{action[1]}"
                order = sim.open.get(cid)
                if order is None or order.request.type is OrderType.MARKET:
                    continue
                if order.request.type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
                    sim.amend(cid, price=D(action[2]), now_ms=now_ms)
                else:
                    sim.amend(cid, stop_price=D(action[2]), now_ms=now_ms)
        except OrderRejected as exc:  # InsufficientFunds is an OrderRejected's sibling below
            log.append((type(exc).__name__, str(exc)))
        except Exception as exc:  # noqa: BLE001 - both runs must fail alike
            log.append((type(exc).__name__, str(exc)))


def _run(sim: SimMatchingEngine, script, n: int, accelerated: bool):
    log: list = []
    fills: list = []
    processed: set[int] = set()
    active: set[int] = set()

    def state():
        return tuple((w.request.client_id, w.status, w.filled, w.kind) for w in sim.open.values())

    def advance(a: int, b: int) -> None:
        i = a
        while i < b:
            j = sim.next_event_bar(i, b) if accelerated else i
            if j >= b:
                return
            before, funded = state(), len(sim.funding_payments)
            got = sim.process_bar(j)
            processed.add(j)
            if got or funded != len(sim.funding_payments) or state() != before:
                active.add(j)
            fills.extend(astuple(f) for f in got)
            i = j + 1

    cursor = 0
    for d, actions in script:
        advance(cursor, d + 1)
        _apply(sim, actions, after(d, start_ms=int(sim.timeline.ts_ms[0])), log)
        cursor = d + 1
    advance(cursor, n)
    return fills, log, processed, active


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    offset=st.integers(0, len(ALL_BARS) - WINDOW),
    leverage=st.sampled_from(["1", "20", "60"]),
    enforce=st.booleans(),
    volume=st.sampled_from([None, 0.05]),
    funding=st.sampled_from([None, 0.0001, -0.0003]),
    slip=st.sampled_from([0.0, 3.0]),
)
def test_skipping_bars_matches_bar_by_bar(seed, offset, leverage, enforce, volume, funding, slip):
    window = ALL_BARS.slice(offset, offset + WINDOW)
    script = _script(np.random.default_rng(seed), window.close)
    config = dict(leverage=D(leverage), enforce_margin=enforce, max_volume_fraction=volume,
                  funding_rate_constant=funding, slippage_bps=slip)
    slow, slow_acct = engine(window, INST, cash=20_000, **config)
    fast, fast_acct = engine(window, INST, cash=20_000, **config)
    f_slow, log_slow, _, active = _run(slow, script, WINDOW, accelerated=False)
    f_fast, log_fast, processed, _ = _run(fast, script, WINDOW, accelerated=True)
    # the property itself: every bar where bar-by-bar matching did anything was visited
    assert active <= processed, sorted(active - processed)[:5]
    # and so the whole history is identical
    assert f_fast == f_slow
    assert log_fast == log_slow
    assert [astuple(p) for p in fast.funding_payments] == [
        astuple(p) for p in slow.funding_payments
    ]
    assert fast_acct.wallet == slow_acct.wallet
    assert fast.position.qty == slow.position.qty and fast.position.entry == slow.position.entry
    assert {c: w.status for c, w in fast.orders.items()} == {
        c: w.status for c, w in slow.orders.items()
    }


def test_the_property_test_sees_real_activity():
    """Guard against a vacuous property: the random scripts fill, pay funding and liquidate."""
    window = ALL_BARS.slice(0, WINDOW)
    script = _script(np.random.default_rng(3), window.close)
    sim, _ = engine(window, INST, cash=20_000, leverage=D("60"), funding_rate_constant=0.0001)
    fills, log, processed, active = _run(sim, script, WINDOW, accelerated=True)
    kinds = {f[9] for f in fills}
    assert len(fills) > 50 and len(kinds) == 2  # maker and taker fills
    assert len(processed) < WINDOW / 2  # the accelerator skipped most bars
    assert sim.funding_payments and sim.liquidations > 0


def test_next_event_bar_bounds_and_empty_book():
    sim, _ = engine(ALL_BARS.slice(0, 100), INST)
    assert sim.next_event_bar(0, 100) == 100  # nothing resting, flat: nothing can happen
    assert sim.next_event_bar(40, 40) == 40
    with pytest.raises(UsageError, match="need 0 <= i0 <= i1"):
        sim.next_event_bar(5, 101)


def test_next_event_bar_finds_first_touch_of_a_resting_stop():
    window = ALL_BARS.slice(0, 2_000)
    sim, _ = engine(window, INST)
    level = float(window.low[10:1_500].min()) + 0.01  # reached somewhere in bars 10..1499
    sim.submit(req("s", Side.SELL, OrderType.STOP_MARKET, "0.1", stop=_price(level)), after(9))
    stop = float(D(_price(level)))
    expected = 10 + int(np.argmax(window.low[10:] <= stop))
    assert expected > 30 and window.low[expected] <= stop
    assert sim.next_event_bar(10, 2_000) == expected
