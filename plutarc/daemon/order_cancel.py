"""Cancelling one open order by hand: the daemon's side (checks, audit) and the worker's side
(the refusal rule, the venue cancel through the bot's own execution, so journal and venue agree).

The request travels to the bot's worker as a ``CancelRequested`` command and the worker
answers on the command's future: only the worker may touch its venue and its kernel, and the
kernel must forget the order too (or it would wait for it for ever, or re-place it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from plutarc.daemon.errors import InvalidTransition, NotFound
from plutarc.daemon.runtime.protocol import BotContext, CancelRequested
from plutarc.daemon.store import OrderRecord
from plutarc.errors import OperationTimeout, UsageError
from plutarc.models.enums import OrderStatus
from plutarc.strategy.intents import Cancel

if TYPE_CHECKING:
    from plutarc.daemon.service import DaemonService
    from plutarc.strategy.kernel import SymbolKernel

CANCEL_WAIT_S = 10.0


async def cancel_order(svc: DaemonService, ref: str, client_id: str, who: str,
                       wait_s: float = CANCEL_WAIT_S) -> OrderRecord:
    """Cancel ``client_id`` of bot ``ref`` through its running worker; audited as
    ``order.cancel``. Refusals (unknown, closed, protective stop, bot not running) change
    nothing."""
    bot = svc.store.bots.resolve(ref)
    order = svc.store.orders.get(client_id)
    if order is None or order.bot_id != bot.id:
        raise NotFound(f"bot {bot.name} has no order {client_id!r}")
    if not order.status.is_open:
        raise UsageError(f"order {client_id} is already {order.status.value}: nothing to cancel")
    reply: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    if not svc.supervisor.deliver(bot.id, CancelRequested(client_id, who, reply),
                                  refresh_config=False):
        raise InvalidTransition(
            f"bot {bot.name} is {bot.state.value}: no worker runs it, so nothing can cancel "
            "at the venue; start the bot first")
    try:
        await asyncio.wait_for(asyncio.shield(reply), wait_s)
    except TimeoutError:
        raise OperationTimeout(
            f"bot {bot.name} did not answer the cancel of {client_id} within {wait_s:g} s; "
            "it may still cancel it: look at its open orders again") from None
    after = svc.store.orders.get(client_id)
    svc.store.audit.append(who, svc.clock.now_ms(), "order.cancel", bot.id,
                           order.model_dump(mode="json"),
                           None if after is None else after.model_dump(mode="json"))
    assert after is not None  # journal rows are never deleted
    return after


def refusal(kernel: SymbolKernel, client_id: str) -> str | None:
    """Why the worker will not cancel ``client_id`` (None: it may). The protective stop of
    an open position stays: a position without a stop is what the stop rule forbids."""
    policy = kernel.policy
    if policy.side != 0 and client_id == policy.stop_id:
        return (f"{client_id} is the protective stop of the open position: flatten the bot "
                "to close the position (its stop goes with it)")
    if policy.pending.get(client_id) == "exit":
        return f"{client_id} closes the open position and is under way: it is not cancelled"
    return None


def settle(command: CancelRequested, journal: OrderRecord | None, kernel: SymbolKernel) -> None:
    """After the worker's cancel: the kernel forgets the order and the caller gets the answer
    (the journal says whether the venue took the cancel)."""
    if command.reply.done():
        return
    if journal is not None and journal.status.is_open:
        command.reply.set_exception(UsageError(
            f"the venue did not cancel {command.client_id}: it is still "
            f"{journal.status.value} (see the bot's activity for the venue's answer)"))
        return
    if journal is None or journal.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED):
        kernel.policy.forget(command.client_id)  # it no longer waits for it, nor re-places it
    status = journal.status.value if journal is not None else "gone"
    command.reply.set_result(f"{command.client_id}: {status}")


def refuse(command: CancelRequested, why: str) -> None:
    if not command.reply.done():
        command.reply.set_exception(UsageError(why))


# ----- the workers' side ----------------------------------------------------------------
def _reason(command: CancelRequested) -> str:
    return f"cancelled by {command.requested_by}"


def in_paper(ctx: BotContext, legs: Sequence[Any], command: CancelRequested,
             now_ms: int | None) -> None:
    """A paper worker's cancel: the sim is the venue; between two steps, so atomic."""
    cid = command.client_id
    leg = next((leg for leg in legs
                if any(o.request.client_id == cid for o in leg.sim.open_orders())), None)
    if leg is None:
        refuse(command, f"{cid} is no longer open at the paper venue (filled or cancelled)")
        return
    why = refusal(leg.kernel, cid)
    if why is not None:
        refuse(command, why)
        return
    if now_ms is None:  # the replay ended: the sim's clock stands at the last close
        last = max(leg.next_index - 1, 0)
        now_ms = int(leg.bars.ts_ms[last]) + leg.bars.interval_ms
    leg.execution.apply([Cancel(cid, _reason(command))], now_ms, True)
    settle(command, ctx.store.orders.get(cid), leg.kernel)


async def in_live(ctx: BotContext, legs: Sequence[Any], command: CancelRequested) -> None:
    """A live worker's cancel: its execution sends it (retries, doubt and journal as for the
    kernel's own cancels)."""
    cid = command.client_id
    record = ctx.store.orders.get(cid)
    leg = next((leg for leg in legs if record is not None and leg.symbol == record.symbol),
               None)
    if leg is None:
        refuse(command, f"{cid} is not an order of this bot's symbols")
        return
    why = refusal(leg.kernel, cid)
    if why is not None:
        refuse(command, why)
        return
    await leg.execution.apply([Cancel(cid, _reason(command))])
    settle(command, ctx.store.orders.get(cid), leg.kernel)
