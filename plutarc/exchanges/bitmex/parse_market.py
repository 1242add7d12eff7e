"""Wire -> plutarc types for market data: instruments, candles, funding, quotes, currencies.

The contract kind is decided from the instrument's flags (isInverse, isQuanto) and its size
from multiplier and settlCurrency, never from the symbol. XBT becomes BTC in our symbols;
the venue's own symbol is kept in ``Instrument.venue_symbol``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from plutarc.errors import DataError
from plutarc.exchanges.base import FundingRate, OpenInterest
from plutarc.exchanges.bitmex.schemas import WireFunding, WireInstrument, WireQuote, WireTradeBin
from plutarc.exchanges.bitmex.timestamps import iso_to_ms, timespan_to_ms
from plutarc.models import Candle, ContractKind, Instrument, to_decimal

VENUE = "bitmex"


@dataclass(frozen=True, slots=True)
class QuoteTick:
    """Best bid and ask as the venue last published them."""

    symbol: str
    ts_ms: int
    bid: float
    ask: float
    bid_size: float
    ask_size: float


def normalise_code(code: str) -> str:
    """Our name of a BitMEX currency or symbol: XBT is BTC."""
    return code.replace("XBT", "BTC")


def currency(code: str | None, table: dict[str, tuple[str, int]]) -> tuple[str, int]:
    """(our currency code, minor units per unit) of a wire money currency such as XBt."""
    try:
        return table[code]  # type: ignore[index]
    except KeyError:
        raise DataError(
            f"unrecognised BitMEX currency {code!r}: add it to the adapter's currencies setting"
        ) from None


def minor_to_decimal(value: int | float | None, divisor: int) -> Decimal:
    """Exact conversion of integer minor units (XBt, USDt) to units."""
    if value is None:
        return Decimal(0)
    return to_decimal(value) / divisor


def contract_kind(w: WireInstrument) -> ContractKind:
    if w.isInverse is None or w.isQuanto is None:
        raise DataError(f"BitMEX instrument {w.symbol}: isInverse/isQuanto missing")
    if w.isInverse and w.isQuanto:
        raise DataError(f"BitMEX instrument {w.symbol}: both inverse and quanto")
    if w.isInverse:
        return ContractKind.INVERSE
    return ContractKind.QUANTO if w.isQuanto else ContractKind.LINEAR


def _required(w: WireInstrument, name: str) -> float:
    value = getattr(w, name)
    if value is None:
        raise DataError(f"BitMEX instrument {w.symbol}: {name} missing")
    return value


def instrument_from_wire(w: WireInstrument, currencies: dict[str, tuple[str, int]]) -> Instrument:
    """Our Instrument. ``multiplier`` is settle units per contract (per price unit for linear
    and quanto, times 1/price for inverse): |BitMEX multiplier| / settle minor units."""
    kind = contract_kind(w)
    settle, divisor = currency(w.settlCurrency, currencies)
    multiplier = abs(to_decimal(_required(w, "multiplier"))) / divisor
    lot = to_decimal(_required(w, "lotSize"))
    init_margin = to_decimal(_required(w, "initMargin"))
    return Instrument(
        venue=VENUE,
        symbol=normalise_code(w.symbol),
        base=normalise_code(w.underlying or ""),
        quote=normalise_code(w.quoteCurrency or ""),
        settle=settle,
        kind=kind,
        tick_size=to_decimal(_required(w, "tickSize")),
        lot_size=lot,
        multiplier=multiplier,
        min_qty=lot,
        maker_fee=to_decimal(_required(w, "makerFee")),
        taker_fee=to_decimal(_required(w, "takerFee")),
        venue_symbol=w.symbol,
        max_leverage=(Decimal(1) / init_margin) if init_margin > 0 else Decimal(100),
        maintenance_margin_rate=to_decimal(_required(w, "maintMargin")),
        quote_to_settle=_quote_to_settle(w, kind, divisor),
    )


def _quote_to_settle(w: WireInstrument, kind: ContractKind, divisor: int) -> Decimal | None:
    """Quanto only: settle units per quote unit (quoteToSettleMultiplier is in settle minor
    units, e.g. 3108 XBt per USD); a live rate, fresh as of the last instrument refresh."""
    if kind is not ContractKind.QUANTO or not w.quoteToSettleMultiplier:
        return None
    return abs(to_decimal(w.quoteToSettleMultiplier)) / divisor


def bin_base_volume(w: WireTradeBin) -> float:
    """A bin's volume in base units (``homeNotional``: BTC for XBTUSD and XBTUSDT alike), so
    a volume threshold means the same on every venue; ``volume`` would be contracts."""
    if w.homeNotional is not None:
        return abs(float(w.homeNotional))
    if not w.volume:
        return 0.0  # an empty bin
    raise DataError(f"BitMEX {w.symbol} bin ending {w.timestamp}: homeNotional missing")


def candle_from_bin(w: WireTradeBin, interval_ms: int) -> Candle:
    """BitMEX stamps the bin END; our candles carry the OPEN time. The bin's open is the
    previous bin's close and may lie outside its high/low: Candle widens high/low to bound
    it and keeps open/close as sent (plutarc.models.ohlc). Volume is in base units."""
    end_ms = iso_to_ms(w.timestamp)
    try:
        return Candle(
            end_ms - interval_ms,
            float(w.open),
            float(w.high),
            float(w.low),
            float(w.close),
            bin_base_volume(w),
            interval_ms,
        )
    except (TypeError, ValueError) as exc:
        raise DataError(f"BitMEX {w.symbol} bin ending {w.timestamp}: {exc}") from None


def funding_from_wire(w: WireFunding, symbol: str) -> FundingRate:
    if w.fundingRate is None:
        raise DataError(f"BitMEX funding row {w.symbol} {w.timestamp}: fundingRate missing")
    return FundingRate(symbol, iso_to_ms(w.timestamp), float(w.fundingRate))


def funding_pair(w: WireInstrument, symbol: str) -> tuple[FundingRate, FundingRate]:
    """(fundingRate, paid at fundingTimestamp; indicativeFundingRate, the rate of the period
    after it, paid one fundingInterval later). The interval is read, never assumed."""
    if w.fundingRate is None or w.fundingTimestamp is None or w.fundingInterval is None:
        raise DataError(f"BitMEX instrument {w.symbol}: funding fields missing")
    ts = iso_to_ms(w.fundingTimestamp)
    current = FundingRate(symbol, ts, float(w.fundingRate))
    indicative = w.indicativeFundingRate
    following = float(indicative if indicative is not None else w.fundingRate)
    return current, FundingRate(symbol, ts + timespan_to_ms(w.fundingInterval), following)


def open_interest_from_wire(w: WireInstrument, symbol: str, ts_ms: int) -> OpenInterest:
    """Open interest in contracts, as the instrument row reports it now."""
    if w.openInterest is None:
        raise DataError(f"BitMEX instrument {w.symbol}: openInterest missing")
    return OpenInterest(symbol, ts_ms, float(w.openInterest))


def quote_from_wire(w: WireQuote, symbol: str) -> QuoteTick:
    return QuoteTick(
        symbol,
        iso_to_ms(w.timestamp),
        float(w.bidPrice or 0.0),
        float(w.askPrice or 0.0),
        float(w.bidSize or 0.0),
        float(w.askSize or 0.0),
    )
