"""READS_EQUITY names exactly the sizing modes whose quantity depends on the equity: the
backtester works the equity out (a Decimal sum over the account) only for those."""

from __future__ import annotations

import typing
from decimal import Decimal

import pytest

from plutarc.models import ContractKind, Instrument
from plutarc.strategy.sizing import READS_EQUITY, entry_quantity
from plutarc.strategy.template import Sizing

INST = Instrument("binance", "BTCUSDT", "BTC", "USDT", "USDT", ContractKind.LINEAR,
                  Decimal("0.01"), Decimal("0.00001"))
MODES = typing.get_args(Sizing.model_fields["mode"].annotation)


@pytest.mark.parametrize("mode", MODES)
def test_only_the_modes_named_read_the_equity(mode: str) -> None:
    sizing = Sizing(mode=mode, value=2.0)
    small = entry_quantity(sizing, INST, 42_000.0, 10_000.0, 41_000.0)
    large = entry_quantity(sizing, INST, 42_000.0, 1_000_000.0, 41_000.0)
    assert small[0] > 0 and large[0] > 0
    assert (small != large) == (mode in READS_EQUITY)


def test_every_named_mode_exists() -> None:
    assert len(MODES) == 4 and set(MODES) >= READS_EQUITY
