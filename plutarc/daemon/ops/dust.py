"""Dust: positions smaller than the venue's minimum order size. Listed, and closed only on request.

A restart never acts on dust by itself: a residue too small to trade is not a position a
strategy opened, so nothing fires close orders for it. The operator closes it explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from plutarc.daemon.errors import InvalidTransition
from plutarc.errors import ConfigError
from plutarc.models import Instrument
from plutarc.models.account import Position
from plutarc.models.events import EventKind

if TYPE_CHECKING:
    from plutarc.daemon.service import DaemonService


def _sim_instrument(symbol: str) -> Instrument:
    from plutarc.daemon.paper.legs import make_instrument

    return make_instrument(symbol)


# How each venue's contract spec is found; a venue missing here has no known minimum.
INSTRUMENTS: dict[str, Callable[[str], Instrument]] = {"sim": _sim_instrument}
# Contract specs live workers loaded from their venue (venue, symbol) -> Instrument.
SEEN: dict[tuple[str, str], Instrument] = {}


def remember_instruments(venue: str, instruments: Iterable[Instrument]) -> None:
    """A live worker's venue specs, so dust on that venue is measured by its real minimum."""
    for instrument in instruments:
        SEEN[(venue, instrument.symbol)] = instrument


def instrument_for(venue: str, symbol: str) -> Instrument | None:
    spec = INSTRUMENTS.get(venue)
    return spec(symbol) if spec is not None else SEEN.get((venue, symbol))


class DustRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    bot_id: str
    bot: str
    state: str  # the bot's state, or 'deleted'
    venue: str
    symbol: str
    qty: Decimal
    min_qty: Decimal  # the smallest order the venue takes: max(min size, lot)


def minimum_order(instrument: Instrument) -> Decimal:
    return max(instrument.min_qty, instrument.lot_size)


def is_dust(qty: Decimal, instrument: Instrument) -> bool:
    return qty != 0 and abs(qty) < minimum_order(instrument)


def find_dust(service: DaemonService, bot: str | None = None) -> list[DustRow]:
    """Every non-flat position below its venue's minimum order size (deleted bots too)."""
    store = service.store
    bot_id = None if bot is None else store.bots.resolve(bot).id
    rows = store.db.execute(
        "SELECT p.bot_id, p.symbol, p.qty, b.name, b.state, b.venue, b.deleted_ms "
        "FROM positions p JOIN bots b ON b.id = p.bot_id "
        "WHERE CAST(p.qty AS REAL) != 0 AND (? IS NULL OR p.bot_id = ?) "
        "ORDER BY b.name, p.symbol", (bot_id, bot_id)).fetchall()
    out = []
    for r in rows:
        instrument = instrument_for(r["venue"], r["symbol"])
        if instrument is None:
            continue  # no spec loaded yet (no bot on that venue ran since the start)
        qty = Decimal(r["qty"])
        if is_dust(qty, instrument):
            out.append(DustRow(bot_id=r["bot_id"], bot=r["name"],
                               state="deleted" if r["deleted_ms"] else r["state"],
                               venue=r["venue"], symbol=r["symbol"], qty=qty,
                               min_qty=minimum_order(instrument)))
    return out


def close_dust(service: DaemonService, who: str, bot: str | None = None) -> list[DustRow]:
    """Close the dust of ``bot`` (or of every bot): only for bots with no worker running.

    On the paper venue the residue lives only in the ledger once the bot's worker is gone,
    so closing writes it off there (audited); a venue with real orders needs its adapter.
    """
    dust = find_dust(service, bot)
    running = sorted({d.bot for d in dust if service.supervisor.is_running(d.bot_id)})
    if running:
        raise InvalidTransition(
            f"cannot close dust of running bots ({', '.join(running)}): stop them first "
            "(bot stop --leave), so no strategy trades the symbol meanwhile")
    unsupported = sorted({d.venue for d in dust if d.venue != "sim"})
    if unsupported:
        raise ConfigError(f"closing dust on venue {', '.join(unsupported)} is not supported "
                          "yet: close it on the venue, then reconcile")
    now = service.clock.now_ms()
    store = service.store
    for d in dust:
        before = store.positions.get(d.bot_id, d.symbol)
        with store.transaction():
            store.positions.upsert(d.bot_id, Position(d.symbol, Decimal(0), None, ts_ms=now))
            store.audit.append(who, now, "ops.close_dust", d.bot_id,
                               before.model_dump(mode="json") if before else None,
                               {"symbol": d.symbol, "qty": "0", "closed_qty": str(d.qty)})
        service.sink.emit(EventKind.ACTIVITY, f"{d.bot}: dust {d.qty} {d.symbol} closed by "
                          f"{who} (below the minimum order {d.min_qty})", bot_id=d.bot_id,
                          data={"symbol": d.symbol, "qty": str(d.qty), "by": who})
    return dust
