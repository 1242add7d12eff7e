"""The blast radius of one bad venue row: the row, never the stream or the account.

An unrecognised value (a new ``execType``, ``ordStatus``, currency, ...) on a row we did not
send is logged once per distinct problem and skipped: other bots and hand-placed orders on
the account must not stop ours. On one of our own orders (its clOrdID is one we sent) it
raises a ``RowAlert`` for that order, published on ``alerts``, and the stream stays up.
Orders sent before a restart are ours too once the owner ``claim``s them (the daemon claims
its journal's open orders when it reconciles).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from typing import Any

from plutarc.errors import DataError
from plutarc.exchanges.bitmex.streams import Broadcast

log = logging.getLogger("plutarc.exchanges.bitmex.rows")

_MAX_REMEMBERED = 1000  # distinct problems logged once each; beyond this, logged again


@dataclass(frozen=True)
class RowAlert:
    """One of our orders arrived with a value we cannot read: someone must look at it."""

    client_id: str
    table: str
    message: str


class RowTriage:
    """Parses rows through ``guard``; what cannot be parsed costs that row only."""

    def __init__(self, owned: Container[str]) -> None:
        self._owned = owned  # client ids we sent (the feed's requests)
        self._claimed: set[str] = set()  # ours from before a restart
        self._logged: set[str] = set()
        self.alerts: Broadcast[RowAlert] = Broadcast("alerts")
        self.skipped = 0

    def claim(self, client_ids: Iterable[str]) -> None:
        """Count these client ids as ours (orders sent by an earlier life of the owner)."""
        self._claimed.update(client_ids)

    def owns(self, client_id: str) -> bool:
        return bool(client_id) and (client_id in self._owned or client_id in self._claimed)

    def guard(self, table: str, row: dict[str, Any], parse: Callable[[], Any]) -> Any:
        """``parse()``, or None when the row carries a value we do not know."""
        try:
            return parse()
        except DataError as exc:
            self.reject(table, row, exc)
            return None

    def reject(self, table: str, row: dict[str, Any], exc: DataError) -> None:
        client_id = row.get("clOrdID") or ""
        if self.owns(client_id):
            message = f"order {client_id}: BitMEX {table} row not understood: {exc}"
            log.error("ALERT %s", message)
            self.alerts.publish(RowAlert(client_id, table, message))
            return
        self.skipped += 1
        problem = f"{table}: {exc}"
        if problem in self._logged:
            return
        if len(self._logged) >= _MAX_REMEMBERED:
            self._logged.clear()
        self._logged.add(problem)
        log.warning("BitMEX %s row of another owner skipped (%s, symbol %s); further rows "
                    "with this problem are skipped silently", table, exc, row.get("symbol"))
