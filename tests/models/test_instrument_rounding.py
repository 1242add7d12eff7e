"""Tick/lot rounding: the quantize shortcut for power-of-ten steps gives exactly what
units x step gives (same value, same digits and exponent, as reports print them)."""

from __future__ import annotations

import random
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    Decimal,
    InvalidOperation,
)

import pytest

from plutarc.models import ContractKind, Instrument, Side
from plutarc.models.instrument import _round_to, to_decimal

# one-digit steps take the shortcut; 0.010 equals 0.01 but keeps three places, so it must not
STEPS = ["1E-8", "0.01", "0.1", "1", "1E+1", "10", "0.5", "0.25", "0.010", "1.0", "5", "1E-10"]
MODES = [ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN]


def units_times_step(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    return (value / step).quantize(Decimal(1), rounding) * step


def outcome(fn, *args) -> str:  # noqa: ANN001
    """The printed result, or the error (a value with more digits than the context holds
    must fail the same way on both paths)."""
    try:
        return str(fn(*args))
    except InvalidOperation:
        return "InvalidOperation"


def values(rng: random.Random, step: Decimal) -> list[Decimal]:
    out = [Decimal(0), Decimal("-0"), Decimal("0E-20"), step, -step, step / 2, -step / 2]
    for _ in range(300):
        out.append(to_decimal(rng.uniform(-1e6, 1e6)))
        out.append(to_decimal(rng.uniform(-1, 1) * 10.0 ** rng.randint(-12, 12)))
        out.append(Decimal(rng.randint(-10**9, 10**9)) * step + step / 2)
        out.append(Decimal(rng.randint(-10**30, 10**30)) * Decimal(10) ** rng.randint(-40, 5))
    return out


@pytest.mark.parametrize("text", STEPS)
def test_round_to_equals_units_times_step(text: str) -> None:
    step = Decimal(text)
    rng = random.Random(text)
    for value in values(rng, step):
        for mode in MODES:
            want = outcome(units_times_step, value, step, mode)
            assert outcome(_round_to, value, step, mode) == want, (value, step, mode)


def test_instrument_rounds_by_its_own_steps() -> None:
    inst = Instrument("x", "BTCUSDT", "BTC", "USDT", "USDT", ContractKind.LINEAR,
                      tick_size=Decimal("0.010"), lot_size=Decimal("0.001"))
    assert str(inst.round_price(42000.129, "down")) == "42000.120"
    assert str(inst.round_price(Decimal("42000.121"), "up")) == "42000.130"
    assert str(inst.round_price_passive(42000.125, Side.SELL)) == "42000.130"
    assert str(inst.round_qty(0.0129)) == "0.012"
    other = Instrument("x", "BTCUSDT", "BTC", "USDT", "USDT", ContractKind.LINEAR,
                       tick_size=Decimal("0.01"), lot_size=Decimal("1E-8"))
    assert str(other.round_price(42000.129, "down")) == "42000.12"
    assert str(other.round_qty(0.123456789)) == "0.12345678"
