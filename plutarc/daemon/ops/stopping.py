"""Stopping a bot that holds a position: the operator says flatten or leave, and it is audited."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal

from plutarc.daemon.errors import InvalidTransition
from plutarc.daemon.lifecycle import check_action
from plutarc.daemon.store import BotRecord, PositionRecord
from plutarc.errors import UsageError

if TYPE_CHECKING:
    from plutarc.daemon.service import DaemonService

PositionChoice = Literal["flatten", "leave"]
FLATTEN_WAIT_S = 30.0
POLL_S = 0.05


class StillFlattening(InvalidTransition):
    """The flatten did not finish in time: the bot is paused and keeps flattening."""


def describe(positions: list[PositionRecord]) -> str:
    return ", ".join(f"{p.symbol} {p.qty}" for p in positions)


async def stop_bot(service: DaemonService, ref: str, who: str, choice: PositionChoice | None,
                   wait_s: float = FLATTEN_WAIT_S) -> BotRecord:
    """Stop ``ref``; with an open position ``choice`` is required (nothing changes without it).

    ``flatten`` pauses the bot, closes every position, waits until the ledger shows it flat
    and only then stops the worker; ``leave`` stops and leaves the positions at the venue.
    """
    bot = service.store.bots.resolve(ref)
    check_action(bot.name, "stop", bot.state)
    open_positions = service.store.positions.query(bot_id=bot.id)
    if open_positions and choice is None:
        raise UsageError(
            f"bot {bot.name!r} has open positions ({describe(open_positions)}): say what to do "
            "with them: flatten (close them first, then stop) or leave (stop and leave them "
            "open at the venue)")
    if open_positions and choice == "flatten":
        if not service.supervisor.is_running(bot.id):
            raise InvalidTransition(
                f"cannot flatten bot {bot.name!r}: no worker runs for it ({bot.state}); start "
                "it and flatten, or stop it leaving the positions open")
        service.flatten_bot(bot.id, who)
        await _wait_flat(service, bot, wait_s)
    after = await service.stop_bot(bot.id, who)
    if open_positions:
        left = service.store.positions.query(bot_id=bot.id)
        service.store.audit.append(
            who, service.clock.now_ms(), f"bot.stop.{choice}", bot.id,
            {"positions": [p.model_dump(mode="json") for p in open_positions]},
            {"positions": [p.model_dump(mode="json") for p in left]})
    return after


async def _wait_flat(service: DaemonService, bot: BotRecord, wait_s: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while positions := service.store.positions.query(bot_id=bot.id):
        if loop.time() > deadline:
            raise StillFlattening(
                f"bot {bot.name!r} still holds {describe(positions)} after {wait_s:g} s of "
                "flattening; it stays paused and keeps trying: stop again later, or stop it "
                "leaving the positions open")
        await asyncio.sleep(POLL_S)
