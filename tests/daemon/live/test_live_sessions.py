"""A live bot with trading sessions against the local BitMEX server, on a controlled clock.

The daemon's clock is a ManualClock moved with the server's replay clock (one bar per
``advance``), so hours of sessions pass in seconds. The bundled BTC minutes from
2024-01-01 05:00 with QUICK_TEMPLATE: a long entered in the 05:18 bar is still open at
05:20 and leaves at 05:22 on its time stop; the test checks that precondition itself.
"""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator

import pytest

from plutarc.clock import ManualClock
from plutarc.daemon.bot_config import BotSpec, ConfigPatch
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.store import DaemonStore
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.models.events import EventKind
from plutarc.strategy.sessions import in_sessions
from plutarc.strategy.template import parse_template
from tests.daemon.live.conftest import QUICK_TEMPLATE, LiveRig, live_rig, until
from tests.exchanges.bitmex.conftest import sim_config

MINUTE = 60_000
SESSIONS = """
[[sessions]]
start = "05:00"
end = "05:20"

[[sessions]]
start = "06:30"
end = "07:30"
"""
TEMPLATE = QUICK_TEMPLATE.replace('name = "quick_cross"', 'name = "sessions"') + SESSIONS


@pytest.fixture
async def server() -> AsyncIterator[SimServer]:
    async with SimServer(sim_config(warmup_bars=300)) as srv:  # 2024-01-01 05:00 UTC
        yield srv


@pytest.fixture
async def store() -> AsyncIterator[DaemonStore]:
    db = DaemonStore.open(":memory:")
    try:
        yield db
    finally:
        db.close()


def _phases(rig: LiveRig, bot_id: str) -> list[tuple[int, str, dict]]:
    events = rig.store.events.query(bot_id=bot_id, kinds=[EventKind.ACTIVITY], limit=1000)
    return sorted(((e.id, e.data["phase"], e.data) for e in events if "phase" in e.data),
                  key=lambda row: row[0])


def _moves(rig: LiveRig, bot_id: str) -> list[tuple[str, str]]:
    events = rig.store.events.query(bot_id=bot_id, kinds=[EventKind.BOT_STATE], limit=1000)
    return [(e.data["from"], e.data["to"]) for e in sorted(events, key=lambda e: e.id)]


def _state(rig: LiveRig, bot_id: str) -> BotState:
    return rig.service.get_bot(bot_id).state


async def _start(rig: LiveRig) -> str:
    rig.service.put_template("sessions", TEMPLATE, "tester")
    spec = BotSpec(name="sessions", template="sessions", venue="bitmex", mode="testnet",
                   account="main", symbols=("BTCUSD",))
    bot_id = (await rig.service.create_bot(spec, "tester", start=True)).id
    await until(lambda: _state(rig, bot_id) is BotState.ONLINE)
    return bot_id


async def _until_asleep(rig: LiveRig, bot_id: str, bars: int) -> dict:
    """Advance bar by bar until the bot sleeps; the sleeping activity's data."""
    for _ in range(bars):
        await rig.advance(1)
        if _state(rig, bot_id) is BotState.SLEEPING:
            break
    await until(lambda: any(p == "sleeping" for _, p, _ in _phases(rig, bot_id)))
    # closed by the bot: the server sees no websocket left; once its close returned, the
    # bot is marked sleeping and its wake scheduled
    await until(lambda: not rig.server.hub.sessions)
    await until(lambda: _state(rig, bot_id) is BotState.SLEEPING
                and rig.service.supervisor.wake_timer.pending() == 1)
    return [d for _, p, d in _phases(rig, bot_id) if p == "sleeping"][-1]


async def test_sleeps_flat_outside_its_session_holds_while_in_a_position_and_wakes_to_trade(
        server: SimServer, store: DaemonStore) -> None:
    clock = ManualClock(server.exchange.now_ms)
    async with live_rig(server, clock, store) as rig:
        bot_id = await _start(rig)
        session_end = server.exchange.now_ms + 20 * MINUTE
        while clock.now_ms() < session_end:
            await rig.advance(1)
        position = store.positions.get(bot_id, "BTCUSD")
        assert position is not None and position.qty != 0, "precondition: in a position at 05:20"
        await until(lambda: any(p == "holding" for _, p, _ in _phases(rig, bot_id)))
        assert _state(rig, bot_id) is BotState.ONLINE  # awake, managing the exit

        asleep = await _until_asleep(rig, bot_id, 10)
        trade = store.trades.query(bot_id=bot_id)[0]
        assert trade.exit_ts_ms <= asleep["at_ms"]  # slept only once flat
        assert "closing the bitmex connections" in _messages(rig, bot_id, "sleeping")[-1]
        assert _state(rig, bot_id) is BotState.SLEEPING
        timer = rig.service.supervisor.wake_timer
        assert timer.pending() == 1
        wake_ms, session_ms = asleep["wake_ms"], asleep["session_ms"]
        assert asleep["at_ms"] < wake_ms < session_ms

        # Asleep: no REST call, no socket, one job; commands are still answered.
        calls = len(server.rest.requests)
        rig.service.pause_bot(bot_id, "tester")
        rig.service.flatten_bot(bot_id, "tester")
        rig.service.resume_bot(bot_id, "tester")
        await until(lambda: any("flat already" in m for m in _messages(rig, bot_id)))
        while clock.now_ms() + MINUTE < wake_ms:
            await rig.advance(1, pause_s=0.02)
        assert _state(rig, bot_id) is BotState.SLEEPING
        assert len(server.rest.requests) == calls and not server.hub.sessions
        assert timer.pending() == 1

        await rig.advance(1)  # the wake time
        await until(lambda: _state(rig, bot_id) is BotState.ONLINE)
        awake = [d for _, p, d in _phases(rig, bot_id) if p == "awake"][-1]
        assert wake_ms <= awake["at_ms"] < session_ms
        assert timer.pending() == 0
        woke = [path for _, path, _ in server.rest.requests[calls:]]
        assert "/api/v1/trade/bucketed" in woke  # warm-up candles loaded on waking
        warmed = rig.service.supervisor.recent_candles(bot_id, "BTCUSD", 1000)
        assert warmed[0][0] < wake_ms - 10 * MINUTE

        # Trades again inside the next session, and only there.
        while clock.now_ms() < session_ms:
            await rig.advance(1, pause_s=0.05)
        for _ in range(40):
            await rig.advance(1)
            if len(store.trades.query(bot_id=bot_id)) > 1:
                break
        trades = store.trades.query(bot_id=bot_id)
        assert len(trades) > 1
        sessions = parse_template(tomllib.loads(TEMPLATE), "test").sessions
        assert all(in_sessions([t.entry_ts_ms], sessions)[0] for t in trades)

    phases = [p for _, p, _ in _phases(rig, bot_id)]
    assert phases == ["holding", "sleeping", "awake"]
    moves = _moves(rig, bot_id)
    assert moves.count(("online", "sleeping")) == 1 and moves.count(("sleeping", "online")) == 1


def _messages(rig: LiveRig, bot_id: str, phase: str | None = None) -> list[str]:
    events = rig.store.events.query(bot_id=bot_id, kinds=[EventKind.ACTIVITY], limit=1000)
    events = sorted(events, key=lambda e: e.id)
    return [e.message for e in events if phase is None or e.data.get("phase") == phase]


async def test_a_daemon_restart_during_a_sleep_decides_again_from_the_current_time(
        server: SimServer, store: DaemonStore) -> None:
    clock = ManualClock(server.exchange.now_ms)
    async with live_rig(server, clock, store) as rig:
        bot_id = await _start(rig)
        asleep = await _until_asleep(rig, bot_id, 40)
    assert _state(rig, bot_id) is BotState.SLEEPING  # a shutdown leaves the state as it is

    # Back before the wake time: it connects, finds itself flat outside the session, and
    # sleeps again until the same wake time.
    async with live_rig(server, clock, store) as rig:
        await rig.service.supervisor.restore()
        await until(lambda: len(_messages(rig, bot_id, "sleeping")) == 2)
        await until(lambda: not server.hub.sessions)
        # the server drops the socket before the worker's close returns and it schedules
        # its wake: wait for the one job rather than racing it
        await until(lambda: rig.service.supervisor.wake_timer.pending() == 1)
        again = [d for _, p, d in _phases(rig, bot_id) if p == "sleeping"][-1]
        assert again["wake_ms"] == asleep["wake_ms"]
        assert _state(rig, bot_id) is BotState.SLEEPING

    # Back after the wake time (the daemon was down through it): awake at once.
    while clock.now_ms() < asleep["wake_ms"]:
        await rig.advance(1, pause_s=0)
    async with live_rig(server, clock, store) as rig:
        await rig.service.supervisor.restore()
        await until(lambda: _state(rig, bot_id) is BotState.ONLINE)
        assert any(m.startswith("restarted while asleep") for m in _messages(rig, bot_id))
        assert server.hub.sessions and rig.service.supervisor.wake_timer.pending() == 0
    moves = _moves(rig, bot_id)
    assert moves[-5:] == [("sleeping", "deploying"), ("deploying", "sleeping"),
                          ("sleeping", "deploying"), ("deploying", "sleeping"),
                          ("sleeping", "online")]


async def test_changes_made_while_asleep_apply_on_waking(
        server: SimServer, store: DaemonStore) -> None:
    """Symbols changed while asleep are traded from the wake (an unlisted one is left out,
    with a warning); a template with other sessions wakes the bot at once to decide again."""
    clock = ManualClock(server.exchange.now_ms)
    async with live_rig(server, clock, store) as rig:
        bot_id = await _start(rig)
        await _until_asleep(rig, bot_id, 40)
        rig.service.update_config(bot_id, ConfigPatch(symbols=("BTCUSD", "NOPEUSD")), "tester")
        await until(lambda: any(m.startswith("symbols now BTCUSD, NOPEUSD: traded from the "
                                             "wake") for m in _messages(rig, bot_id)))
        assert _state(rig, bot_id) is BotState.SLEEPING
        rig.service.put_template("sessions", TEMPLATE.replace(SESSIONS, ""), "tester")
        assert _state(rig, bot_id) is BotState.SLEEPING  # a saved version moves no bot
        rig.service.update_bot_template(bot_id, None, "tester")  # 'plutarc bot update'
        await until(lambda: _state(rig, bot_id) is BotState.ONLINE)  # the clock stood still
        messages = _messages(rig, bot_id)
        assert any("has other sessions: waking now" in m for m in messages)
        assert any(m.startswith("bitmex does not list NOPEUSD: trading on without them")
                   for m in messages)
        assert rig.service.supervisor.wake_timer.pending() == 0
        woke_at = clock.now_ms()
        await rig.advance(3)
        decided = store.db.execute("SELECT MAX(ts_ms) FROM decisions WHERE bot_id = ?",
                                   (bot_id,)).fetchone()[0]
        assert decided > woke_at and _state(rig, bot_id) is BotState.ONLINE
    assert [p for _, p, _ in _phases(rig, bot_id)][-2:] == ["sleeping", "awake"]
