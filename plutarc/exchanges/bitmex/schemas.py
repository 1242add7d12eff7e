"""BitMEX wire shapes: immutable rows that keep the venue's own field names.

Each shape lists only the fields we read; BitMEX sends many more and adds fields over time,
so unknown fields are ignored and missing ones are ``None``. ``Shape.of(row)`` builds one
from a decoded JSON object at C speed (a tuple, no per-field Python code), which matters on
the websocket hot path. Enum-like strings stay strings here; parse.py checks them.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TypeVar

_T = TypeVar("_T")


def _of(cls: type[_T], row: dict[str, Any]) -> _T:
    """Pick ``cls``'s fields out of a decoded JSON object (missing ones are None)."""
    return cls._make(map(row.get, cls._fields))  # type: ignore[attr-defined]


class WireInstrument(NamedTuple):
    of = classmethod(_of)

    symbol: str
    rootSymbol: str | None
    state: str | None
    typ: str | None
    positionCurrency: str | None
    underlying: str | None
    quoteCurrency: str | None
    settlCurrency: str | None
    lotSize: float | None
    tickSize: float | None
    multiplier: float | None
    underlyingToPositionMultiplier: float | None
    underlyingToSettleMultiplier: float | None
    quoteToSettleMultiplier: float | None
    isQuanto: bool | None
    isInverse: bool | None
    initMargin: float | None
    maintMargin: float | None
    maxOrderQty: float | None
    makerFee: float | None
    takerFee: float | None
    fundingTimestamp: str | None
    fundingInterval: str | None
    fundingRate: float | None
    indicativeFundingRate: float | None
    openInterest: float | None
    openValue: float | None
    markPrice: float | None
    lastPrice: float | None
    expiry: str | None
    timestamp: str | None


class WireTradeBin(NamedTuple):
    of = classmethod(_of)

    timestamp: str  # the bin END
    symbol: str
    open: float
    high: float
    low: float
    close: float
    trades: int | None
    volume: float | None
    vwap: float | None
    lastSize: float | None
    turnover: float | None
    homeNotional: float | None
    foreignNotional: float | None


class WireOrder(NamedTuple):
    of = classmethod(_of)

    orderID: str
    clOrdID: str | None
    account: int | None
    symbol: str | None
    side: str | None
    orderQty: float | None
    price: float | None
    stopPx: float | None
    pegOffsetValue: float | None
    pegPriceType: str | None
    currency: str | None
    settlCurrency: str | None
    ordType: str | None
    timeInForce: str | None
    execInst: str | None
    ordStatus: str | None
    triggered: str | None
    workingIndicator: bool | None
    ordRejReason: str | None
    leavesQty: float | None
    cumQty: float | None
    avgPx: float | None
    text: str | None
    transactTime: str | None
    timestamp: str | None
    error: str | None  # set on DELETE /order items that could not be canceled


class WireExecution(NamedTuple):
    of = classmethod(_of)

    execID: str
    orderID: str | None
    clOrdID: str | None
    account: int | None
    symbol: str | None
    side: str | None
    lastQty: float | None
    lastPx: float | None
    lastLiquidityInd: str | None
    orderQty: float | None
    price: float | None
    stopPx: float | None
    pegOffsetValue: float | None
    pegPriceType: str | None
    settlCurrency: str | None
    execType: str | None
    ordType: str | None
    timeInForce: str | None
    execInst: str | None
    ordStatus: str | None
    ordRejReason: str | None
    leavesQty: float | None
    cumQty: float | None
    avgPx: float | None
    commission: float | None
    trdMatchID: str | None
    execCost: int | None
    execComm: int | None
    homeNotional: float | None
    foreignNotional: float | None
    text: str | None
    transactTime: str | None
    timestamp: str | None


class WirePosition(NamedTuple):
    of = classmethod(_of)

    account: int | None
    symbol: str
    currency: str | None
    currentQty: float | None
    currentCost: int | None
    avgEntryPrice: float | None
    avgCostPrice: float | None
    leverage: float | None
    crossMargin: bool | None
    liquidationPrice: float | None
    realisedPnl: int | None
    unrealisedPnl: int | None
    markPrice: float | None
    markValue: int | None
    isOpen: bool | None
    timestamp: str | None


class WireMargin(NamedTuple):
    of = classmethod(_of)

    account: int | None
    currency: str
    amount: int | None
    walletBalance: int | None
    marginBalance: int | None
    availableMargin: int | None
    withdrawableMargin: int | None
    initMargin: int | None
    maintMargin: int | None
    realisedPnl: int | None
    unrealisedPnl: int | None
    timestamp: str | None


class WireFunding(NamedTuple):
    of = classmethod(_of)

    timestamp: str
    symbol: str
    fundingInterval: str | None
    fundingRate: float | None
    fundingRateDaily: float | None


class WireQuote(NamedTuple):
    of = classmethod(_of)

    timestamp: str
    symbol: str
    bidSize: float | None
    bidPrice: float | None
    askPrice: float | None
    askSize: float | None


class WireTrade(NamedTuple):
    of = classmethod(_of)

    timestamp: str
    symbol: str
    side: str | None
    size: float | None
    price: float | None
    tickDirection: str | None
    trdMatchID: str | None
    grossValue: int | None
    homeNotional: float | None
    foreignNotional: float | None


class WireError(NamedTuple):
    of = classmethod(_of)

    message: str | None
    name: str | None
