"""After the kill switch: ask every venue again and say whether anything is still open.

The switch itself only tells the bots what to do; cancels and closes happen in their
workers. This asks each halted bot's venue afresh (not the journal) until it shows no open
order and no position, or the wait ends, and the report says "verified" only then.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from plutarc.daemon.ops.killswitch import PanicReport
from plutarc.models.events import EventKind, Severity

if TYPE_CHECKING:
    from plutarc.daemon.service import DaemonService

VERIFY_WAIT_S = 8.0  # how long the switch waits for the venues to show nothing open
VERIFY_POLL_S = 0.25


async def verify(service: DaemonService, report: PanicReport, wait_s: float = VERIFY_WAIT_S,
                 poll_s: float = VERIFY_POLL_S) -> PanicReport:
    """The report with ``verified`` and ``remaining`` (what is still open, or unasked)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:  # only the halted bots' venues can change by waiting
        still = await _halted_left(service, report)
        if not still or loop.time() >= deadline:
            break
        await asyncio.sleep(poll_s)
    remaining = still + _unattended(service, report)
    service.sink.emit(
        EventKind.ALERT, "kill switch verified: no open orders, no positions" if not remaining
        else f"kill switch NOT verified: {len(remaining)} left: " + "; ".join(remaining),
        severity=Severity.INFO if not remaining else Severity.CRITICAL,
        data={"kill_switch": True, "verified": not remaining, "remaining": remaining})
    return report.model_copy(update={"verified": not remaining, "remaining": remaining})


async def _halted_left(service: DaemonService, report: PanicReport) -> list[str]:
    out = []
    for bot in service.store.bots.all():
        if bot.name in report.halted:
            view = await service.supervisor.venue_view(bot.id)
            if view is None and service.supervisor.restart_pending(bot.id):
                out.append(f"{bot.name}: restarting after an error; it comes back paused and "
                           "flattens: check again with 'plutarc positions'")
            elif view is None:
                out.append(f"{bot.name}: its venue could not be asked (not connected)")
            elif not view.empty:
                out.append(f"{bot.name}: {view.describe()}")
    return out


def _unattended(service: DaemonService, report: PanicReport) -> list[str]:
    """Bots without a worker: their positions and journal-open orders stay as they are."""
    out = [f"{x.bot} ({x.state}) holds {x.qty} {x.symbol}: no worker runs for it; close it "
           "at the venue" for x in report.left_open]
    for bot in service.store.bots.all():
        if bot.name not in report.halted and not bot.state.is_running:
            held = service.store.orders.query(bot_id=bot.id, open_only=True, limit=1000)
            if held:
                out.append(f"{bot.name} ({bot.state}): {len(held)} orders open in the "
                           "journal; no worker runs for it: look them up at the venue")
    return out
