"""The risk gate in front of a live symbol: what it knows of the market, and its RISK events."""

from __future__ import annotations

import math
from decimal import Decimal

from plutarc.daemon.runtime.protocol import BotContext
from plutarc.models import Instrument, OrderRequest
from plutarc.models.events import EventKind, Severity
from plutarc.risk.gate import GateLimits, MarketView, RiskGate, Verdict
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
        view = MarketView(policy.qty * policy.side, self._open_orders(request.symbol),
                          self.last_price, self.equity, planned)
        verdict = self.gate.check(request, view, self.instrument, now_ms)
        if verdict.request is None:
            self._event(request, verdict, blocked=True)
        elif verdict.clamped:
            self._event(request, verdict, blocked=False)
        return verdict

    def sent(self, now_ms: int) -> None:
        self.gate.sent(now_ms)

    def _open_orders(self, symbol: str) -> int:
        row = self.ctx.store.db.execute(
            "SELECT COUNT(*) FROM orders WHERE bot_id = ? AND symbol = ? AND status IN "
            "('pending', 'new', 'partially_filled')", (self.ctx.bot_id, symbol)).fetchone()
        return int(row[0])

    def _event(self, request: OrderRequest, verdict: Verdict, blocked: bool) -> None:
        what = "blocked" if blocked else "clamped"
        self.ctx.emit(EventKind.RISK, f"risk {what} {request.side.value} {request.qty} "
                      f"{request.symbol} ({request.tag or request.type.value}): "
                      f"{verdict.rule}: {verdict.message}",
                      severity=Severity.WARNING if blocked else Severity.INFO,
                      data={"rule": verdict.rule, "action": what,
                            "client_id": request.client_id, "symbol": request.symbol,
                            **verdict.values})
