"""BitMEX position and margin rows from the engine's position and account (minor units)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from plutarc.exchanges.bitmex.timestamps import ms_to_iso
from plutarc.exchanges.bitmex_sim.rows import minor, notionals, value_minor
from plutarc.exchanges.sim import SimAccount, SimMatchingEngine

POSITION_KEYS = ("account", "symbol", "currency")
MARGIN_KEYS = ("account", "currency")


def position_row(
    inst: dict[str, Any],
    account: int,
    engine: SimMatchingEngine,
    *,
    divisor: int,
    fees: Decimal,
    cross: bool,
    now_ms: int,
) -> dict[str, Any]:
    pos = engine.position
    qty = pos.qty
    mark = engine.mark() or Decimal(0)
    cost = value_minor(inst, qty, pos.entry) if qty and pos.entry else 0
    mark_value = value_minor(inst, qty, mark) if qty and mark else 0
    home, foreign = notionals(inst, qty, mark) if qty and mark else (0.0, 0.0)
    liq = float(pos.liq) if pos.liq is not None and pos.liq_f not in (0.0, float("inf")) else None
    return {
        "account": account,
        "symbol": inst["symbol"],
        "currency": inst["settlCurrency"],
        "underlying": inst.get("underlying"),
        "quoteCurrency": inst.get("quoteCurrency"),
        "commission": float(engine.taker_rate),
        "initMarginReq": float(1 / pos.leverage),
        "maintMarginReq": inst.get("maintMargin"),
        "leverage": float(pos.leverage),
        "crossMargin": cross,
        "currentQty": int(qty),
        "currentCost": cost,
        "realisedPnl": minor((pos.realised - fees) * divisor),
        "unrealisedPnl": mark_value - cost,
        "markPrice": float(mark) if mark else None,
        "markValue": mark_value,
        "homeNotional": home,
        "foreignNotional": foreign,
        "avgEntryPrice": float(pos.entry) if pos.entry is not None else None,
        "avgCostPrice": float(pos.entry) if pos.entry is not None else None,
        "liquidationPrice": liq,
        "isOpen": qty != 0,
        "currentTimestamp": ms_to_iso(now_ms),
        "timestamp": ms_to_iso(now_ms),
    }


def margin_row(
    account_id: int,
    account: SimAccount,
    wire_currency: str,
    our_currency: str,
    divisor: int,
    now_ms: int,
) -> dict[str, Any]:
    wallet = account.balance(our_currency)
    equity = account.equity(our_currency)
    available = account.available(our_currency)
    realised = account.realised.get(our_currency, Decimal(0)) - account.fees.get(
        our_currency, Decimal(0)
    )
    return {
        "account": account_id,
        "currency": wire_currency,
        "amount": minor(wallet * divisor),
        "walletBalance": minor(wallet * divisor),
        "marginBalance": minor(equity * divisor),
        "availableMargin": minor(max(available, Decimal(0)) * divisor),
        "withdrawableMargin": minor(max(available, Decimal(0)) * divisor),
        "initMargin": minor((equity - available) * divisor),
        "maintMargin": 0,
        "realisedPnl": minor(realised * divisor),
        "unrealisedPnl": minor((equity - wallet) * divisor),
        "timestamp": ms_to_iso(now_ms),
    }
