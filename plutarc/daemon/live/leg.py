"""One traded symbol of a live bot: instrument, kernel, order path, and the candles it saw."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from functools import reduce

from plutarc.daemon.live.context_feed import ContextFeed, data_needs
from plutarc.daemon.live.execution import LiveExecution
from plutarc.daemon.live.fills import FillApplier
from plutarc.intervals import INTERVAL_MS, MINUTE_MS
from plutarc.models import Candle, Instrument
from plutarc.strategy.kernel import SymbolKernel
from plutarc.strategy.series import Bars
from plutarc.strategy.template import Template
from plutarc.strategy.template_validation import ResolvedComponent

CandleRow = tuple[int, float, float, float, float, float]
"""(open time ms, open, high, low, close, volume), as the candles API serves them."""
RECENT_CANDLES = 2000
MAX_WARMUP_BARS = 5000


def base_interval_ms(template: Template, resolved: list[ResolvedComponent]) -> int:
    """The longest named interval every interval the template uses is made of."""
    used = [INTERVAL_MS[template.trigger_interval], INTERVAL_MS[template.exit_interval],
            INTERVAL_MS[template.atr_interval]]
    used += [INTERVAL_MS[r.interval] for r in resolved if r.use.enabled]
    common = reduce(math.gcd, used)
    named = [ms for ms in INTERVAL_MS.values() if common % ms == 0]
    return max(named) if named else MINUTE_MS


@dataclass
class LiveLeg:
    symbol: str
    instrument: Instrument
    kernel: SymbolKernel
    execution: LiveExecution
    fills: FillApplier
    interval_ms: int
    last_ts: int = -1  # open time of the last candle acted on (or warmed on)
    retiring: bool = False  # removed from the bot's symbols: exits only, dropped once flat
    recent: deque[Candle] = field(default_factory=lambda: deque(maxlen=RECENT_CANDLES))
    feed: ContextFeed | None = None  # funding, OI and spread the template reads, kept current

    def context_feed(self) -> ContextFeed:
        """The leg's market-context feed, for what the current template reads (a template
        swap that reads other series gets a new feed)."""
        needs = data_needs(self.kernel.engine.resolved)
        if self.feed is None or self.feed.needs != needs:
            self.feed = ContextFeed(needs)
        return self.feed

    def warm(self, candles: list[Candle]) -> int:
        """Indicator state from closed history, without decisions; returns bars used."""
        fresh = [c for c in candles if c.ts_ms > self.last_ts]
        if not fresh:
            return 0
        step = self.kernel.engine.update(Bars.from_candles(fresh, self.interval_ms))
        if len(step.exits):
            self.kernel.policy.see_exit_row(step.exits, len(step.exits) - 1)
        self.saw(fresh)
        return len(fresh)

    def saw(self, candles: list[Candle]) -> None:
        self.recent.extend(candles)
        self.last_ts = candles[-1].ts_ms

    def is_flat(self) -> bool:
        return self.kernel.policy.flat and not self.execution.in_doubt

    def recent_rows(self, limit: int) -> list[CandleRow]:
        rows = list(self.recent)[-limit:] if limit > 0 else []
        return [(c.ts_ms, c.open, c.high, c.low, c.close, c.volume) for c in rows]
