"""Live and testnet bots: a venue-neutral worker, plus how BitMEX bots get their venue."""

from __future__ import annotations

import os

from plutarc.daemon.live.board import LATENCY, LatencyBoard
from plutarc.daemon.live.credentials import bitmex_venue, resolve_credentials
from plutarc.daemon.live.worker import LiveWorker

__all__ = [
    "LATENCY",
    "LatencyBoard",
    "LiveWorker",
    "bitmex_venue",
    "register_workers",
    "resolve_credentials",
]


def register_workers(registry) -> None:  # noqa: ANN001 - WorkerRegistry (avoids an import cycle)
    """Serve BitMEX bots in live and testnet mode; the env is read when a bot starts."""
    registry.register(
        "bitmex",
        lambda _bot: LiveWorker(lambda bot: bitmex_venue(bot.mode, bot.account, os.environ)),
        modes=["live", "testnet"],
    )
