"""Paper trading on the sim venue: a replay of real candles. (Paper bots on a real venue's
public market data are daemon/paper_venue's.)"""

from __future__ import annotations

from plutarc.daemon.paper.replay import ReplaySettings
from plutarc.daemon.paper.worker import PaperWorker

__all__ = ["PaperWorker", "ReplaySettings", "register_workers"]


def register_workers(registry) -> None:  # noqa: ANN001 - WorkerRegistry (avoids an import cycle)
    """Serve paper bots on the sim venue: replays of real candles."""
    registry.register("sim", lambda _bot: PaperWorker(), modes=["paper"])

