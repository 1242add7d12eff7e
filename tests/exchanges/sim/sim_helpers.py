"""Small builders for sim-venue tests: instruments, hand-written bars, requests, engines."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from plutarc.exchanges.sim import SimAccount, SimConfig, SimMatchingEngine
from plutarc.models import ContractKind, Instrument, OrderRequest, OrderType, Side
from plutarc.strategy.context import TimeSeries
from plutarc.strategy.series import Bars

D = Decimal
MIN = 60_000
HOUR = 3_600_000
BUY, SELL = Side.BUY, Side.SELL
MARKET, LIMIT = OrderType.MARKET, OrderType.LIMIT
STOP, STOP_LIMIT, TRAIL = OrderType.STOP_MARKET, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP


def linear(**changes: object) -> Instrument:
    """BTCUSDT-like: tick 0.1, lot 0.001, maker 0.02 %, taker 0.05 %."""
    spec: dict = dict(
        venue="sim", symbol="BTCUSDT", base="BTC", quote="USDT", settle="USDT",
        kind=ContractKind.LINEAR, tick_size=D("0.1"), lot_size=D("0.001"), min_qty=D("0.001"),
        maker_fee=D("0.0002"), taker_fee=D("0.0005"),
    )
    spec.update(changes)
    return Instrument(**spec)


def inverse(**changes: object) -> Instrument:
    """XBTUSD-like: 1 USD contracts settled in BTC, tick 0.5, maker -0.025 %, taker 0.075 %."""
    spec: dict = dict(
        venue="sim", symbol="BTCUSD", base="BTC", quote="USD", settle="BTC",
        kind=ContractKind.INVERSE, tick_size=D("0.5"), lot_size=D("1"), min_qty=D("1"),
        maker_fee=D("-0.00025"), taker_fee=D("0.00075"),
    )
    spec.update(changes)
    return Instrument(**spec)


def bars(*rows: tuple[float, ...], start_ms: int = 0, interval_ms: int = MIN) -> Bars:
    """Bars from (open, high, low, close[, volume]) rows; volume defaults to 1000."""
    n = len(rows)
    cols = [np.array([r[k] for r in rows], np.float64) for k in range(4)]
    volume = np.array([r[4] if len(r) > 4 else 1000.0 for r in rows], np.float64)
    ts = start_ms + np.arange(n, dtype=np.int64) * interval_ms
    return Bars(interval_ms, ts, *cols, volume)


def engine(
    rows: list[tuple[float, ...]] | Bars,
    inst: Instrument | None = None,
    cash: str | int = 100_000,
    funding: TimeSeries | None = None,
    atr: np.ndarray | None = None,
    **config: object,
) -> tuple[SimMatchingEngine, SimAccount]:
    inst = inst or linear()
    account = SimAccount({inst.settle: D(str(cash))})
    sim = SimMatchingEngine(inst, SimConfig(**config), account, funding=funding)
    sim.set_bars(rows if isinstance(rows, Bars) else bars(*rows), atr=atr)
    return sim, account


def req(
    cid: str,
    side: Side,
    kind: OrderType,
    qty: str | int,
    price: str | None = None,
    stop: str | None = None,
    symbol: str = "BTCUSDT",
    **kw: object,
) -> OrderRequest:
    return OrderRequest(
        cid, symbol, side, kind, D(str(qty)),
        price=D(price) if price is not None else None,
        stop_price=D(stop) if stop is not None else None,
        **kw,  # type: ignore[arg-type]
    )


def after(i: int, interval_ms: int = MIN, start_ms: int = 0) -> int:
    """The moment bar ``i`` closes: what a bot deciding on that close passes as now."""
    return start_ms + (i + 1) * interval_ms
