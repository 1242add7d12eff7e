"""Which running live bot has which latency statistics: read by GET /v1/bots/{ref}/latency.

One board per daemon process (``LATENCY``): a live worker adds its venue's LatencyBook when
it starts and removes it when it stops, so the API never reaches into a worker.
"""

from __future__ import annotations

from typing import Protocol

from plutarc.exchanges.bitmex.latency import LatencySnapshot


class LatencySource(Protocol):
    def snapshots(self) -> list[LatencySnapshot]: ...


class LatencyBoard:
    def __init__(self) -> None:
        self._sources: dict[str, LatencySource] = {}

    def add(self, bot_id: str, source: LatencySource) -> None:
        self._sources[bot_id] = source

    def remove(self, bot_id: str, source: LatencySource | None = None) -> None:
        """Forget ``bot_id`` (only if it still shows ``source``, when given: a restarted
        worker may already have put its own there)."""
        if source is None or self._sources.get(bot_id) is source:
            self._sources.pop(bot_id, None)

    def snapshots(self, bot_id: str) -> list[LatencySnapshot] | None:
        """The bot's statistics, or None when no live worker of that bot is running."""
        source = self._sources.get(bot_id)
        return None if source is None else source.snapshots()


LATENCY = LatencyBoard()
