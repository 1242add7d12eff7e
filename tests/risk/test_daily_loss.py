"""The daily loss limit's arithmetic: the day, the quote currency and the threshold."""

from __future__ import annotations

from decimal import Decimal

from plutarc.backtest.instruments import generic_instrument
from plutarc.daemon.ops.daily_loss import DayPnl, breached, to_quote
from plutarc.models import ContractKind

D = Decimal
JAN_1 = 1_704_067_200_000  # 2024-01-01 00:00 UTC


def test_the_limit_is_reached_at_a_loss_equal_to_it_counting_unrealised_losses() -> None:
    assert not breached(None, DayPnl(JAN_1, D(-10_000), D(0)))  # off
    assert not breached(D(500), DayPnl(JAN_1, D(-499), D(0)))
    assert breached(D(500), DayPnl(JAN_1, D(-300), D(-200)))  # realised + unrealised
    assert not breached(D(500), DayPnl(JAN_1, D(-800), D(400)))  # an open winner offsets
    assert DayPnl(JAN_1, D(0), D(0)).day == "2024-01-01"


def test_an_inverse_contracts_loss_is_counted_in_its_quote_currency() -> None:
    xbtusd = generic_instrument("XBTUSD", kind=ContractKind.INVERSE, tick="0.5", lot="1")
    btcusdt = generic_instrument("BTCUSDT", tick="0.1", lot="0.001")
    assert to_quote(xbtusd, D("-0.01"), D(40_000)) == D(-400)  # 0.01 XBT at $40,000
    assert to_quote(btcusdt, D(-400), D(40_000)) == D(-400)  # USDT already
    assert to_quote(None, D(-7), None) == D(-7)  # a symbol no longer traded: as stored
