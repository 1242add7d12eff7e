"""How the TUI writes times, ages, quantities and money: one place, so every screen agrees."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal


def fmt_time(ts_ms: int | None) -> str:
    if ts_ms is None:
        return "-"
    return datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%m-%d %H:%M:%S")


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
