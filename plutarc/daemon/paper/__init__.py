"""Paper trading: bots on the sim venue, fed by a replay of real candles."""

from plutarc.daemon.paper.replay import ReplaySettings
from plutarc.daemon.paper.worker import PaperWorker

__all__ = ["PaperWorker", "ReplaySettings", "register_workers"]


def register_workers(registry) -> None:  # noqa: ANN001 - WorkerRegistry (avoids an import cycle)
    """Serve paper bots on the sim venue."""
    registry.register("sim", lambda _bot: PaperWorker(), modes=["paper"])
