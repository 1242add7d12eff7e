"""A bot's per-symbol kernel: one closed candle in, decisions and order intents out.

This is what live, testnet and paper bots run. It wraps the same StrategyEngine and
PositionPolicy the backtester uses and applies them in the same order at each close:
fills first (as the venue reports them), then exit rules, then the entry decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from plutarc.models import Fill, Instrument, Trade
from plutarc.strategy.context import MarketContext
from plutarc.strategy.decision import Action, Decision
from plutarc.strategy.engine import StrategyEngine
from plutarc.strategy.intents import Intent
from plutarc.strategy.policy import PositionPolicy
from plutarc.strategy.series import Bars
from plutarc.strategy.template import Template
from plutarc.strategy.template_validation import ResolvedComponent


@dataclass
class CloseResult:
    decisions: list[Decision] = field(default_factory=list)
    intents: list[Intent] = field(default_factory=list)


class SymbolKernel:
    def __init__(self, template: Template, instrument: Instrument, id_prefix: str,
                 base_interval_ms: int, resolved: list[ResolvedComponent] | None = None,
                 first_seq: int = 1) -> None:
        self.engine = StrategyEngine(template, base_interval_ms, resolved)
        self.policy = PositionPolicy(self.engine, instrument, id_prefix, first_seq)
        self.template = template
        self.instrument = instrument

    def on_fill(self, fill: Fill, order_done: bool) -> tuple[list[Intent], Trade | None]:
        return self.policy.on_fill(fill, order_done)

    def on_close(self, bar: Bars, equity: float, entries_allowed: bool = True,
                 ctx: MarketContext | None = None) -> CloseResult:
        """Handle newly closed base bars (usually one): exits, then decisions."""
        step = self.engine.update(bar, ctx)
        out = CloseResult()
        ex = step.exits
        if len(ex):
            self.policy.see_exit_row(ex, len(ex) - 1)
            out.intents += self.policy.commit_exits(ex, 0, len(ex))
        dec = step.decisions
        price = float(bar.close[-1])
        for i in range(len(dec)):
            action, reasons, intents = self.policy.decide(dec, i, equity, price, entries_allowed)
            if action is Action.NONE and not reasons:
                reasons = dec.blocked_by(i)
            out.intents += intents
            out.decisions.append(Decision(int(dec.ts_ms[i]), action, float(dec.score[i]),
                                          dec.components_at(i), tuple(reasons)))
        return out

    def flatten(self, reason: str = "flatten") -> list[Intent]:
        return self.policy.flatten(reason)
