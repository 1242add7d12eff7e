"""The per-bot risk gate: every order intent passes it before it is journaled (pure, fast).

Only the part of an order that reduces the current position is closing; closing parts are
never refused (at most clamped into the price band). Whatever is left over is an entry and
meets every entry rule. The part of a position already being closed by an open reduce-only
market order (a reversal's exit leg) cannot be closed a second time: an opposite order sent
meanwhile (the reversal's entry leg) is all entry.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from plutarc.models import Instrument, OrderRequest, OrderType
from plutarc.models import contract_math as cm

if TYPE_CHECKING:
    from plutarc.risk.limits import RiskLimits

ZERO = Decimal(0)
BPS = Decimal(10_000)
WINDOW_MS = 60_000  # the velocity limit counts orders over this sliding window
_PRICED = (OrderType.LIMIT, OrderType.STOP_LIMIT)
_STOP_ENTRY = (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)


@dataclass(frozen=True, slots=True)
class GateLimits:
    """The gate's copy of a bot's limits (plain values: nothing to validate on the hot path)."""

    max_position_notional: Decimal | None = None
    max_leverage: Decimal | None = None
    max_loss_per_trade: Decimal | None = None
    max_orders_per_minute: int | None = None
    max_open_orders: int | None = None
    price_band_bps: Decimal | None = None
    price_band_action: Literal["clamp", "block"] = "clamp"

    @classmethod
    def from_risk(cls, risk: RiskLimits) -> GateLimits:
        return cls(risk.max_position_notional, risk.max_leverage, risk.max_loss_per_trade,
                   risk.max_orders_per_minute, risk.max_open_orders, risk.price_band_bps,
                   risk.price_band_action)


@dataclass(frozen=True, slots=True)
class MarketView:
    """What the gate knows when an intent arrives; quantities signed (> 0 long)."""

    position_qty: Decimal
    open_orders: int
    last_price: Decimal | None  # last trade or mark price; None before the first one
    equity: Decimal | None  # in the settle currency
    planned_stop: Decimal | None = None  # the protective stop an entry will get
    orders_last_minute: int = 0
    # How much of the position open reduce-only market orders are closing already (> 0).
    closing_qty: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Verdict:
    """``request`` is what may be sent (possibly clamped); None means blocked by ``rule``."""

    request: OrderRequest | None
    rule: str = ""
    message: str = ""
    values: dict[str, str] = field(default_factory=dict)
    refused_qty: Decimal = ZERO  # an entry part refused while the closing part goes

    @property
    def refused(self) -> bool:
        """Blocked, or cut down to the part that closes: a risk block either way."""
        return self.request is None or self.refused_qty > 0

    @property
    def allowed(self) -> bool:
        return self.request is not None

    @property
    def clamped(self) -> bool:
        return self.request is not None and bool(self.rule)


def split_order(request: OrderRequest, position_qty: Decimal,
                closing_qty: Decimal = ZERO) -> tuple[Decimal, Decimal]:
    """(closing part, entry part) of ``request``: reduce-only closes all of it; an opposite
    order closes what is left of the position after ``closing_qty`` (what open reduce-only
    market orders close already); the rest, and any order on the position's side, is entry."""
    if request.reduce_only:
        return request.qty, ZERO
    against = position_qty != 0 and (request.side.sign > 0) != (position_qty > 0)
    if not against:
        return ZERO, request.qty
    closing = min(request.qty, max(ZERO, abs(position_qty) - closing_qty))
    return closing, request.qty - closing


def is_closing(request: OrderRequest, position_qty: Decimal, closing_qty: Decimal = ZERO) -> bool:
    """Reduce-only, or against the position and no larger than what is left to close."""
    return split_order(request, position_qty, closing_qty)[1] == 0


def check_order(request: OrderRequest, limits: GateLimits, view: MarketView,
                inst: Instrument) -> Verdict:
    """Apply every rule to the entry part; the closing part is only ever clamped, and goes
    alone (reduce-only) when the entry part is refused."""
    closing, entry = split_order(request, view.position_qty, view.closing_qty)
    if entry == 0:
        return _price_band(request, limits, view, inst, True)
    banded = _price_band(request, limits, view, inst, False)
    refusal: Verdict | None = banded
    if banded.request is not None:
        part = replace(banded.request, qty=entry) if closing else banded.request
        refusal = _entry_refusal(part, limits, _entry_view(request, view), inst)
    if refusal is None:
        return banded
    if closing == 0:
        return refusal
    kept = _price_band(replace(request, qty=closing, reduce_only=True), limits, view, inst,
                       True).request
    return Verdict(kept, refusal.rule, f"{refusal.message}; only the {closing} that closes "
                   f"the position is sent, the {entry} that would open one is refused",
                   {**refusal.values, "closing_qty": str(closing), "refused_qty": str(entry)},
                   refused_qty=entry)


def _entry_view(request: OrderRequest, view: MarketView) -> MarketView:
    """The market an entry part meets: an opposite order's entry part starts from flat (the
    position is closed first, by it or by the exits already open); an order on the position's
    side adds to all of it (exits that may still be refused or never fill are not counted)."""
    if view.position_qty != 0 and (request.side.sign > 0) != (view.position_qty > 0):
        return replace(view, position_qty=ZERO)
    return view


def _entry_refusal(request: OrderRequest, limits: GateLimits, view: MarketView,
                   inst: Instrument) -> Verdict | None:
    for rule in _ENTRY_RULES:
        blocked = rule(request, limits, view, inst)
        if blocked is not None:
            return blocked
    return None


def _block(rule: str, message: str, **values: object) -> Verdict:
    return Verdict(None, rule, message, {k: str(v) for k, v in values.items()})


def _price_band(request: OrderRequest, limits: GateLimits, view: MarketView, inst: Instrument,
                closing: bool) -> Verdict:
    bps, last, price = limits.price_band_bps, view.last_price, request.price
    if bps is None or last is None or price is None or request.type not in _PRICED:
        return Verdict(request)
    low = inst.round_price(last * (BPS - bps) / BPS, "up")
    high = inst.round_price(last * (BPS + bps) / BPS, "down")
    if low <= price <= high:
        return Verdict(request)
    edge = high if price > high else low
    values = {"price": price, "last_price": last, "band_bps": bps, "edge": edge}
    if limits.price_band_action == "block" and not closing:
        return _block("price_band", f"limit price {price} is more than {bps} bps from the "
                      f"last price {last}", **values)
    return Verdict(replace(request, price=edge), "price_band",
                   f"limit price {price} clamped to {edge} ({bps} bps from {last})",
                   {k: str(v) for k, v in values.items()})


def _equity(request: OrderRequest, limits: GateLimits, view: MarketView,
            inst: Instrument) -> Verdict | None:
    """Always on: an account with nothing left (or less) never opens a position."""
    equity = view.equity
    if equity is not None and equity <= 0:
        return _block("equity", f"equity is {equity}: no new position on an account with "
                      "nothing left to lose", equity=equity)
    return None


def _velocity(request: OrderRequest, limits: GateLimits, view: MarketView,
              inst: Instrument) -> Verdict | None:
    cap = limits.max_orders_per_minute
    if cap is not None and view.orders_last_minute >= cap:
        return _block("max_orders_per_minute", f"{view.orders_last_minute} orders in the last "
                      f"minute, the limit is {cap}", orders=view.orders_last_minute, limit=cap)
    return None


def _open_orders(request: OrderRequest, limits: GateLimits, view: MarketView,
                 inst: Instrument) -> Verdict | None:
    cap = limits.max_open_orders
    if cap is not None and view.open_orders >= cap:
        return _block("max_open_orders", f"{view.open_orders} orders open, the limit is {cap}",
                      open_orders=view.open_orders, limit=cap)
    return None


def _reference_price(request: OrderRequest, view: MarketView) -> Decimal | None:
    return request.price or request.stop_price or view.last_price


def _exposure_after(request: OrderRequest, view: MarketView, inst: Instrument
                    ) -> tuple[Decimal, Decimal] | None:
    """(resulting position, its notional in the settle currency) or None without a price."""
    price = _reference_price(request, view)
    if price is None or price <= 0:
        return None
    after = view.position_qty + request.qty * request.side.sign
    return after, cm.notional(inst, after, price)


def _position_size(request: OrderRequest, limits: GateLimits, view: MarketView,
                   inst: Instrument) -> Verdict | None:
    cap = limits.max_position_notional
    if cap is None:
        return None
    exposure = _exposure_after(request, view, inst)
    if exposure is None:
        return _block("max_position_notional", "no price known yet to value the position",
                      limit=cap)
    after = exposure[0]
    value = cm.quote_notional(inst, after, _reference_price(request, view))  # type: ignore[arg-type]
    if value > cap:
        return _block("max_position_notional", f"position {after} would be worth "
                      f"{value:.2f}, the limit is {cap}", position=after,
                      notional=f"{value:.2f}", limit=cap)
    return None


def _leverage(request: OrderRequest, limits: GateLimits, view: MarketView,
              inst: Instrument) -> Verdict | None:
    cap = limits.max_leverage
    if cap is None:
        return None
    exposure = _exposure_after(request, view, inst)
    equity = view.equity
    if exposure is None or equity is None or equity <= 0:
        return _block("max_leverage", f"cannot value leverage (equity {equity}, last price "
                      f"{view.last_price})", equity=equity, limit=cap)
    after, value = exposure
    leverage = value / equity
    if leverage > cap:
        return _block("max_leverage", f"position {after} would be {leverage:.2f}x the equity "
                      f"{equity:.2f}, the limit is {cap}x", leverage=f"{leverage:.2f}",
                      equity=f"{equity:.2f}", limit=cap)
    return None


def _loss_per_trade(request: OrderRequest, limits: GateLimits, view: MarketView,
                    inst: Instrument) -> Verdict | None:
    cap = limits.max_loss_per_trade
    if cap is None:
        return None
    stop = view.planned_stop
    if request.type in _PRICED:
        entry = request.price
    elif request.type in _STOP_ENTRY:
        entry = request.stop_price
    else:
        entry = view.last_price
    if stop is None or entry is None or stop <= 0:
        return _block("max_loss_per_trade", "the entry has no protective stop, so its loss is "
                      f"not bounded (limit {cap})", limit=cap)
    loss = -cm.pnl(inst, request.qty * request.side.sign, entry, stop)
    if loss > cap:
        return _block("max_loss_per_trade", f"stop {stop} on {request.qty} from {entry} risks "
                      f"{loss:.2f}, the limit is {cap}", stop=stop, entry=entry,
                      qty=request.qty, loss=f"{loss:.2f}", limit=cap)
    return None


_ENTRY_RULES = (_equity, _velocity, _open_orders, _position_size, _leverage, _loss_per_trade)


class OrderRate:
    """Order send times over the last minute (the velocity limit's memory)."""

    __slots__ = ("_times",)

    def __init__(self) -> None:
        self._times: deque[int] = deque()

    def count(self, now_ms: int) -> int:
        times = self._times
        while times and times[0] <= now_ms - WINDOW_MS:
            times.popleft()
        return len(times)

    def record(self, now_ms: int) -> None:
        self._times.append(now_ms)


class RiskGate:
    """One bot's gate: its limits (replaced on a config change) and its order rate."""

    def __init__(self, limits: GateLimits) -> None:
        self.limits = limits
        self.rate = OrderRate()

    def check(self, request: OrderRequest, view: MarketView, inst: Instrument,
              now_ms: int) -> Verdict:
        view = replace(view, orders_last_minute=self.rate.count(now_ms))
        return check_order(request, self.limits, view, inst)

    def sent(self, now_ms: int) -> None:
        """Count an order handed to the venue (closing ones count too, they are never refused)."""
        self.rate.record(now_ms)
