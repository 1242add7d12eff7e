"""Each rule of the per-bot risk gate, and that closing orders always pass."""

from __future__ import annotations

import time
from dataclasses import replace
from decimal import Decimal

import pytest

from plutarc.backtest.instruments import generic_instrument
from plutarc.daemon.bot_config import RiskLimits
from plutarc.models import ContractKind, OrderRequest, OrderType, Side
from plutarc.risk.gate import GateLimits, MarketView, RiskGate, check_order, is_closing

D = Decimal
INST = generic_instrument("BTCUSDT", tick="0.1", lot="0.001")
FLAT = MarketView(position_qty=D(0), open_orders=0, last_price=D(40000), equity=D(10000),
                  planned_stop=D(39000))
NONE = GateLimits()


def market(qty: str, side: Side = Side.BUY, **kw: object) -> OrderRequest:
    return OrderRequest("c1", "BTCUSDT", side, OrderType.MARKET, D(qty), **kw)  # type: ignore[arg-type]


def limit(qty: str, price: str, side: Side = Side.BUY, **kw: object) -> OrderRequest:
    return OrderRequest("c1", "BTCUSDT", side, OrderType.LIMIT, D(qty), price=D(price), **kw)  # type: ignore[arg-type]


def test_no_limits_pass_everything_unchanged() -> None:
    request = market("5")
    verdict = check_order(request, NONE, FLAT, INST)
    assert verdict.allowed and verdict.request is request and not verdict.clamped


def test_max_position_notional_blocks_entries_above_it_and_names_the_values() -> None:
    limits = GateLimits(max_position_notional=D(20000))
    assert check_order(market("0.5"), limits, FLAT, INST).allowed  # 20000: at the cap
    verdict = check_order(market("0.501"), limits, FLAT, INST)
    assert not verdict.allowed and verdict.rule == "max_position_notional"
    assert verdict.values == {"position": "0.501", "notional": "20040.00", "limit": "20000"}
    adding = MarketView(D("0.4"), 0, D(40000), D(10000), D(39000))
    assert not check_order(market("0.2"), limits, adding, INST).allowed  # 0.6 in all


def test_max_leverage_uses_the_position_after_the_order_over_equity() -> None:
    limits = GateLimits(max_leverage=D(3))
    assert check_order(market("0.75"), limits, FLAT, INST).allowed  # 30000 / 10000 = 3x
    verdict = check_order(market("0.76"), limits, FLAT, INST)
    assert verdict.rule == "max_leverage" and verdict.values["leverage"] == "3.04"
    unknown = MarketView(D(0), 0, D(40000), None, None)
    assert check_order(market("0.001"), limits, unknown, INST).rule == "max_leverage"


def test_max_loss_per_trade_is_stop_distance_times_quantity() -> None:
    limits = GateLimits(max_loss_per_trade=D(500))
    assert check_order(market("0.5"), limits, FLAT, INST).allowed  # 1000 x 0.5 = 500
    verdict = check_order(market("0.6"), limits, FLAT, INST)
    assert verdict.rule == "max_loss_per_trade" and verdict.values["loss"] == "600.00"
    short = MarketView(D(0), 0, D(40000), D(10000), planned_stop=D(40500))
    assert check_order(market("1", Side.SELL), limits, short, INST).allowed  # 500
    assert not check_order(market("1.1", Side.SELL), limits, short, INST).allowed


def test_an_entry_without_a_planned_stop_is_refused_while_a_loss_limit_is_set() -> None:
    no_stop = MarketView(D(0), 0, D(40000), D(10000), planned_stop=None)
    verdict = check_order(market("0.001"), GateLimits(max_loss_per_trade=D(500)), no_stop, INST)
    assert verdict.rule == "max_loss_per_trade" and "no protective stop" in verdict.message


def test_max_open_orders_blocks_the_next_entry() -> None:
    busy = MarketView(D(0), 3, D(40000), D(10000), D(39000))
    assert check_order(market("0.1"), GateLimits(max_open_orders=4), busy, INST).allowed
    assert check_order(market("0.1"), GateLimits(max_open_orders=3), busy,
                       INST).rule == "max_open_orders"


def test_velocity_counts_orders_over_a_sliding_minute() -> None:
    gate = RiskGate(GateLimits(max_orders_per_minute=2))
    gate.sent(0)
    gate.sent(30_000)
    assert gate.check(market("0.1"), FLAT, INST, 59_999).rule == "max_orders_per_minute"
    assert gate.check(market("0.1"), FLAT, INST, 60_000).allowed  # the first one aged out


def test_price_band_clamps_to_the_band_edge_on_the_tick() -> None:
    limits = GateLimits(price_band_bps=D(100))  # 1% of 40000 = 400
    assert check_order(limit("0.1", "40400"), limits, FLAT, INST).request.price == D(40400)  # type: ignore[union-attr]
    verdict = check_order(limit("0.1", "41000"), limits, FLAT, INST)
    assert verdict.clamped and verdict.request.price == D("40400.0")  # type: ignore[union-attr]
    low = check_order(limit("0.1", "10", Side.SELL), limits, FLAT, INST)
    assert low.request.price == D("39600.0") and low.rule == "price_band"  # type: ignore[union-attr]


def test_price_band_in_block_mode_refuses_entries_but_clamps_closing_orders() -> None:
    limits = GateLimits(price_band_bps=D(100), price_band_action="block")
    verdict = check_order(limit("0.1", "41000"), limits, FLAT, INST)
    assert not verdict.allowed and verdict.values["edge"] == "40400.0"
    long = MarketView(D("0.1"), 0, D(40000), D(10000), None)
    target = limit("0.1", "45000", Side.SELL, reduce_only=True)
    kept = check_order(target, limits, long, INST)
    assert kept.allowed and kept.request.price == D("40400.0")  # type: ignore[union-attr]


@pytest.mark.parametrize("request_", [
    market("5", Side.SELL, reduce_only=True),
    OrderRequest("s", "BTCUSDT", Side.SELL, OrderType.STOP_MARKET, D("5"), stop_price=D(1),
                 reduce_only=True, tag="stop"),
    market("2", Side.SELL),  # against a long of 2 and no larger: closes without reduce-only
])
def test_closing_orders_and_protective_stops_pass_every_entry_limit(
        request_: OrderRequest) -> None:
    strict = GateLimits(max_position_notional=D(1), max_leverage=D("0.001"),
                        max_loss_per_trade=D(1), max_orders_per_minute=1, max_open_orders=1)
    long = MarketView(D(2), open_orders=50, last_price=D(40000), equity=D(0), planned_stop=None,
                      orders_last_minute=99)
    assert is_closing(request_, long.position_qty)
    assert check_order(request_, strict, long, INST).allowed


def test_an_order_larger_than_the_position_it_reverses_is_an_entry() -> None:
    long = MarketView(D(2), 0, D(40000), D(10000), D(41000))
    assert not is_closing(market("3", Side.SELL), D(2))
    limits = GateLimits(max_leverage=D(3))
    assert check_order(market("2.75", Side.SELL), limits, long, INST).allowed  # -0.75: 3x
    verdict = check_order(market("3", Side.SELL), limits, long, INST)  # -1 after: 4x
    assert verdict.rule == "max_leverage" and verdict.values["leverage"] == "4.00"
    # The entry part is refused; the part that closes the long still goes, reduce-only.
    assert verdict.refused and verdict.refused_qty == D(1)
    assert verdict.request is not None and verdict.request.qty == D(2)
    assert verdict.request.reduce_only and verdict.request.side is Side.SELL


def test_limits_come_from_the_bots_risk_limits_with_safe_defaults() -> None:
    limits = GateLimits.from_risk(RiskLimits())
    assert limits.max_leverage == D(3) and limits.max_orders_per_minute == 30
    assert limits.max_open_orders == 10 and limits.price_band_bps == D(1000)
    assert limits.price_band_action == "clamp" and limits.max_loss_per_trade is None


def test_the_gate_is_fast_enough_for_the_order_path() -> None:
    gate = RiskGate(GateLimits.from_risk(RiskLimits(max_position_notional=D(50000),
                                                    max_loss_per_trade=D(1000))))
    request = limit("0.1", "40100")
    start = time.perf_counter()
    for i in range(5000):
        gate.check(request, FLAT, INST, i)
    per_check_us = (time.perf_counter() - start) / 5000 * 1e6
    assert per_check_us < 200, per_check_us


def test_the_position_cap_of_an_inverse_contract_is_in_quote_currency() -> None:
    xbtusd = generic_instrument("XBTUSD", kind=ContractKind.INVERSE, tick="0.5", lot="1")
    view = MarketView(D(0), 0, D(40000), equity=D("0.5"), planned_stop=None)  # 0.5 XBT
    limits = GateLimits(max_position_notional=D(1000))  # USD, as RiskLimits documents it
    assert check_order(market("1000"), limits, view, xbtusd).allowed  # 1000 contracts = $1000
    verdict = check_order(market("1001"), limits, view, xbtusd)
    assert verdict.rule == "max_position_notional" and verdict.values["notional"] == "1001.00"
    # Leverage stays in the settle coin: $1000 at 40000 is 0.025 XBT against 0.5 XBT.
    assert check_order(market("1000"), GateLimits(max_leverage=D("0.05")), view, xbtusd).allowed
    assert not check_order(market("1000"), GateLimits(max_leverage=D("0.04")), view,
                           xbtusd).allowed


# ----- reversals: only the part that reduces the position is closing (issue 15, item 1) ---
STRICT_LIMITS = {
    "max_leverage": GateLimits(max_leverage=D(3)),  # 1 BTC at 40000 on 10000: 4x
    "max_position_notional": GateLimits(max_position_notional=D(20000)),
    "max_loss_per_trade": GateLimits(max_loss_per_trade=D(500)),  # stop 1000 away: 1000
    "max_orders_per_minute": GateLimits(max_orders_per_minute=2),
    "max_open_orders": GateLimits(max_open_orders=1),
}
LONG_1 = MarketView(D(1), open_orders=1, last_price=D(40000), equity=D(10000),
                    planned_stop=D(41000), orders_last_minute=2)


@pytest.mark.parametrize("rule", sorted(STRICT_LIMITS))
def test_a_reversals_entry_leg_meets_every_entry_rule(rule: str) -> None:
    """The policy reverses with two legs: a reduce-only exit, then the entry. While the
    exit is open it closes the whole long, so the entry leg is all entry."""
    limits = STRICT_LIMITS[rule]
    exit_leg = market("1", Side.SELL, reduce_only=True)
    assert check_order(exit_leg, limits, LONG_1, INST).allowed
    exiting = MarketView(D(1), 1, D(40000), D(10000), D(41000), orders_last_minute=2,
                         closing_qty=D(1))
    verdict = check_order(market("1", Side.SELL), limits, exiting, INST)
    assert not verdict.allowed and verdict.rule == rule and verdict.refused
    # Without the limit the same entry leg passes: it is the rule that refuses it.
    assert check_order(market("1", Side.SELL), NONE, exiting, INST).allowed


@pytest.mark.parametrize("rule", sorted(STRICT_LIMITS))
def test_a_one_order_reversal_sends_its_closing_part_when_the_entry_part_is_refused(
        rule: str) -> None:
    verdict = check_order(market("2", Side.SELL), STRICT_LIMITS[rule], LONG_1, INST)
    assert verdict.rule == rule and verdict.refused_qty == D(1)
    assert verdict.request is not None and verdict.request.qty == D(1)
    assert verdict.request.reduce_only
    assert verdict.values["closing_qty"] == "1" and verdict.values["refused_qty"] == "1"


def test_a_reversal_entry_inside_every_limit_passes_whole() -> None:
    roomy = GateLimits(max_leverage=D(5), max_position_notional=D(50000),
                       max_loss_per_trade=D(2000), max_orders_per_minute=5, max_open_orders=5)
    assert check_order(market("2", Side.SELL), roomy, LONG_1, INST).request == market("2",
                                                                                      Side.SELL)
    exiting = MarketView(D(1), 1, D(40000), D(10000), D(41000), closing_qty=D(1))
    assert check_order(market("1", Side.SELL), roomy, exiting, INST).allowed


def test_a_reversals_entry_on_the_band_edge_is_refused_in_block_mode_but_the_close_goes() -> None:
    limits = GateLimits(price_band_bps=D(100), price_band_action="block")
    verdict = check_order(limit("2", "38000", Side.SELL), limits, LONG_1, INST)
    assert verdict.rule == "price_band" and verdict.refused_qty == D(1)
    assert verdict.request is not None and verdict.request.price == D("39600.0")
    assert verdict.request.qty == D(1) and verdict.request.reduce_only


def test_no_entry_on_an_account_with_no_equity_left_but_exits_still_go() -> None:
    for equity in (D(0), D(-9535)):
        broke = MarketView(D(1), 0, D(40000), equity, D(41000))
        verdict = check_order(market("1", Side.SELL), NONE, replace(broke, closing_qty=D(1)),
                              INST)
        assert verdict.rule == "equity" and not verdict.allowed and str(equity) in verdict.message
        assert check_order(market("1", Side.SELL, reduce_only=True), NONE, broke, INST).allowed
        assert check_order(market("1", Side.SELL), NONE, broke, INST).allowed  # closes only
    assert not check_order(market("0.001"), NONE, replace(FLAT, equity=D(0)), INST).allowed


def test_an_order_adding_to_a_position_counts_all_of_it_even_with_an_exit_open() -> None:
    exiting = MarketView(D(1), 1, D(40000), D(10000), D(41000), closing_qty=D(1))
    verdict = check_order(market("0.5"), GateLimits(max_leverage=D(5)), exiting, INST)
    assert verdict.rule == "max_leverage" and verdict.values["leverage"] == "6.00"
