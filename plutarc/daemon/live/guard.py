"""The risk gate in front of a live symbol: what it knows of the market, and its RISK events."""

from __future__ import annotations

import math
from decimal import Decimal

from plutarc.daemon.runtime.protocol import BotContext
from plutarc.models import Instrument, OrderRequest, OrderType, Side
from plutarc.risk.gate import GateLimits, MarketView, RiskGate, Verdict
from plutarc.risk.gate_events import announce, closing_qty, exit_on_its_way
from plutarc.strategy.kernel import SymbolKernel


class LiveGuard:
    """One symbol's view for the bot-wide gate: the last close and equity the worker saw,
    the kernel's position and planned stop, and the journal's open orders on the symbol."""

    def __init__(self, ctx: BotContext, gate: RiskGate, instrument: Instrument) -> None:
        self.ctx = ctx
        self.gate = gate
        self.instrument = instrument
        self.last_price: Decimal | None = None
        self.equity: Decimal | None = None
        self._risk = ctx.config.risk
        self.refusals: list[str] = []  # the gate's refusals since the step last took them

    def saw(self, close: float, equity: float) -> None:
        """A closed candle and the equity read with it: the market the next intents meet."""
        if math.isfinite(close) and close > 0:
            self.last_price = Decimal(repr(close))
        if math.isfinite(equity):
            self.equity = Decimal(repr(equity))

    def check(self, request: OrderRequest, kernel: SymbolKernel, now_ms: int) -> Verdict:
        """The gate's verdict; a block or clamp is announced as a RISK event here."""
        risk = self.ctx.config.risk
        if risk is not self._risk:  # limits follow config changes without a restart
            self.gate.limits, self._risk = GateLimits.from_risk(risk), risk
        policy = kernel.policy
        planned = None
        if self.last_price is not None:
            level = policy.planned_stop(request.side.sign, float(self.last_price))
            planned = None if math.isnan(level) else Decimal(repr(level))
        position = policy.qty * policy.side
        count, exits = self._open_orders(request.symbol)
        view = MarketView(position, count, self.last_price, self.equity, planned,
                          closing_qty=max(closing_qty(position, exits),
                                          exit_on_its_way(policy)))
        verdict = self.gate.check(request, view, self.instrument, now_ms)
        refusal = announce(self.ctx, request, verdict)
        if refusal is not None:
            self.refusals.append(refusal)
        return verdict

    def take_refusals(self) -> list[str]:
        """The gate's refusals since the last call (for the decision's skip reasons)."""
        refusals, self.refusals = self.refusals, []
        return refusals

    def sent(self, now_ms: int) -> None:
        self.gate.sent(now_ms)

    def _open_orders(self, symbol: str) -> tuple[int, list[tuple[OrderRequest, Decimal]]]:
        """The journal's open orders on the symbol: how many, and the reduce-only market ones
        (exits on their way) with what is left of each."""
        rows = self.ctx.store.orders.open_on(self.ctx.bot_id, symbol)
        exits = [(OrderRequest(r["client_id"], symbol, Side(r["side"]), OrderType.MARKET,
                               Decimal(r["qty"]), reduce_only=True),
                  Decimal(r["qty"]) - Decimal(r["filled_qty"]))
                 for r in rows if r["reduce_only"] and r["type"] == OrderType.MARKET.value]
        return len(rows), exits
