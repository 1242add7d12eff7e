"""Margin mode per bot (issue 24): cross or isolated, set at the venue when the bot starts
(and when it adds a symbol), changed only while the bot is flat.

A margin mode switch moves collateral and the liquidation price of an open position, so the
daemon refuses the change while the bot holds one; the worker checks again before it asks
the venue, and a venue's refusal is a warning on the activity feed naming the reason.
"""

from __future__ import annotations

from plutarc.daemon.errors import InvalidTransition
from plutarc.daemon.store import BotRecord, DaemonStore


def refuse_unless_flat(store: DaemonStore, bot: BotRecord, change: str) -> None:
    held = [f"{p.qty} {p.symbol}" for p in store.positions.query(bot_id=bot.id) if p.qty != 0]
    if held:
        raise InvalidTransition(
            f"cannot change bot {bot.name!r} to {change} while it holds {', '.join(held)}: "
            f"a margin switch moves the position's collateral and liquidation price; "
            f"flatten it first ('plutarc bot flatten {bot.name}')")
