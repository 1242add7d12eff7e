"""The periodic health pass: findings reach the activity feed when they appear and clear."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from plutarc.clock import ManualClock
from plutarc.daemon.bot_config import RiskLimits
from plutarc.daemon.events import EventBus, EventSink
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.ops.monitor import RiskMonitor
from plutarc.daemon.store import BotRecord, DaemonStore
from plutarc.models import Position
from plutarc.models.events import EventKind, Severity


@dataclass
class Core:
    """The parts of the daemon service the monitor reads: store, sink and clock."""

    store: DaemonStore
    sink: EventSink
    clock: ManualClock


def make_core(tmp_path: Path) -> Core:
    store = DaemonStore.open(tmp_path / "d.db")
    clock = ManualClock(1_000)
    store.bots.insert(BotRecord(
        id="b1", name="alpha", template="t", venue="sim", account="", mode="paper",
        symbols=("BTCUSDT",), risk=RiskLimits(), state=BotState.ONLINE, state_reason="",
        plutarc_version="0", created_ms=0, updated_ms=0, last_heartbeat_ms=None,
        config_version=1))
    return Core(store, EventSink(store, EventBus(), clock), clock)


def health_events(core: Core) -> list[tuple[Severity, str]]:
    return [(e.severity, e.message) for e in core.store.events.query(kinds=[EventKind.HEALTH])]


def test_findings_are_told_once_when_they_appear_and_again_when_they_clear(tmp_path: Path):
    core = make_core(tmp_path)
    monitor = RiskMonitor(core)  # type: ignore[arg-type] - reads store, sink, clock only
    assert monitor.health_once() == []
    assert health_events(core) == [(Severity.INFO, "health checks passed: positions match "
                                    "fills, retired bots are flat, fees plausible, journal "
                                    "consistent")]
    core.store.positions.upsert("b1", Position("BTCUSDT", Decimal("0.2"), Decimal(100)))
    [finding] = monitor.health_once()
    monitor.health_once()  # still there: not told again
    told = health_events(core)[1:]
    assert told == [(Severity.ERROR, "health: alpha BTCUSDT: position 0.2 but its fills sum "
                     "to 0: reconcile with the venue")]
    assert finding.check == "positions"
    core.store.positions.upsert("b1", Position("BTCUSDT", Decimal(0), None))
    assert monitor.health_once() == []
    assert health_events(core)[-1] == (Severity.INFO, "health: cleared: " + finding.message)
