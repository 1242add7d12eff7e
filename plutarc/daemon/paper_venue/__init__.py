"""Paper bots on a real venue's public market data, every order on a local sim.

The worker is the live worker with a PaperVenue in place of the exchange, so this package
builds on daemon/live (and the paper sim settings of daemon/paper); neither of those imports
it, which keeps the live and paper workers free of each other.
"""

from __future__ import annotations

import os

from plutarc.daemon.paper_venue.worker import PaperOnVenueWorker, restore_sim

__all__ = ["PaperOnVenueWorker", "register_workers", "restore_sim"]


def register_workers(registry) -> None:  # noqa: ANN001 - WorkerRegistry (avoids an import cycle)
    """Serve paper bots on BitMEX's public data. No key is needed: only public market data
    is read (PLUTARC_BITMEX_URL and PLUTARC_BITMEX_CONFIG apply as for live bots; the live
    endpoints are the default)."""
    registry.register("bitmex", _bitmex_paper, modes=["paper"])


def _bitmex_paper(_bot):  # noqa: ANN001, ANN202 - BotRecord -> PaperOnVenueWorker
    from plutarc.daemon.live.credentials import bitmex_config
    from plutarc.exchanges.bitmex import BitmexAdapter

    return PaperOnVenueWorker(lambda bot: BitmexAdapter(bitmex_config(bot.mode, os.environ)))
