"""Parsing recorded BitMEX payloads into plutarc types; unknown enum values fail loudly."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from plutarc.errors import DataError
from plutarc.exchanges.bitmex.config import DEFAULT_CURRENCIES
from plutarc.exchanges.bitmex.parse import (
    balance_from_wire,
    fill_from_wire,
    order_from_wire,
    position_from_wire,
)
from plutarc.exchanges.bitmex.parse_market import (
    candle_from_bin,
    contract_kind,
    funding_from_wire,
    instrument_from_wire,
)
from plutarc.exchanges.bitmex.schemas import (
    WireExecution,
    WireFunding,
    WireInstrument,
    WireMargin,
    WireOrder,
    WirePosition,
    WireTradeBin,
)
from plutarc.exchanges.bitmex.timestamps import iso_to_ms, ms_to_iso, timespan_to_ms
from plutarc.models import ContractKind, Liquidity, OrderStatus, OrderType, Side
from plutarc.models import contract_math as cm

from .conftest import RESOURCES, load

CUR = DEFAULT_CURRENCIES


def instruments() -> dict[str, WireInstrument]:
    rows = load("http/instrument_active_2021-07-22.json")
    rows.append(load("http/instrument_ltcusdt_2022-01-14.json"))
    return {r["symbol"]: WireInstrument.of(r) for r in rows}


def test_contract_kind_comes_from_flags_not_names():
    wires = instruments()
    kinds = {s: contract_kind(w) for s, w in wires.items()}
    assert kinds["XBTUSD"] is ContractKind.INVERSE
    assert kinds["ETHUSD"] is ContractKind.QUANTO
    # in 2021 the ...USDT perpetuals were XBt-settled quantos: a name would mislead
    assert kinds["LINKUSDT"] is ContractKind.QUANTO
    assert kinds["ETHU21"] is ContractKind.LINEAR  # XBT-quoted linear future
    assert kinds["LTCUSDT"] is ContractKind.LINEAR  # USDt-settled linear perpetual
    assert sum(k is ContractKind.INVERSE for k in kinds.values()) == 5


def test_instrument_sizes_reproduce_recorded_values():
    wires = instruments()
    xbtusd = instrument_from_wire(wires["XBTUSD"], CUR)
    assert (xbtusd.symbol, xbtusd.venue_symbol, xbtusd.base, xbtusd.settle) == (
        "BTCUSD", "XBTUSD", "BTC", "BTC")
    assert xbtusd.lot_size == 100 and xbtusd.tick_size == Decimal("0.5")
    assert xbtusd.taker_fee == Decimal("0.00075") and xbtusd.maker_fee == Decimal("-0.00025")
    assert xbtusd.max_leverage == 100
    # recorded execution: 1 contract @ 10082 -> execCost 9919 satoshi (rounded)
    assert round(cm.notional(xbtusd, Decimal(1), Decimal(10082)) * 10**8) == 9919
    # recorded trade 1000 @ 32175 -> grossValue 3108000: BitMEX's own rounding is off by a
    # few satoshi on large trades (fact sheet 7), so only closeness can be asserted
    assert abs(cm.notional(xbtusd, Decimal(1000), Decimal(32175)) * 10**8 - 3108000) < 5
    ltc = instrument_from_wire(wires["LTCUSDT"], CUR)
    # recorded: openInterest 38103000 x markPrice 143.811 x 100 = openValue 547963053300 (uUSDT)
    assert cm.notional(ltc, Decimal(38103000), Decimal("143.811")) * 10**6 == 547963053300
    assert ltc.settle == "USDT" and ltc.lot_size == 1000
    eth = instrument_from_wire(wires["ETHUSD"], CUR)
    # recorded AC fixture: ETHUSD 4 @ 383.35 -> grossValue 153340 satoshi
    assert cm.notional(eth, Decimal(4), Decimal("383.35")) * 10**8 == 153340
    assert eth.symbol == "ETHUSD" and eth.kind is ContractKind.QUANTO


def test_instrument_2024_row_and_unknown_currency():
    row = load("http/instrument_xbtusd_2024-11.json")
    inst = instrument_from_wire(WireInstrument.of(row), CUR)
    assert inst.tick_size == Decimal("0.1") and inst.maintenance_margin_rate == Decimal("0.005")
    with pytest.raises(DataError, match="unrecognised BitMEX currency 'LAMp'"):
        instrument_from_wire(WireInstrument.of({**row, "settlCurrency": "LAMp"}), CUR)
    with pytest.raises(DataError, match="both inverse and quanto"):
        contract_kind(WireInstrument.of({**row, "isQuanto": True}))


def test_trade_bins_are_end_stamped():
    rows = load("http/trade_bins_1m.json")
    candles = [candle_from_bin(WireTradeBin.of(r), 60_000) for r in rows]
    assert candles[0].ts_ms == iso_to_ms("2024-11-25T10:29:00.000Z")
    assert candles[0].close_ts_ms == iso_to_ms(rows[0]["timestamp"])
    assert [c.close for c in candles] == [98950.0, 98960.0, 98970.0]
    ws_row = json.loads((RESOURCES / "ws/ws_trade_bin_1m.json").read_text())
    assert candle_from_bin(WireTradeBin.of(ws_row), 60_000).ts_ms == iso_to_ms(
        "2024-11-23T20:06:00.000Z")


def test_orders_from_recorded_rows():
    rows = load("http/orders.json") + load("http/orders_real_2020_2022.json")
    orders = [order_from_wire(WireOrder.of(r), "BTCUSD") for r in rows]
    assert orders[0].status is OrderStatus.NEW and orders[0].request.type is OrderType.LIMIT
    assert orders[0].client_id == "mm_bitmex_1a/oemUeQ4CAJZgP3fjHsA"
    assert orders[1].status is OrderStatus.FILLED and orders[1].request.post_only
    assert orders[1].avg_price == Decimal("98950.5") and orders[1].filled_qty == 200
    assert orders[2].client_id == "bitmex:ccfb1a6b-28c5-4e50-a3ca-8667358056a2"  # no clOrdID
    assert orders[3].request.type is OrderType.MARKET and orders[3].request.price is None
    assert orders[3].status is OrderStatus.FILLED and orders[3].request.side is Side.BUY


def test_unknown_enum_values_fail_loudly():
    row = load("http/orders.json")[0]
    with pytest.raises(DataError, match="unrecognised BitMEX ordStatus: 'Foo'"):
        order_from_wire(WireOrder.of({**row, "ordStatus": "Foo"}), "BTCUSD")
    with pytest.raises(DataError, match="unrecognised BitMEX ordType: 'Iceberg'"):
        order_from_wire(WireOrder.of({**row, "ordType": "Iceberg"}), "BTCUSD")
    with pytest.raises(DataError, match="unrecognised BitMEX execInst: 'Bogus'"):
        order_from_wire(WireOrder.of({**row, "execInst": "ReduceOnly,Bogus"}), "BTCUSD")
    execution = load("http/executions.json")[0]
    inst = instrument_from_wire(instruments()["XBTUSD"], CUR)
    with pytest.raises(DataError, match="unrecognised BitMEX execType: 'Magic'"):
        fill_from_wire(WireExecution.of({**execution, "execType": "Magic"}), inst, CUR)
    with pytest.raises(DataError, match="unrecognised BitMEX lastLiquidityInd: 'Both'"):
        fill_from_wire(WireExecution.of({**execution, "lastLiquidityInd": "Both"}), inst, CUR)


def test_real_2017_execution_becomes_a_fill():
    frame = json.loads((RESOURCES / "ws/private_frames_real.jsonl").read_text().splitlines()[0])
    wire = WireExecution.of(frame["data"][0])
    inst = instrument_from_wire(instruments()["XBTZ21"], CUR)  # same contract spec as XBTZ17
    fill = fill_from_wire(wire, inst, CUR)
    assert fill.side is Side.SELL and fill.qty == 1 and fill.price == 10082
    assert fill.fee == Decimal("0.00000007") and fill.fee_currency == "BTC"  # execComm 7 sat
    assert fill.liquidity is Liquidity.TAKER  # RemovedLiquidity
    assert fill.client_id == "20171129002338-4"
    assert fill.ts_ms == iso_to_ms("2017-11-28T21:20:28.661Z")


def test_rest_liquidity_spelling_and_rebates():
    inst = instrument_from_wire(instruments()["XBTUSD"], CUR)
    fills = [fill_from_wire(WireExecution.of(r), inst, CUR) for r in load("http/executions.json")]
    assert [f.liquidity for f in fills] == [Liquidity.MAKER, Liquidity.TAKER]  # Added / Removed
    rebate = fill_from_wire(WireExecution.of({**load("http/executions.json")[0],
                                              "execComm": -25}), inst, CUR)
    assert rebate.fee == Decimal("-2.5E-7")


def test_positions_inverse_and_linear_minor_units():
    inverse = position_from_wire(WirePosition.of(load("http/positions.json")[0]), "BTCUSD", CUR)
    assert inverse.qty == 100 and inverse.entry_price == Decimal("98390.88")
    assert inverse.unrealised_pnl == Decimal("0.0000135")  # 1350 satoshi
    assert inverse.realised_pnl == Decimal("-0.00000227")
    assert inverse.liquidation_price == Decimal("49195.44") and inverse.leverage == 10
    linear = position_from_wire(WirePosition.of(load("http/position_linear_2022.json")[0]),
                                "ETHUSDT", CUR)
    assert linear.unrealised_pnl == Decimal("0.0239")  # 23900 uUSDT
    assert linear.realised_pnl == Decimal("-0.0265") and linear.qty == 2000


def test_margin_rows_convert_per_currency():
    balance = balance_from_wire(WireMargin.of(load("http/margin_2020.json")[0]), CUR)
    assert balance.currency == "BTC" and balance.total == Decimal("0.00263542")
    ws_margin = json.loads((RESOURCES / "ws/ws_margin.json").read_text())
    usdt = balance_from_wire(WireMargin.of({**ws_margin, "currency": "USDt"}), CUR)
    assert usdt.currency == "USDT" and usdt.total == Decimal("100.00518")


def test_funding_and_timestamps():
    row = json.loads((RESOURCES / "ws/ws_funding_rate.json").read_text())
    rate = funding_from_wire(WireFunding.of(row), "BTCUSD")
    assert rate.rate == 0.0001 and rate.ts_ms == iso_to_ms("2024-11-25T04:00:00.000Z")
    assert timespan_to_ms(row["fundingInterval"]) == 8 * 3_600_000
    assert iso_to_ms("2022-02-13T08:16:36.446000Z") == iso_to_ms("2022-02-13T08:16:36.446Z")
    assert ms_to_iso(iso_to_ms("2020-10-12T18:18:38.282Z")) == "2020-10-12T18:18:38.282Z"
    with pytest.raises(DataError, match="unrecognised BitMEX timestamp"):
        iso_to_ms("yesterday")
