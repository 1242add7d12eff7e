"""The daemon's periodic risk task: account limits every few seconds, health checks each minute."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from plutarc.daemon.ops.accounts import evaluate_accounts
from plutarc.daemon.ops.health import Finding, run_checks
from plutarc.daemon.ops.venue_check import venue_findings
from plutarc.models.events import EventKind, Severity

if TYPE_CHECKING:
    from plutarc.daemon.service import DaemonService

log = logging.getLogger(__name__)

ACCOUNT_INTERVAL_S = 5.0
HEALTH_INTERVAL_S = 60.0


class RiskMonitor:
    """Findings go to the activity feed as HEALTH events when they appear and when they clear
    (not every minute while they last)."""

    def __init__(self, service: DaemonService, account_interval_s: float = ACCOUNT_INTERVAL_S,
                 health_interval_s: float = HEALTH_INTERVAL_S) -> None:
        self.service = service
        self.account_interval_s = account_interval_s
        self.health_interval_s = health_interval_s
        self._known: dict[tuple[str, str | None, str], Finding] | None = None
        self._task: asyncio.Task[None] | None = None

    def health_once(self, venue: list[Finding] | None = None) -> list[Finding]:
        """Run every check; say what is new and what has cleared since the last run.
        ``venue``: the journal-against-venue findings, asked of the workers beforehand."""
        sink = self.service.sink
        findings = run_checks(self.service.store, self.service.clock.now_ms()) + (venue or [])
        current = {f.key: f for f in findings}
        previous = self._known
        if previous is None and not findings:
            sink.emit(EventKind.HEALTH, "health checks passed: positions match fills, retired "
                      "bots are flat, fees plausible, journal consistent")
        for key, finding in current.items():
            if previous is None or key not in previous:
                sink.emit(EventKind.HEALTH, f"health: {finding.message}", bot_id=finding.bot_id,
                          severity=finding.severity,
                          data={"check": finding.check, **finding.data})
        for key, finding in (previous or {}).items():
            if key not in current:
                sink.emit(EventKind.HEALTH, f"health: cleared: {finding.message}",
                          bot_id=finding.bot_id, severity=Severity.INFO,
                          data={"check": finding.check, "cleared": True})
        self._known = current
        return findings

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        next_health = loop.time()
        while True:
            try:
                await evaluate_accounts(self.service)
                if loop.time() >= next_health:
                    self.health_once(await venue_findings(self.service))
                    next_health = loop.time() + self.health_interval_s
            except Exception:  # one bad sample must not end the monitoring
                log.exception("risk monitor pass failed")
            await asyncio.sleep(self.account_interval_s)

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="risk-monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
