"""Keeps one live (or paper-on-venue) leg's MarketContext current from its venue.

Funding and open interest are asked at most once an hour (as the components expect them),
the spread (best bid/ask) at the newest close, at most every SPREAD_MIN_GAP_S; only what
the template's components read is asked for, so a template without them costs no request.
Each value keeps its own stamp (funding: its funding time; open interest: the venue's time;
spread: the close it was taken at), so the strategy's lookup is the same causal one a
backtest does. A failed request leaves the series as it was: a component then finds no
fresh value and degrades to "no opinion" / "allow" with its skip reason, as promised.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from plutarc.errors import PlutarcError
from plutarc.strategy.context import MarketContext

HOUR_MS = 3_600_000
DAY_MS = 86_400_000
SPREAD_MIN_GAP_S = 10.0
"""At most one quote request this often: the bot's rate-limit budget is for its orders (a
replay or a catch-up closes candles faster than real time)."""
log = logging.getLogger(__name__)


def data_needs(resolved: list[Any]) -> set[str]:
    """Which of funding, open_interest and spread the template's enabled components read."""
    needs: set[str] = set()
    for component in resolved:
        if component.use.enabled:
            needs |= set(component.cls.spec.data) - {"candles"}
    return needs


class ContextFeed:
    def __init__(self, needs: set[str], refresh_ms: int = HOUR_MS) -> None:
        self.needs = needs
        self.refresh_ms = refresh_ms
        self.context = MarketContext()
        self._next_ms = 0  # when funding and open interest are due again
        self._quoted_at = -SPREAD_MIN_GAP_S  # monotonic time of the last quote request
        self.errors = 0

    async def update(self, venue: Any, symbol: str, now_ms: int) -> None:
        """Bring the context up to ``now_ms`` (a close time) before the kernel decides."""
        if not self.needs:
            return
        if now_ms >= self._next_ms and self.needs & {"funding", "open_interest"}:
            self._next_ms = now_ms + self.refresh_ms
            if "funding" in self.needs:
                rates = await self._ask(venue.funding_rates, symbol, now_ms - 2 * DAY_MS,
                                        now_ms + 1)
                for r in sorted(rates or [], key=lambda r: r.ts_ms):
                    if r.ts_ms <= now_ms:
                        self.context.funding.append(r.ts_ms, r.rate)
            if "open_interest" in self.needs:
                values = await self._ask(venue.open_interest, symbol, now_ms - 5 * 60_000,
                                         now_ms + 60_000)
                for v in sorted(values or [], key=lambda v: v.ts_ms):
                    self.context.open_interest.append(v.ts_ms, v.value)
        quote = getattr(venue, "best_bid_ask", None)
        if ("spread" in self.needs and quote is not None
                and time.monotonic() - self._quoted_at >= SPREAD_MIN_GAP_S):
            self._quoted_at = time.monotonic()
            got = await self._ask(quote, symbol)
            if got:
                bid, ask = got
                self.context.spread_bps.append(now_ms, (ask - bid) / ((ask + bid) / 2) * 1e4)

    async def _ask(self, call, *args: Any) -> Any:  # noqa: ANN001 - a venue coroutine fn
        try:
            return await call(*args)
        except (PlutarcError, NotImplementedError) as exc:
            self.errors += 1
            log.info("market context: %s for %s failed: %s", call.__name__, args[0], exc)
            return None
