"""A live bot's kernel after a restart: rebuilt from the journal and the stored fills.

The kernel keeps its position, open trade, protective orders and id sequence in memory.
After a restart it is warmed on closed candles from the venue (indicator state), then the
bot's stored fills are replayed through it in order (position, open trade), then the
journal's still-open orders become its pending entry/exit, stop and target again, and the
id sequence continues after the highest id ever journaled, so no client id is reused.
"""

from __future__ import annotations

import hashlib
import math
import re
import sqlite3
from dataclasses import dataclass
from decimal import Decimal

from plutarc.daemon.store import DaemonStore, OrderRecord
from plutarc.models import Fill, Liquidity, OrderStatus, Side
from plutarc.strategy.kernel import SymbolKernel

MAX_CLIENT_ID = 36  # the strictest venue limit we know (BitMEX clOrdID)
_SEQ = re.compile(r"-(\d{7})-[a-z_]+$")


def client_prefix(bot_id: str, symbol: str) -> str:
    """Deterministic per bot and symbol, short enough for a 36-character client id."""
    prefix = f"{bot_id}-{symbol}"
    if len(prefix) + len("-0000000-target") <= MAX_CLIENT_ID:
        return prefix
    return f"{bot_id}-{hashlib.sha1(symbol.encode()).hexdigest()[:8]}"


def fill_of(row: sqlite3.Row) -> Fill:
    return Fill(row["fill_id"], row["client_id"], row["venue_order_id"], row["symbol"],
                Side(row["side"]), Decimal(row["qty"]), Decimal(row["price"]),
                Decimal(row["fee"]), row["fee_currency"], Liquidity(row["liquidity"]),
                int(row["ts_ms"]), row["tag"] or "")


@dataclass(frozen=True)
class Restored:
    fills: int  # stored fills replayed
    open_orders: int  # journaled orders still open, handed back to the kernel
    next_seq: int


def symbol_orders(store: DaemonStore, bot_id: str, symbol: str) -> list[OrderRecord]:
    """Every journaled order of the bot on ``symbol``, oldest first."""
    rows = store.db.execute(
        "SELECT client_id FROM orders WHERE bot_id = ? AND symbol = ? ORDER BY journaled_ms, "
        "rowid", (bot_id, symbol)).fetchall()
    found = (store.orders.get(r["client_id"]) for r in rows)
    return [o for o in found if o is not None]


def symbol_fills(store: DaemonStore, bot_id: str, symbol: str) -> list[Fill]:
    """Every stored fill of the bot on ``symbol``, in the order the venue made them."""
    rows = store.db.execute("SELECT * FROM fills WHERE bot_id = ? AND symbol = ? "
                            "ORDER BY ts_ms, rowid", (bot_id, symbol))
    return [fill_of(r) for r in rows]


def next_sequence(orders: list[OrderRecord]) -> int:
    """The id sequence after the highest one ever journaled (0 for none): ids are never
    reused, whoever journals them (the kernel, or an operator's dust close)."""
    return max([0, *(int(m.group(1)) + 1 for o in orders if (m := _SEQ.search(o.client_id)))])


def restore_kernel(kernel: SymbolKernel, store: DaemonStore, bot_id: str,
                   symbol: str) -> Restored:
    policy = kernel.policy
    orders = symbol_orders(store, bot_id, symbol)
    by_id = {o.client_id: o for o in orders}
    filled: dict[str, Decimal] = {}
    fills = symbol_fills(store, bot_id, symbol)
    for record in fills:
        order = by_id.get(record.client_id)
        filled[record.client_id] = filled.get(record.client_id, Decimal(0)) + record.qty
        done = order is None or filled[record.client_id] >= order.qty or (
            not OrderStatus(order.status).is_open)
        kernel.on_fill(record, done)  # intents were carried out by the first run
    open_orders = [o for o in orders if OrderStatus(o.status).is_open]
    policy.pending = {o.client_id: o.tag for o in open_orders if o.tag in ("entry", "exit")}
    policy.stop_id = policy.target_id = None
    policy.stop_price = None
    for o in open_orders:
        if o.tag == "stop" and o.stop_price is not None:
            policy.stop_id, policy.stop_price = o.client_id, o.stop_price
            policy.stop_level = float(o.stop_price)
        elif o.tag == "target":
            policy.target_id = o.client_id
    policy.seq = max(policy.seq, next_sequence(orders))
    return Restored(len(fills), len(open_orders), policy.seq)


def forget_order(kernel: SymbolKernel, client_id: str) -> None:
    """The order never reached the venue, was rejected or was cancelled by the venue: the
    kernel stops waiting for it (a missing stop is placed again by ``reprotect``)."""
    policy = kernel.policy
    policy.pending.pop(client_id, None)
    if policy.stop_id == client_id:
        policy.stop_id, policy.stop_price = None, None
    if policy.target_id == client_id:
        policy.target_id = None


def reprotect(kernel: SymbolKernel):  # noqa: ANN201 - list[Intent]
    """A position without its resting stop gets one (e.g. the venue cancelled it)."""
    policy = kernel.policy
    if policy.side == 0 or policy.stop_id is not None or not math.isfinite(policy.stop_level):
        return []
    return policy._protect()  # the policy's own stop placement; no public twin exists yet
