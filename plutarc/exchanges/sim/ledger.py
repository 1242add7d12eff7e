"""SimPosition: one net position per symbol: entry, realised PnL, margin, liquidation price."""

from __future__ import annotations

from decimal import Decimal

from plutarc.models import Instrument, Position
from plutarc.models import contract_math as cm

ZERO = Decimal(0)
_INF = float("inf")


class SimPosition:
    """Net position (``qty`` > 0 long). All maths goes through contract_math; money is Decimal."""

    __slots__ = ("inst", "qty", "entry", "leverage", "realised", "funding", "_liq_f", "_liq",
                 "_liq_stale")

    def __init__(self, inst: Instrument, leverage: Decimal) -> None:
        self.inst = inst
        self.qty = ZERO
        self.entry: Decimal | None = None
        self.leverage = leverage
        self.realised = ZERO  # since the engine started, settle currency
        self.funding = ZERO  # paid since the position was last opened from flat
        self._liq: Decimal | None = None
        self._liq_f = 0.0  # float copy for matching; 0 / inf when it can never be reached
        self._liq_stale = False  # qty, entry or leverage changed since it was worked out

    def apply(self, signed_qty: Decimal, price: Decimal) -> Decimal:
        """Trade ``signed_qty`` (> 0 buys) at ``price``; returns the PnL this realises."""
        qty, inst = self.qty, self.inst
        realised = ZERO
        if qty == 0 or (qty > 0) == (signed_qty > 0):
            if qty == 0:
                self.entry = price
                self.funding = ZERO
            else:
                assert self.entry is not None
                self.entry = cm.average_entry(inst, abs(qty), self.entry, abs(signed_qty), price)
            self.qty = qty + signed_qty
        else:
            assert self.entry is not None
            closing = min(abs(signed_qty), abs(qty))
            realised = cm.pnl(inst, closing if qty > 0 else -closing, self.entry, price)
            self.qty = qty + signed_qty
            if self.qty == 0:
                self.entry = None
            elif (self.qty > 0) != (qty > 0):  # flipped: the remainder opened at this price
                self.entry = price
                self.funding = ZERO
        self.realised += realised
        self._update_liquidation()
        return realised

    def set_leverage(self, leverage: Decimal) -> None:
        self.leverage = leverage
        self._update_liquidation()

    def _update_liquidation(self) -> None:
        # worked out when read: a pure function of qty, entry and leverage, which only change
        # through apply and set_leverage (most fills are never followed by a margin check)
        self._liq_stale = True

    def _work_out_liquidation(self) -> None:
        self._liq_stale = False
        if self.qty == 0 or self.entry is None:
            self._liq, self._liq_f = None, 0.0
            return
        liq = cm.liquidation_price(self.inst, self.qty, self.entry, self.leverage)
        self._liq = liq
        if liq.is_infinite():
            self._liq_f = _INF
        else:
            self._liq_f = max(float(liq), 0.0)

    @property
    def liq(self) -> Decimal | None:
        """Liquidation price (None when flat)."""
        if self._liq_stale:
            self._work_out_liquidation()
        return self._liq

    @property
    def liq_f(self) -> float:
        """``liq`` as a float for matching; 0 / inf when it can never be reached."""
        if self._liq_stale:
            self._work_out_liquidation()
        return self._liq_f

    def margin(self) -> Decimal:
        """Isolated initial margin held by the position (settle currency)."""
        if self.qty == 0 or self.entry is None:
            return ZERO
        return cm.initial_margin(self.inst, self.qty, self.entry, self.leverage)

    def unrealised(self, mark: Decimal) -> Decimal:
        if self.qty == 0 or self.entry is None:
            return ZERO
        return cm.pnl(self.inst, self.qty, self.entry, mark)

    def snapshot(self, mark: Decimal | None, ts_ms: int) -> Position:
        return Position(
            symbol=self.inst.symbol,
            qty=self.qty,
            entry_price=self.entry,
            leverage=self.leverage,
            liquidation_price=self.liq
            if self.liq is not None and self.liq_f not in (0.0, _INF)
            else None,
            realised_pnl=self.realised,
            unrealised_pnl=self.unrealised(mark) if mark is not None else ZERO,
            ts_ms=ts_ms,
        )
