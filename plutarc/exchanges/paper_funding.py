"""Funding for paper bots on a real venue: charged at the venue's funding times from the
venue's own funding rates, through the sim's funding code (the backtester's).

The first time a position in a symbol is held at a candle, its last days of funding
history are read from the market (a flat paper bot asks nothing; a market that did not
answer, or showed no schedule, is asked again an hour later): the venue's schedule
(hours apart, phase after 00:00 UTC) is taken from the stamps themselves, so no venue is
named here (BitMEX's 04:00/12:00/20:00 and Binance's 00:00/08:00/16:00 both come out of
their data). Before each candle that holds a funding
time, the market is asked for the rate settled then unless it is known already. A venue
without funding history, or a rate it has not published, charges nothing: the sim counts
it as missing, as a backtest without the rate does.

Each payment is handed to ``listeners`` once, right after the candle that made it was
matched and before that candle's fills are published (a daemon bot persists it and adds it
to the open trade, as the backtester's FundingFeed does). After a restart ``restore`` books
the payments made before into the new sim's wallet and position, and funding times up to
the last of them are never charged again, even when a candle is matched a second time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from plutarc.errors import DataError, PlutarcError
from plutarc.exchanges.base import Venue
from plutarc.exchanges.sim.engine import SimMatchingEngine
from plutarc.exchanges.sim.funding import STAMP_TOLERANCE_MS, FundingPayment, FundingSchedule
from plutarc.models import Candle
from plutarc.strategy.context import TimeSeries

HOUR_MS = 3_600_000
LOOKBACK_MS = 3 * 24 * HOUR_MS  # enough stamps to show any schedule of up to 8 h
log = logging.getLogger(__name__)


class PaidSchedule(FundingSchedule):
    """A funding schedule that skips funding times paid before a restart."""

    def __init__(self, *args: object, paid_through_ms: int = -1) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.paid_through_ms = paid_through_ms

    def times_in(self, bar_ts_ms: int, bar_ms: int) -> range:
        times = super().times_in(bar_ts_ms, bar_ms)
        if not times or times.start > self.paid_through_ms:
            return times
        return times[(self.paid_through_ms - times.start) // times.step + 1:]


class PaperFunding:
    """Per symbol: the funding series the sim charges from, filled from ``market``."""

    def __init__(self, market: Venue) -> None:
        self.market = market
        self.series: dict[str, TimeSeries] = {}
        self.listeners: list[Callable[[FundingPayment], None]] = []
        self._retry_at: dict[str, int] = {}  # no schedule read yet: when to ask again
        self._seen: dict[str, int] = {}  # payments of each engine already handed out
        self._paid_through: dict[str, int] = {}  # the last funding time paid before a restart

    def restore(self, engine: SimMatchingEngine, payments: list[FundingPayment]) -> None:
        """Book payments made before a restart into the new sim (wallet, position's funding);
        their funding times and earlier ones are not charged again. No listener hears them."""
        for p in payments:
            engine.account.book_funding(engine.settle, p.amount)
            engine.position.funding += p.amount
        if payments:
            last = max(p.ts_ms for p in payments)
            self._paid_through[engine.symbol] = max(
                last, self._paid_through.get(engine.symbol, -1))
            if isinstance(engine.funding, PaidSchedule):
                engine.funding.paid_through_ms = self._paid_through[engine.symbol]

    def after(self, engine: SimMatchingEngine) -> None:
        """Hand the payments the last matched candle made to every listener, once."""
        made = engine.funding_payments
        for payment in made[self._seen.get(engine.symbol, 0):]:
            for listener in self.listeners:
                listener(payment)
        self._seen[engine.symbol] = len(made)

    async def before(self, engine: SimMatchingEngine, candle: Candle) -> None:
        """Make the rates of the funding times inside ``candle`` known to ``engine``."""
        symbol = engine.symbol
        if not engine.position.qty:
            return  # a flat position owes nothing: no request until one is held
        if symbol not in self.series:
            if candle.ts_ms < self._retry_at.get(symbol, -1):
                return
            if not await self._attach(engine, candle.ts_ms):
                # no rates (or no answer: a passing outage) is not "never": ask again in an
                # hour; funding times before a schedule is known are not charged
                self._retry_at[symbol] = candle.ts_ms + HOUR_MS
                return
        schedule = engine.funding
        if not schedule.enabled or symbol not in self.series:
            return
        series = self.series[symbol]
        for t in schedule.times_in(candle.ts_ms, candle.interval_ms):
            if series.ts_ms.size and series.ts_ms[-1] >= t - STAMP_TOLERANCE_MS:
                continue  # known (a stamp at most the tolerance early counts as t's)
            since = int(series.ts_ms[-1]) + 1 if series.ts_ms.size else t - schedule.interval_ms
            self._extend(series, await self._ask(symbol, since, t + STAMP_TOLERANCE_MS + 1))

    async def _attach(self, engine: SimMatchingEngine, now_ms: int) -> bool:
        from plutarc.backtest.market_inputs import funding_schedule

        series = TimeSeries(np.empty(0, np.int64), np.empty(0, np.float64))
        self._extend(series, await self._ask(engine.symbol, now_ms - LOOKBACK_MS, now_ms))
        try:
            interval_h, offset_h = funding_schedule(series)
        except DataError:
            log.info("paper funding: %s shows no funding schedule yet; none is charged",
                     engine.symbol)
            return False
        self.series[engine.symbol] = series
        engine.funding = PaidSchedule(interval_h * HOUR_MS, None, series, offset_h * HOUR_MS,
                                      paid_through_ms=self._paid_through.get(engine.symbol, -1))
        return True

    async def _ask(self, symbol: str, start_ms: int, end_ms: int) -> list:
        try:
            return await self.market.funding_rates(symbol, start_ms, end_ms)
        except (PlutarcError, NotImplementedError) as exc:  # no rate: nothing charged
            log.info("paper funding: rates of %s unavailable: %s", symbol, exc)
            return []

    @staticmethod
    def _extend(series: TimeSeries, rates: list) -> None:
        for rate in sorted(rates, key=lambda r: r.ts_ms):
            series.append(rate.ts_ms, rate.rate)  # older or repeated stamps are ignored
