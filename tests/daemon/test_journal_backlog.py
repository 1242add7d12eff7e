"""JournalBacklog on a real SQLite file with the full-disk rehearsal: order, once, bounds, ALERT.

The integration tests (tests/daemon/live/test_live_full_disk.py, test_paper_full_disk.py) show
bots riding out a full disk; this pins the rules they rely on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import plutarc.storage.sqlite as sqlite_storage
from plutarc.clock import ManualClock
from plutarc.daemon.bot_config import BotConfig
from plutarc.daemon.events import EventBus, EventSink
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.runtime.backlog import DISK_FULL_REASON, PAUSED_REASON
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.daemon.store import DaemonStore
from plutarc.models.events import Event, EventKind, Severity
from plutarc.risk.limits import RiskLimits
from plutarc.strategy.decision import Action, Decision
from tests.daemon.test_store import make_bot


@pytest.fixture
def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[BotContext, Path]]:
    store = DaemonStore.open(tmp_path / "plutarc.db")
    bot = make_bot().model_copy(update={"state": BotState.ONLINE})
    store.bots.insert(bot)
    config = BotConfig(version=1, template="trend", template_version=1, template_toml="",
                       symbols=("BTCUSDT",), risk=RiskLimits())
    clock = ManualClock(1_000)
    ctx = BotContext(bot, config, store, EventSink(store, EventBus(), clock), clock, 1.0,
                     lambda: None, lambda _s, _r: None)
    flag = tmp_path / "disk-is-full"
    monkeypatch.setattr(sqlite_storage, "_DISK_FULL_FLAG", str(flag))
    yield ctx, flag
    store.close()


def _note(ctx: BotContext, text: str) -> None:
    """A journal write that raises as SQLite does on a full disk."""
    ctx.record_event(Event(EventKind.ACTIVITY, 1, text, ctx.bot_id, Severity.INFO, {}))


def _notes(ctx: BotContext) -> list[str]:
    return [e.message for e in ctx.store.events.query(bot_id=ctx.bot_id,
                                                      kinds=[EventKind.ACTIVITY], limit=100)
            if e.message.startswith("n")]


def _alerts(ctx: BotContext) -> list[str]:
    return [e.message for e in ctx.store.events.query(bot_id=ctx.bot_id,
                                                      kinds=[EventKind.ALERT], limit=100)]


def test_held_writes_go_in_once_in_order_after_one_alert(rig) -> None:  # noqa: ANN001
    ctx, flag = rig
    backlog = ctx.backlog
    assert backlog.write("n0", lambda: _note(ctx, "n0"))
    flag.touch()
    for i in range(1, 4):
        assert not backlog.write(f"n{i}", lambda i=i: _note(ctx, f"n{i}"))
    assert not ctx.entries_allowed  # nothing opens while writes wait for the disk
    decision = Decision(1, Action.NONE, float("nan"), {}, (PAUSED_REASON,))
    assert backlog.explain([decision])[0].skip_reasons == (DISK_FULL_REASON,)
    assert backlog.flush() == 4  # still full: the alert and three notes wait
    assert _notes(ctx) == ["n0"] and _alerts(ctx) == []

    flag.unlink()
    assert backlog.flush() == 0
    assert backlog.flush() == 0  # written once
    assert _notes(ctx) == ["n0", "n1", "n2", "n3"]
    (alert,) = _alerts(ctx)  # held while the disk was full, journaled first when it had room
    assert "the disk is full" in alert and "free space" in alert
    assert ctx.entries_allowed


def test_memory_is_bounded_and_the_newest_state_supersedes(rig) -> None:  # noqa: ANN001
    ctx, flag = rig
    backlog = ctx.backlog
    backlog.max_held, backlog.soft_limit = 6, 4
    flag.touch()
    backlog.write("n-fill", lambda: _note(ctx, "n-fill"))  # held after the alert: 2
    for i in range(5):  # one equity point is kept, the newest: 3
        backlog.write(f"equity {i}", lambda i=i: _note(ctx, f"n-equity {i}"), key="equity")
    for i in range(3):  # decisions until the soft limit (4), then dropped
        backlog.write(f"decision {i}", lambda i=i: _note(ctx, f"n-decision {i}"),
                      droppable=True)
    for i in range(4):  # up to the hard limit (6), then lost and counted
        backlog.write(f"fill {i}", lambda i=i: _note(ctx, f"n-fill {i}"))
    assert len(backlog.held) == 6 and backlog.dropped == 2 and backlog.lost == 2

    flag.unlink()
    backlog.flush()
    assert _notes(ctx) == ["n-fill", "n-equity 4", "n-decision 0", "n-fill 0", "n-fill 1"]
    alerts = _alerts(ctx)
    assert len(alerts) == 2 and "2 journal writes could not be kept" in alerts[1]
    assert "restart the bot" in alerts[1]
