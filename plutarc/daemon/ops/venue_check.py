"""Health check 'venue': the journal against what each running bot's venue says is open.

    journal open, venue not     an order shown open that is gone (ERROR: the journal is wrong)
    venue open, journal not     an order working that the bot does not count (ERROR)
    positions differ            the stored position is not the venue's (ERROR)

A difference is read twice (a fill or step may land between the two reads) and reported
only when it is there both times. Stopped bots have no worker to ask: the 'retired' check
covers them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from plutarc.daemon.ops.health import Finding
from plutarc.models.enums import OrderStatus
from plutarc.models.events import Severity

if TYPE_CHECKING:
    from plutarc.daemon.runtime.protocol import VenueView
    from plutarc.daemon.service import DaemonService
    from plutarc.daemon.store import BotRecord


async def venue_findings(service: DaemonService) -> list[Finding]:
    return (await reconcile_bots(service, None))[1]


async def reconcile_bots(service: DaemonService, ref: str | None
                         ) -> tuple[list[str], list[Finding]]:
    """(names of the bots compared, what disagrees) for one bot or every running bot.

    A named bot that is not running has no worker to ask the venue: refused with a reason."""
    from plutarc.errors import InvalidTransition

    if ref is not None:
        bot = service.get_bot(ref)
        if not service.supervisor.is_running(bot.id):
            raise InvalidTransition(f"bot {bot.name!r} is {bot.state}: no worker to ask "
                                    f"{bot.venue}; start it, or see 'plutarc ops health' for "
                                    "stopped bots' ledgers")
        bots = [bot]
    else:
        bots = [b for b in service.store.bots.all() if service.supervisor.is_running(b.id)]
    checked: list[str] = []
    out: list[Finding] = []
    for bot in bots:
        if await service.supervisor.venue_view(bot.id) is None:
            continue  # a worker that cannot ask its venue (idle, deploying)
        checked.append(bot.name)
        found = await _compare(service, bot)
        if found:
            found = [f for f in await _compare(service, bot) if f.key in {g.key for g in found}]
        out += found
    return checked, out


async def _compare(service: DaemonService, bot: BotRecord) -> list[Finding]:
    view = await service.supervisor.venue_view(bot.id)
    if view is None:
        return []
    return _differences(service, bot, view)


def _differences(service: DaemonService, bot: BotRecord, view: VenueView) -> list[Finding]:
    store, out = service.store, []
    journal = {r.client_id: r for r in store.orders.query(bot_id=bot.id, open_only=True,
                                                          limit=10_000)
               if r.status != OrderStatus.PENDING}  # pending: in flight or in doubt
    at_venue = dict(view.open_orders)
    for client_id in sorted(set(journal) - set(at_venue)):
        out.append(Finding(
            check="venue", severity=Severity.ERROR, bot_id=bot.id,
            message=f"{bot.name}: order {client_id} is {journal[client_id].status} in the "
                    f"journal but not open at {bot.venue}: journal and venue disagree",
            data={"client_id": client_id, "journal": journal[client_id].status}))
    for client_id in sorted(set(at_venue) - set(journal)):
        out.append(Finding(
            check="venue", severity=Severity.ERROR, bot_id=bot.id,
            message=f"{bot.name}: order {client_id} is open at {bot.venue} but not in the "
                    "journal: journal and venue disagree",
            data={"client_id": client_id, "journal": None}))
    stored = {p.symbol: p.qty for p in store.positions.query(bot_id=bot.id)}
    held = dict(view.positions)
    for symbol in sorted(set(stored) | set(held)):
        ours, theirs = stored.get(symbol, Decimal(0)), held.get(symbol, Decimal(0))
        if ours != theirs:
            out.append(Finding(
                check="venue", severity=Severity.ERROR, bot_id=bot.id,
                message=f"{bot.name}: position {ours} {symbol} in the journal but {theirs} at "
                        f"{bot.venue}: journal and venue disagree",
                data={"symbol": symbol, "journal": str(ours), "venue": str(theirs)}))
    return out
