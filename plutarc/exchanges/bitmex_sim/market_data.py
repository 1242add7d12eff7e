"""Public market data rows: instruments with live replay fields, trade bins, funding, quotes.

Bins are BitMEX TradeBin rows stamped at the bin END. Volumes become contracts from the
instrument row: inverse contracts are quote units (|multiplier|/1e8 each), linear contracts
are base units x underlyingToPositionMultiplier; turnover is in settlement minor units.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from plutarc.exchanges.bitmex.timestamps import ms_to_iso
from plutarc.exchanges.bitmex_sim.market import Bin, ReplayMarket
from plutarc.exchanges.bitmex_sim.params import ParamError, as_bool, as_time_ms, paging
from plutarc.models import Instrument

FAR_FUTURE_MS = 10**15


def contracts(row: dict[str, Any], base: float, quote: float) -> float:
    if row.get("isInverse"):
        return round(quote / (abs(row["multiplier"]) / 1e8))
    per_base = row.get("underlyingToPositionMultiplier")
    return round(base * per_base) if per_base else base


def turnover(row: dict[str, Any], base: float, quote: float) -> int:
    if row.get("isInverse") or row.get("isQuanto"):
        return round(base * 1e8)
    return round(quote * 1e6) if row.get("settlCurrency") == "USDt" else round(base * 1e8)


def bin_row(row: dict[str, Any], b: Bin) -> dict[str, Any]:
    return {
        "timestamp": ms_to_iso(b.end_ms),
        "symbol": row["symbol"],
        "open": b.open,
        "high": b.high,
        "low": b.low,
        "close": b.close,
        "trades": b.trades,
        "volume": contracts(row, b.base_volume, b.quote_volume),
        "vwap": (b.quote_volume / b.base_volume) if b.base_volume else None,
        "lastSize": None,
        "turnover": turnover(row, b.base_volume, b.quote_volume),
        "homeNotional": b.base_volume,
        "foreignNotional": b.quote_volume,
    }


def trade_bins(
    row: dict[str, Any], market: ReplayMarket, params: dict[str, Any], count_max: int
) -> list[dict[str, Any]]:
    """GET /trade/bucketed for one symbol: closed bins, plus the live one with partial=true."""
    bin_size = str(params.get("binSize") or "1m")
    if bin_size not in ("1m", "5m", "1h", "1d"):
        raise ParamError("binSize must be one of 1m, 5m, 1h, 1d")
    start, count, reverse = paging(params, count_max)
    t0 = as_time_ms(params.get("startTime"), "startTime") or 0
    t1 = as_time_ms(params.get("endTime"), "endTime") or FAR_FUTURE_MS
    live = market.partial_bin(bin_size) if as_bool(params.get("partial"), "partial") else None
    if live is not None and not t0 <= live.end_ms <= t1:
        live = None
    if live is not None and reverse:
        # newest first: the bin in progress leads and counts toward ``count``
        if start == 0:
            older = market.bins(bin_size, t0, t1, count=count - 1, reverse=True)
            return [bin_row(row, b) for b in [live, *older]]
        start -= 1
    bins = market.bins(bin_size, t0, t1, offset=start, count=count, reverse=reverse)
    if live is not None and not reverse and len(bins) < count:
        bins.append(live)
    return [bin_row(row, b) for b in bins]


def quote_row(row: dict[str, Any], inst: Instrument, market: ReplayMarket) -> dict[str, Any]:
    """A top of book around the last traded price (the replay has trades, not a book)."""
    ask = inst.round_price(Decimal(repr(market.last_close)), "up")
    bid = ask - inst.tick_size
    return {
        "timestamp": ms_to_iso(market.now_ms),
        "symbol": row["symbol"],
        "bidSize": float(inst.lot_size * 10),
        "bidPrice": float(bid),
        "askPrice": float(ask),
        "askSize": float(inst.lot_size * 10),
    }


def live_instrument(
    row: dict[str, Any], inst: Instrument, market: ReplayMarket, funding_rate: float,
    funding_interval_ms: int, funding_offset_ms: int = 0,
) -> dict[str, Any]:
    """The recorded row with the replay's prices, funding and time."""
    quote = quote_row(row, inst, market)
    now = market.now_ms
    last = market.last_close
    since = (now - funding_offset_ms) % funding_interval_ms
    next_funding = now - since + funding_interval_ms
    return {
        **row,
        "lastPrice": last,
        "markPrice": last,
        "fairPrice": last,
        "bidPrice": quote["bidPrice"],
        "askPrice": quote["askPrice"],
        "midPrice": (quote["bidPrice"] + quote["askPrice"]) / 2,
        "fundingRate": funding_rate,
        "indicativeFundingRate": funding_rate,
        "fundingTimestamp": ms_to_iso(next_funding),
        "timestamp": ms_to_iso(now),
    }


def funding_rows(
    symbol: str, market: ReplayMarket, rate: float, interval_ms: int, offset_ms: int = 0
) -> list[dict[str, Any]]:
    """Funding settlements of the replay so far (the engine's schedule and rate)."""
    first = int(market.ts[0])
    first += -(first - offset_ms) % interval_ms
    daily = rate * (86_400_000 / interval_ms)
    interval_text = ms_to_iso(946_684_800_000 + interval_ms)
    return [
        {"timestamp": ms_to_iso(ts), "symbol": symbol, "fundingInterval": interval_text,
         "fundingRate": rate, "fundingRateDaily": daily}
        for ts in range(first, market.now_ms + 1, interval_ms)
    ]
