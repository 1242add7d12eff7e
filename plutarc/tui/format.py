"""How the TUI writes times, ages, quantities and money: one place, so every screen agrees.

Prices are written to the instrument's tick, quantities to its lot, money to the usual
decimals of its currency (cents; satoshis for BTC) with the currency named. Times are UTC
with the date; the screens say "UTC" in their column headers and status bar.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# How many decimals a trader reads for money in a currency; 2 (cents) for the rest.
MONEY_DECIMALS = {"BTC": 8, "XBT": 8, "XBt": 8, "ETH": 6}
UNKNOWN_CURRENCY = "?"


def fmt_time(ts_ms: int | None) -> str:
    """'2026-12-07 14:02:05' in UTC."""
    if ts_ms is None:
        return "-"
    return datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def places(step: Decimal | None) -> int | None:
    """The decimals a tick or lot size has (0.5 -> 1, 1 -> 0, 1E-8 -> 8); None for no step."""
    if step is None or step <= 0:
        return None
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else None


def _fixed(value: Decimal, decimals: int, grouped: bool = False) -> str:
    try:
        value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the context holds: write it as it is
        return fmt_dec(value)
    text = format(value, ",f" if grouped else "f")
    return text[1:] if text.startswith("-") and not value else text  # no '-0.00'


def fmt_step(value: Decimal | None, step: Decimal | None) -> str:
    """A price to its tick or a quantity to its lot; exact when the step is not known."""
    if value is None:
        return "-"
    decimals = places(step)
    return fmt_dec(value) if decimals is None else _fixed(value, decimals)


def money_decimals(currency: str) -> int:
    return MONEY_DECIMALS.get(currency, MONEY_DECIMALS.get(currency.upper(), 2))


def fmt_money(value: Decimal, currency: str = UNKNOWN_CURRENCY, exact: bool = False,
              signed: bool = True) -> str:
    """'+1,234.57 USDT', '-0.00012345 BTC'; ``exact`` writes every digit the ledger holds."""
    text = fmt_dec(value) if exact else _fixed(value, money_decimals(currency), grouped=True)
    if signed and value > 0:
        text = "+" + text
    return text if currency in ("", UNKNOWN_CURRENCY) else f"{text} {currency}"


def fmt_age(ts_ms: int | None, now_ms: int | None = None) -> str:
    """'3s ago', '4m ago', '2h ago'; '-' when there never was one."""
    if ts_ms is None:
        return "-"
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    age_s = max(0, (now_ms - ts_ms) // 1000)
    if age_s < 120:
        return f"{age_s}s ago"
    if age_s < 7200:
        return f"{age_s // 60}m ago"
    return f"{age_s // 3600}h ago"


def fmt_dec(value: Decimal | None) -> str:
    """Exactly as the ledger holds it, without exponent notation or trailing zeros."""
    if value is None:
        return "-"
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def fmt_pnl(value: Decimal) -> str:
    text = fmt_dec(value)
    return text if value <= 0 else f"+{text}"


def fmt_score(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"
