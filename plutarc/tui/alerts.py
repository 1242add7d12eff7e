"""AlertDesk: what must reach the trader on any screen (ALERT and ERROR events, risk halts) as
toasts, and the totals the status bar shows (PnL per currency, alerts since attach)."""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict, deque
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from plutarc.daemon.store import EventRecord
from plutarc.errors import PlutarcError
from plutarc.models.events import EventKind, Severity

if TYPE_CHECKING:
    from textual.timer import Timer

    from plutarc.tui.app import PlutarcApp

PNL_ON = frozenset({EventKind.TRADE, EventKind.POSITION, EventKind.FILL})
PNL_COALESCE_S = 1.0
PNL_REFRESH_S = 15.0  # unrealised PnL moves with prices, not only with events
# A storm of alerts (a venue outage hits every bot) must not bury the screen in toasts:
# beyond TOAST_BURST in TOAST_WINDOW_S, one toast counts the rest.
TOAST_BURST = 4
TOAST_WINDOW_S = 10.0
TOAST_TIMEOUT_S = 15.0


def is_alert(record: EventRecord) -> bool:
    """ALERT events, anything of ERROR severity or worse, and a risk rule halting entries."""
    if record.kind is EventKind.ALERT or record.severity in (Severity.ERROR, Severity.CRITICAL):
        return True
    if record.kind is EventKind.RISK:
        said = f"{record.data.get('action', '')} {record.data.get('change', '')}"
        return "halt" in said
    return False


def toast_text(record: EventRecord, bot_name: str | None) -> str:
    who = f"{bot_name}: " if bot_name else ""
    return f"{who}{record.message}"


class AlertDesk:
    def __init__(self, app: PlutarcApp) -> None:
        self.app = app
        self.count = 0  # alerts since the TUI attached
        self.last = ""
        self.pnl: dict[str, Decimal] = {}  # total per currency; empty before the first read
        self.pnl_rows: list[Any] = []
        self.pnl_known = False  # False until the daemon first said
        self._bot_names: dict[str, str] = {}
        self._recent: deque[float] = deque()
        self._held_back = 0
        self._pnl_pending = False
        self._pnl_timer: Timer | None = None

    # ----- alerts ---------------------------------------------------------------------
    def event_arrived(self, record: EventRecord) -> None:
        if record.kind in PNL_ON and not self._pnl_pending:
            self._pnl_pending = True
            self.app.set_timer(PNL_COALESCE_S, self.refresh_pnl)
        if is_alert(record):
            self.count += 1
            self.last = record.message
            self.app.run_worker(self._toast(record), group="alerts")
            self.repaint()

    async def _toast(self, record: EventRecord) -> None:
        now = time.monotonic()
        while self._recent and now - self._recent[0] > TOAST_WINDOW_S:
            self._recent.popleft()
        if len(self._recent) >= TOAST_BURST:
            self._held_back += 1
            if self._held_back == 1:
                self.app.set_timer(TOAST_WINDOW_S, self._say_held_back)
            return
        self._recent.append(now)
        name = await self._name(record.bot_id)
        severity = "warning" if record.severity is Severity.WARNING else "error"
        self.app.notify(toast_text(record, name), title=record.kind.value.upper(),
                        severity=severity, timeout=TOAST_TIMEOUT_S)

    def _say_held_back(self) -> None:
        if self._held_back:
            self.app.notify(f"{self._held_back} more alert(s): see Activity (a)",
                            title="ALERTS", severity="error", timeout=TOAST_TIMEOUT_S)
        self._held_back = 0

    async def _name(self, bot_id: str | None) -> str | None:
        if bot_id is None:
            return None
        if bot_id not in self._bot_names:
            with contextlib.suppress(PlutarcError):  # the toast goes out with the bot's id
                self._bot_names = {b.id: b.name for b in await self.app.client.list_bots()}
        return self._bot_names.get(bot_id, bot_id)

    # ----- PnL ------------------------------------------------------------------------
    def refresh_pnl(self) -> None:
        self._pnl_pending = False
        if self._pnl_timer is None:  # attaching: the first screen reads first, the bar soon
            self._pnl_timer = self.app.set_interval(PNL_REFRESH_S, self.refresh_pnl)
            self.app.set_timer(PNL_COALESCE_S, self.refresh_pnl)
            return
        if not self.app.link:
            self.app.run_worker(self._refresh_quietly(), group="pnl", exclusive=True)

    async def _refresh_quietly(self) -> None:
        with contextlib.suppress(PlutarcError):  # the banner says the daemon is away
            await self.load_pnl()

    async def load_pnl(self) -> list[Any]:
        rows = await self.app.client.pnl()
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for row in rows:
            totals[row.currency] += row.realised + row.unrealised
        self.pnl_rows, self.pnl = rows, dict(sorted(totals.items()))
        self.pnl_known = True
        self.repaint()
        return rows

    def repaint(self) -> None:
        from plutarc.tui.widgets.status_bar import StatusBar

        if self.app.screen_stack:
            for bar in self.app.screen.query(StatusBar):
                bar.show()
