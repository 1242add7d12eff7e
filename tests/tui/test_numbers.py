"""Numbers a trader reads: prices to the tick, quantities to the lot, money to its currency,
UTC times with the date, stops with their trigger; tables that sort and filter; alerts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rich.text import Text

from plutarc.daemon.store import EventRecord, OrderRecord
from plutarc.models import OrderType, Side
from plutarc.models.enums import OrderStatus, TimeInForce
from plutarc.models.events import EventKind, Severity
from plutarc.tui.alerts import is_alert
from plutarc.tui.format import fmt_money, fmt_step, fmt_time, places
from plutarc.tui.specs import Spec
from plutarc.tui.widgets.table_view import Row, sort_value


@pytest.mark.parametrize(("step", "decimals"), [
    (Decimal("0.5"), 1), (Decimal("1"), 0), (Decimal("1E-8"), 8), (Decimal("0.010"), 2),
    (Decimal("100"), 0), (None, None),
])
def test_places_of_a_tick_or_lot(step: Decimal | None, decimals: int | None) -> None:
    assert places(step) == decimals


def test_prices_to_the_tick_and_quantities_to_the_lot() -> None:
    spec = Spec(tick=Decimal("0.5"), lot=Decimal("0.001"), currency="USDT")
    assert spec.price(Decimal("42000")) == "42000.0"
    assert spec.price(Decimal("42000.123456")) == "42000.1"  # an average entry, say
    assert spec.qty(Decimal("0.01")) == "0.010"
    assert spec.price(Decimal("42000.123456"), exact=True) == "42000.123456"
    assert fmt_step(Decimal("1.50"), None) == "1.5"  # no spec known: exactly as stored
    assert fmt_step(None, Decimal("0.5")) == "-"


def test_money_to_its_currency_with_sign_and_separators() -> None:
    assert fmt_money(Decimal("1234.567"), "USDT") == "+1,234.57 USDT"
    assert fmt_money(Decimal("-0.004"), "USD") == "0.00 USD"  # no '-0.00'
    assert fmt_money(Decimal("-0.000123456789"), "BTC") == "-0.00012346 BTC"
    assert fmt_money(Decimal("-0.000123456789"), "BTC", exact=True) == "-0.000123456789 BTC"
    assert fmt_money(Decimal("2"), "?") == "+2.00"


def test_times_carry_the_date_in_utc() -> None:
    assert fmt_time(1_765_000_000_000) == "2025-12-06 05:46:40"
    assert fmt_time(None) == "-"


def order(type_: OrderType, price: str | None, stop: str | None,
          trail: str | None = None) -> OrderRecord:
    def dec(text: str | None) -> Decimal | None:
        return None if text is None else Decimal(text)

    return OrderRecord(client_id="c1", bot_id="b1", symbol="BTCUSDT", side=Side.SELL,
                       type=type_, qty=Decimal(1), price=dec(price), stop_price=dec(stop),
                       trail_offset=dec(trail), reduce_only=True, post_only=False,
                       time_in_force=TimeInForce.GTC, status=OrderStatus.NEW, venue_id=None,
                       filled_qty=Decimal(0), avg_price=None, journaled_ms=0, sent_ms=None,
                       acked_ms=None, updated_ms=0, tag="stop", reason="")


def test_a_stop_order_shows_its_trigger_price() -> None:
    spec = Spec(tick=Decimal("0.5"))
    assert spec.order_price(order(OrderType.STOP_MARKET, None, "41000")) == "stop 41000.0"
    assert spec.order_price(order(OrderType.STOP_LIMIT, "40990", "41000")) == (
        "40990.0 stop 41000.0")
    assert spec.order_price(order(OrderType.LIMIT, "41000.25", None)) == "41000.3"
    assert spec.order_price(order(OrderType.MARKET, None, None)) == "market"


def test_sort_values_put_numbers_in_numeric_order_and_blanks_last() -> None:
    cells = ["+10.00 USDT", "-2.50 USDT", "9", "-", Text("paused"), "1,000.5"]
    ordered = sorted(cells, key=sort_value)
    assert ordered == ["-2.50 USDT", "9", "+10.00 USDT", "1,000.5", cells[4], "-"]
    assert Row("k", ("a",)).sort == ()


def event(kind: EventKind, severity: Severity, **data: object) -> EventRecord:
    return EventRecord(id=1, ts_ms=0, kind=kind, severity=severity, bot_id="b1",
                       message="m", data=data)


def test_what_counts_as_an_alert() -> None:
    assert is_alert(event(EventKind.ALERT, Severity.WARNING))
    assert is_alert(event(EventKind.ACTIVITY, Severity.ERROR))
    assert is_alert(event(EventKind.RISK, Severity.WARNING, change="drawdown_halt"))
    assert is_alert(event(EventKind.RISK, Severity.ERROR, action="halted"))
    assert not is_alert(event(EventKind.RISK, Severity.WARNING, action="blocked"))
    assert not is_alert(event(EventKind.FILL, Severity.INFO))
