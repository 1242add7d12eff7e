"""Paper trading: bots on the sim venue (a replay of real candles) or on a real venue's
public market data with every order on a local sim (PaperOnVenueWorker)."""

from __future__ import annotations

import os

from plutarc.daemon.paper.replay import ReplaySettings
from plutarc.daemon.paper.worker import PaperWorker

__all__ = ["PaperWorker", "ReplaySettings", "register_workers"]


def register_workers(registry) -> None:  # noqa: ANN001 - WorkerRegistry (avoids an import cycle)
    """Serve paper bots: replays on the sim venue, and BitMEX public data on a local sim."""
    registry.register("sim", lambda _bot: PaperWorker(), modes=["paper"])
    registry.register("bitmex", _bitmex_paper, modes=["paper"])


def _bitmex_paper(_bot):  # noqa: ANN001, ANN202 - BotRecord -> PaperOnVenueWorker
    """No key is needed: only public market data is read (PLUTARC_BITMEX_URL and
    PLUTARC_BITMEX_CONFIG apply as for live bots; the live endpoints are the default)."""
    from plutarc.daemon.live.credentials import bitmex_config
    from plutarc.daemon.paper.on_venue import PaperOnVenueWorker
    from plutarc.exchanges.bitmex import BitmexAdapter

    return PaperOnVenueWorker(lambda bot: BitmexAdapter(bitmex_config(bot.mode, os.environ)))
