"""The Venue contract for market data and the account, the same checks on every venue: the
instrument spec sized as the venue sizes it, candles (oldest first, no gaps, closed only,
synthesised where the interval is not native), funding-rate history where the venue keeps
one, balances per coin, and leverage set at the venue (twice: the same value again is not
an error). Only capabilities and profiles decide what differs; no check names a venue."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plutarc.errors import OrderRejected
from plutarc.intervals import interval_ms
from tests.exchanges.contract.cases import Case
from tests.exchanges.contract.helpers import MIN

HOUR = 60 * MIN
WINDOW = 16 * HOUR  # two 8 h fundings, inside every local server's history (1000 min)


def test_the_instrument_spec_is_the_venues(venue: Case) -> None:
    async def body(v):  # noqa: ANN001, ANN202
        return await v.instrument(venue.symbol), [i.symbol for i in await v.instruments()]
    inst, listed = venue.run(body)
    assert inst.venue == venue.name and inst.symbol == venue.symbol
    assert venue.symbol in listed and len(listed) == len(set(listed))
    assert inst.tick_size > 0 and inst.lot_size > 0 and inst.multiplier > 0
    assert inst.min_qty >= 0 and inst.settle
    assert inst.round_qty(venue.qty) == venue.qty  # the case's size is a whole lot
    unit, worth = venue.worth  # our contract maths sizes it as the venue does
    assert (inst.base if inst.kind.value == "linear" else inst.quote) == unit
    assert inst.multiplier * venue.qty == worth


def test_candles_are_oldest_first_gapless_closed_and_synthesised(venue: Case) -> None:
    native = venue.capabilities.native_intervals
    built = next((i for i in ("3m", "2h", "4h") if i not in native), None)  # grouped here

    async def body(v):  # noqa: ANN001, ANN202
        now = await v.server_time_ms()
        out = {"1m": await v.candles(venue.symbol, "1m", now - 30 * MIN, now),
               "5m": await v.candles(venue.symbol, "5m", now - 60 * MIN, now),
               }
        if built is not None:
            out[built] = await v.candles(venue.symbol, built, now - 720 * MIN, now)
        return now, out
    now, series = venue.run(body)
    for interval, bars in series.items():
        step = interval_ms(interval)
        stamps = [c.ts_ms for c in bars]
        assert bars, interval
        assert stamps == list(range(stamps[0], stamps[-1] + step, step)), interval  # no gap
        assert all(s % step == 0 and c.interval_ms == step for s, c in zip(stamps, bars,
                                                                            strict=True))
        assert bars[-1].close_ts_ms <= now, f"{interval}: a forming bar was returned"
        assert now - bars[-1].close_ts_ms < step, f"{interval}: the last closed bar is missing"
        assert all(c.low <= min(c.open, c.close) and c.high >= max(c.open, c.close)
                   for c in bars)
    assert len(series["1m"]) >= 28 and len(series["5m"]) >= 10
    if built is None:  # every interval asked is native: nothing grouped to compare
        return
    # a synthesised bar is the grouped smaller bars: its open, high, low and close
    ones = series["1m"]
    grouped = series[built][-1]
    inside = [c for c in ones if grouped.ts_ms <= c.ts_ms < grouped.close_ts_ms]
    if len(inside) == interval_ms(built) // MIN:  # fully covered by the 1m window
        assert grouped.open == inside[0].open and grouped.close == inside[-1].close
        assert grouped.high == max(c.high for c in inside)
        assert grouped.low == min(c.low for c in inside)


def test_funding_history_is_the_venues_where_it_keeps_one(venue: Case) -> None:
    async def body(v):  # noqa: ANN001, ANN202
        now = await v.server_time_ms()
        return now, await v.funding_rates(venue.symbol, now - WINDOW, now)
    now, rates = venue.run(body)
    if not venue.funding_history:
        assert rates == []  # nothing made up where the venue keeps no history
        return
    every = venue.capabilities.funding_interval_h * HOUR
    stamps = [r.ts_ms for r in rates]
    assert stamps and stamps == sorted(set(stamps)), rates
    assert all(now - WINDOW <= s < now for s in stamps)
    # one spacing, the venue's funding interval or a part of it (Deribit funds continuously
    # and keeps hourly rows); every row of the window is there
    spacing = {b - a for a, b in zip(stamps, stamps[1:], strict=False)}
    assert len(spacing) == 1 and every % next(iter(spacing)) == 0, spacing
    assert len(rates) >= WINDOW // next(iter(spacing)) - 1, rates
    assert all(r.symbol == venue.symbol and abs(r.rate) < 0.05 for r in rates)


def test_balances_are_per_coin_and_leverage_is_set_at_the_venue(venue: Case) -> None:
    """Leverage 5, 5 again (unchanged is success, not an error), then 3, as the venue
    records it; a venue with no per-symbol leverage setting refuses with our typed error
    and nothing is sent."""
    async def body(v):  # noqa: ANN001, ANN202
        inst = await v.instrument(venue.symbol)
        if not venue.sets_leverage:
            with pytest.raises(OrderRejected, match="not supported"):
                await v.set_leverage(venue.symbol, Decimal(5))
            return inst, None, None, await v.balances()
        await v.set_leverage(venue.symbol, Decimal(5))
        five = venue.leverage_at_venue(venue.symbol)
        await v.set_leverage(venue.symbol, Decimal(5))
        await v.set_leverage(venue.symbol, Decimal(3))
        return inst, five, venue.leverage_at_venue(venue.symbol), await v.balances()
    inst, five, three, balances = venue.run(body)
    if venue.sets_leverage:
        assert (five, three) == (Decimal(5), Decimal(3))
    else:
        assert venue.leverage_at_venue(venue.symbol) is None
    coins = [b.currency for b in balances]
    assert inst.settle in coins and coins == sorted(set(coins))
    assert all(b.total > 0 and 0 <= b.available <= b.total for b in balances)
