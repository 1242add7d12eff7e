"""One traded symbol of a paper bot: its instrument, sim venue, kernel and replayed candles."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from plutarc.backtest.instruments import generic_instrument
from plutarc.daemon.paper.execution import PaperExecution
from plutarc.exchanges.sim.config import SimConfig
from plutarc.exchanges.sim.funding import FundingFeed
from plutarc.models import Fill, Instrument, Trade
from plutarc.strategy.context import MarketContext
from plutarc.strategy.decision import Decision
from plutarc.strategy.kernel import SymbolKernel
from plutarc.strategy.series import Bars
from plutarc.strategy.template import Template
from plutarc.strategy.template_validation import ResolvedComponent

PAPER_CASH = Decimal(10_000)
"""Starting balance of a paper bot, per settlement currency."""
PAPER_SIM_CONFIG = SimConfig(enforce_margin=False)
"""The sim venue's fees, slippage and fill rules for paper bots (the backtester's defaults)."""


def client_prefix(bot_id: str, symbol: str) -> str:
    """Client ids are unique across bots and symbols, and deterministic for a replay."""
    return f"{bot_id}-{symbol}"


@dataclass
class BarOutcome:
    """What one candle of one symbol produced, stored together at the end of the step."""

    fills: list[Fill] = field(default_factory=list)
    trades: list[Trade] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)


@dataclass
class Leg:
    symbol: str
    instrument: Instrument
    bars: Bars
    execution: PaperExecution
    kernel: SymbolKernel
    next_index: int = 0  # next row of ``bars`` to replay
    appended: int = 0  # bars handed to the sim (its timeline index)
    last_qty: Decimal = Decimal(0)
    retiring: bool = False  # removed from the bot's symbols: exits only, dropped once flat
    context: MarketContext = field(default_factory=MarketContext)  # funding, OI the bot sees
    funding_feed: FundingFeed | None = None  # the sim's funding payments, to the trades

    @property
    def sim(self):  # noqa: ANN201 - SimMatchingEngine, kept short
        return self.execution.sim

    def is_flat(self) -> bool:
        return self.sim.position_snapshot().qty == 0 and not self.sim.open_orders()

    def swap_kernel(self, template: Template, resolved: list[ResolvedComponent],
                    bot_id: str) -> None:
        """A new kernel, warmed on the bars replayed so far, continuing the id sequence."""
        self._fresh_kernel(template, resolved, bot_id, warm_from=0)

    def rewarm(self, ts_ms: int, warmup_ms: int, bot_id: str) -> None:
        """Wake from a session sleep at candle ``ts_ms``: a fresh kernel (the id sequence goes
        on) warmed on the candles of the last ``warmup_ms``, as a live bot loads them."""
        self.next_index = int(np.searchsorted(self.bars.ts_ms, ts_ms, side="left"))
        start = int(np.searchsorted(self.bars.ts_ms, ts_ms - warmup_ms, side="left"))
        self._fresh_kernel(self.kernel.template, self.kernel.engine.resolved, bot_id, start)

    def _fresh_kernel(self, template: Template, resolved: list[ResolvedComponent],
                      bot_id: str, warm_from: int) -> None:
        kernel = SymbolKernel(template, self.instrument, client_prefix(bot_id, self.symbol),
                              self.bars.interval_ms, resolved,
                              first_seq=self.kernel.policy.seq)
        if self.next_index > warm_from:
            kernel.engine.update(self.bars.slice(warm_from, self.next_index), self.context)
        self.kernel = kernel


def make_instrument(symbol: str) -> Instrument:
    return generic_instrument(symbol)
