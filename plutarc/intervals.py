"""Candle intervals: names, lengths and the rules for grouping lower into higher ones."""

from __future__ import annotations

from plutarc.errors import UsageError

MINUTE_MS = 60_000

INTERVAL_MS: dict[str, int] = {
    "1m": MINUTE_MS,
    "3m": 3 * MINUTE_MS,
    "5m": 5 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "30m": 30 * MINUTE_MS,
    "1h": 60 * MINUTE_MS,
    "2h": 120 * MINUTE_MS,
    "4h": 240 * MINUTE_MS,
    "1d": 1440 * MINUTE_MS,
}

# Intervals a template may use for its components and trigger.
STRATEGY_INTERVALS: tuple[str, ...] = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h")


def interval_ms(name: str) -> int:
    """Length of a named interval in milliseconds; a clear error for an unknown name."""
    try:
        return INTERVAL_MS[name]
    except KeyError:
        known = ", ".join(INTERVAL_MS)
        raise UsageError(f"unknown interval {name!r}; known intervals: {known}") from None


def interval_name(ms: int) -> str:
    for name, length in INTERVAL_MS.items():
        if length == ms:
            return name
    raise UsageError(f"no interval is {ms} ms long")


def is_multiple(higher: str, lower: str) -> bool:
    """True when a ``higher`` candle is made of whole ``lower`` candles."""
    return interval_ms(higher) % interval_ms(lower) == 0 and interval_ms(higher) >= interval_ms(
        lower
    )
