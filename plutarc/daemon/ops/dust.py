"""Dust: positions smaller than the venue's minimum order size. Listed, and closed only on request.

A restart never acts on dust by itself: a residue too small to trade is not a position a
strategy opened, so nothing fires close orders for it. The operator closes it explicitly:
on the paper venue 'sim' it is written off in the ledger; on a real venue (live, testnet)
it is closed there with the venue's whole-position close (dust_venue.py), and a venue
without one is refused, saying why. A venue's contract spec missing here (no worker of it
ran since the daemon started) is read from the venue, with the bot's own key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from plutarc.daemon.errors import InvalidTransition
from plutarc.errors import ConfigError, PlutarcError
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
    mode: str = "paper"
    close: str = ""  # what closing it does (the order sent), or why it cannot be closed


def minimum_order(instrument: Instrument) -> Decimal:
    return max(instrument.min_qty, instrument.lot_size)


def is_dust(qty: Decimal, instrument: Instrument) -> bool:
    return qty != 0 and abs(qty) < minimum_order(instrument)


def find_dust(service: DaemonService, bot: str | None = None) -> list[DustRow]:
    """Every non-flat position below its venue's minimum order size (deleted bots too)."""
    store = service.store
    bot_id = None if bot is None else store.bots.resolve(bot).id
    rows = store.db.execute(
        "SELECT p.bot_id, p.symbol, p.qty, b.name, b.state, b.venue, b.mode, b.deleted_ms "
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
                               min_qty=minimum_order(instrument), mode=r["mode"],
                               close=WRITE_OFF if r["venue"] in INSTRUMENTS else ""))
    return out


WRITE_OFF = "written off in the ledger (a paper position: no order is sent)"
_LOCK = asyncio.Lock()  # one close at a time: two would journal the same next client id


def _on_venue(service: DaemonService, bot: str | None) -> list:  # noqa: ANN401 - BotRecord
    """Bots holding a non-flat position on a real venue (live, testnet), deleted ones too."""
    store = service.store
    bot_id = None if bot is None else store.bots.resolve(bot).id
    rows = store.db.execute(
        "SELECT DISTINCT p.bot_id FROM positions p JOIN bots b ON b.id = p.bot_id "
        "WHERE CAST(p.qty AS REAL) != 0 AND b.mode IN ('live', 'testnet') "
        "AND (? IS NULL OR p.bot_id = ?)", (bot_id, bot_id)).fetchall()
    return [b for b in (store.bots.get(r["bot_id"]) for r in rows) if b is not None]


async def _venues(service: DaemonService, bot: str | None, venues: dict) -> None:
    """Each venue bot's adapter (built as its worker builds it) into ``venues``, and its
    venue's contract specs read from it (SEEN holds them only where a worker ran since the
    daemon started, and only as they were then)."""
    from plutarc.daemon.ops import dust_venue

    for record in _on_venue(service, bot):
        try:
            venue = venues[record.id] = dust_venue.venue_for(service, record)
        except PlutarcError as exc:  # no key for it: listed without a spec is not possible
            service.sink.emit(EventKind.ACTIVITY, f"{record.name}: cannot measure its dust on "
                              f"{record.venue}: {exc}", bot_id=record.id)
            continue
        if venue is None:
            continue
        try:  # read each time: a venue changes lot sizes (what was a position becomes dust)
            remember_instruments(record.venue, await venue.instruments())
        except PlutarcError as exc:
            service.sink.emit(EventKind.ACTIVITY, f"{record.name}: cannot read "
                              f"{record.venue}'s contract specs for its dust: {exc}",
                              bot_id=record.id)


async def list_dust(service: DaemonService, bot: str | None = None) -> list[DustRow]:
    """find_dust, with venue specs fetched when missing and each row's close described."""
    from plutarc.daemon.ops import dust_venue

    venues: dict = {}
    try:
        await _venues(service, bot, venues)
        return [d if d.close or d.bot_id not in venues else d.model_copy(update={
            "close": dust_venue.describe(d, dust_venue.close_order_of(venues[d.bot_id]))})
            for d in find_dust(service, bot)]
    finally:
        await dust_venue.close_quietly(v for v in venues.values() if v is not None)


async def close_dust(service: DaemonService, who: str, bot: str | None = None
                     ) -> list[DustRow]:
    """Close the dust of ``bot`` (or of every bot): only for bots with no worker running.

    Everything is checked before anything is done: a running bot or a venue that cannot
    close dust refuses the whole request, naming which and why. Paper dust on 'sim' is
    written off in the ledger; real dust is closed at its venue (dust_venue.py)."""
    from plutarc.daemon.ops import dust_venue

    async with _LOCK:
        venues: dict = {}
        try:
            await _venues(service, bot, venues)
            dust = find_dust(service, bot)
            running = sorted({d.bot for d in dust if _has_worker(service, d.bot_id)})
            if running:
                raise InvalidTransition(
                    f"cannot close dust of running bots ({', '.join(running)}): stop them "
                    "first (bot stop --leave), so no strategy trades the symbol meanwhile")
            refused = [_refusal(d, venues.get(d.bot_id)) or _in_doubt(service, d)
                       for d in dust]
            refused = [r for r in refused if r]
            if refused:
                raise ConfigError("; ".join(refused))
            done = []
            for d in dust:
                if d.venue in INSTRUMENTS:
                    _write_off(service, who, d)
                    done.append(d)
                    continue
                cid = await dust_venue.close_at_venue(service, who, d, venues[d.bot_id])
                done.append(d.model_copy(update={"close": f"closed at {d.venue} by the "
                                                 f"order {cid}"}))
            return done
        finally:
            await dust_venue.close_quietly(v for v in venues.values() if v is not None)


def _has_worker(service: DaemonService, bot_id: str) -> bool:
    """A worker runs, or an errored bot's automatic restart is due (it would trade the
    symbol while the close is under way)."""
    sup = service.supervisor
    return sup.is_running(bot_id) or sup.restart_pending(bot_id)


def _refusal(d: DustRow, venue: object | None) -> str:
    """Why ``d`` cannot be closed, or '' when it can."""
    from plutarc.daemon.ops import dust_venue

    if d.venue in INSTRUMENTS:
        return ""
    if d.mode not in ("live", "testnet") or venue is None:
        return (f"{d.bot}: closing dust of a {d.mode} bot on {d.venue} is not supported: "
                "its position is not at a venue this daemon can send a close to")
    if dust_venue.close_order_of(venue) is None:
        return f"{d.bot}: {dust_venue.refusal(d)}"
    return ""


def _in_doubt(service: DaemonService, d: DustRow) -> str:
    """An order of the bot on the symbol sent and never answered (an earlier close, say):
    it may have closed the position already, so nothing is sent until it is looked up."""
    doubt = [o.client_id for o in service.store.orders.in_doubt(d.bot_id)
             if o.symbol == d.symbol]
    if not doubt:
        return ""
    return (f"{d.bot}: order {', '.join(doubt)} on {d.symbol} is in doubt (sent, never "
            "answered): start the bot so it is looked up by client id at the venue (then "
            "stop it and close the dust if any is left)")


def _write_off(service: DaemonService, who: str, d: DustRow) -> None:
    """Paper dust: the residue lives only in the ledger once the bot's worker is gone."""
    now = service.clock.now_ms()
    store = service.store
    before = store.positions.get(d.bot_id, d.symbol)
    with store.transaction():
        store.positions.upsert(d.bot_id, Position(d.symbol, Decimal(0), None, ts_ms=now))
        store.audit.append(who, now, "ops.close_dust", d.bot_id,
                           before.model_dump(mode="json") if before else None,
                           {"symbol": d.symbol, "qty": "0", "closed_qty": str(d.qty)})
    service.sink.emit(EventKind.ACTIVITY, f"{d.bot}: dust {d.qty} {d.symbol} closed by "
                      f"{who} (below the minimum order {d.min_qty})", bot_id=d.bot_id,
                      data={"symbol": d.symbol, "qty": str(d.qty), "by": who})
