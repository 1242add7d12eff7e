"""A BitMEX testnet bot in a real daemon against the local BitMEX server, stepped bar by bar
while the daemon is SIGKILLed (failpoints and from outside) and the server misbehaves on
purpose (dropped websockets, 5xx/503, 429, placements that time out after they were taken,
duplicated and reordered execution messages), all through the server's /control endpoints.

After recovery: each clOrdID was accepted at most once, every server execution of our orders
is in our fills exactly once, our position equals the server's, and the bot is not stuck.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.lifecycle import BotState
from plutarc.exchanges.bitmex.timestamps import iso_to_ms
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.exchanges.bitmex_sim.config import EXAMPLE_API_KEY, EXAMPLE_API_SECRET
from plutarc.models.events import EventKind
from tests.chaos.harness import FaultDeck, Figures, Lives
from tests.daemon.conftest import DaemonProcess, short_home
from tests.daemon.live.conftest import QUICK_TEMPLATE
from tests.exchanges.bitmex.conftest import adapter_for, sim_config
from tests.exchanges.bitmex.test_daemon_e2e import ADAPTER_SETTINGS, ServerThread

pytestmark = pytest.mark.slow

TARGET_KILLS = 20
CHANCE = 0.12  # per failpoint call: a few order calls per trade
ORDER = {"path": "/api/v1/order", "exact": True, "method": "POST"}
FAULTS: dict[str, dict[str, Any] | None] = {
    "drop_sockets": None,
    "http_503": {"kind": "reject", "status": 503, **ORDER,
                 "message": "The system is currently overloaded. Please try again later."},
    "http_502": {"kind": "reject", "status": 502, **ORDER, "message": "Bad Gateway"},
    "http_429": {"kind": "reject", "status": 429, "retry_after_s": 1, **ORDER,
                 "message": "Rate limit exceeded, retry in 1 seconds."},
    "timeout_placed_drop": {"kind": "timeout_after_accept", "mode": "drop", **ORDER},
    "timeout_placed_hang": {"kind": "timeout_after_accept", "mode": "hang", **ORDER},
    "duplicate_executions": {"kind": "duplicate", "table": "execution", "count": 4},
    "reorder_executions": {"kind": "reorder", "table": "execution", "count": 2},
}


class ChaosServer(ServerThread):
    """The local server with room for a daemon start-up every second or two: each start
    reads instruments, candles, orders, fills and positions (real BitMEX allows 120/min,
    which twenty restarts a minute would exhaust; injected 429s still come on top)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        config = sim_config(warmup_bars=300, rate_limit_per_minute=2000,
                            rate_limit_unauth_per_minute=2000)
        self.server = self.call(lambda: SimServer(config).start())


@pytest.fixture
def venue(monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerThread]:
    srv = ChaosServer()
    monkeypatch.setenv("PLUTARC_BITMEX_URL", srv.server.base_url)
    monkeypatch.setenv("PLUTARC_BITMEX_KEY", EXAMPLE_API_KEY)
    monkeypatch.setenv("PLUTARC_BITMEX_SECRET", EXAMPLE_API_SECRET)
    monkeypatch.setenv("PLUTARC_BITMEX_CONFIG", json.dumps(
        ADAPTER_SETTINGS | {"order_timeout_s": 1.5}))
    yield srv
    srv.close()


@pytest.fixture
def home() -> Iterator[Path]:
    path = short_home()
    yield path
    shutil.rmtree(path, ignore_errors=True)


class Control:
    """The server's /control endpoints, over HTTP as any test tool would use them."""

    def __init__(self, base_url: str, figures: Figures) -> None:
        self.base = base_url
        self.figures = figures

    def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(
            self.base + path, data=json.dumps(body or {}).encode(), method="POST",
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def advance(self) -> int:
        self.post("/control/advance", {"bars": 1})
        state = json.loads(urllib.request.urlopen(self.base + "/control/state", timeout=10)
                           .read())
        return iso_to_ms(state["now"])

    def inject(self, kind: str) -> None:
        spec = FAULTS[kind]
        if spec is None:
            self.post("/control/drop_sockets")
        else:
            self.post("/control/fault", spec)
        self.figures.faults_armed[kind] += 1


def _call(daemon: DaemonProcess, fn) -> Any:  # noqa: ANN001 - async (client) -> value
    async def go() -> Any:
        async with daemon.client() as client:
            return await fn(client)

    return asyncio.run(go())


def _until(lives: Lives, daemon: DaemonProcess, check, timeout_s: float) -> bool:  # noqa: ANN001
    """True once ``check(client)`` holds; False if a failpoint killed the daemon first."""
    deadline = time.monotonic() + timeout_s
    while True:
        if lives.died(daemon):
            return False
        try:
            if _call(daemon, check):
                return True
        except Exception:  # noqa: BLE001 - it may be dying right now; died() decides
            if lives.died(daemon):
                return False
        if time.monotonic() > deadline:
            events = _call(daemon, lambda c: c.events(limit=20))
            raise AssertionError(f"the bot is stuck ({getattr(check, 'seen', '')}); events:\n" +
                                 "\n".join(e.message for e in events) + "\n" +
                                 daemon.output[-4000:])
        time.sleep(0.05)


def _online(bot_id: str):  # noqa: ANN202
    async def check(client) -> bool:  # noqa: ANN001
        return (await client.get_bot(bot_id)).state is BotState.ONLINE
    return check


def _decided(bot_id: str, ts_ms: int):  # noqa: ANN202
    async def check(client) -> bool:  # noqa: ANN001
        latest = await client.decisions(bot=bot_id, limit=1)
        check.seen = (latest[-1].ts_ms if latest else None, ts_ms)  # type: ignore[attr-defined]
        return bool(latest) and latest[-1].ts_ms >= ts_ms
    return check


async def _create(client) -> str:  # noqa: ANN001
    await client.put_template("quick_cross", QUICK_TEMPLATE)
    spec = BotSpec(name="mex-chaos", template="quick_cross", venue="bitmex", mode="testnet",
                   account="main", symbols=("BTCUSD",))
    return (await client.create_bot(spec, start=True)).id


def test_a_bitmex_bot_survives_sigkills_and_venue_faults(
        venue: ServerThread, home: Path, tmp_path: Path) -> None:
    figures = Figures("bitmex")
    lives = Lives(home, figures)
    control = Control(venue.server.base_url, figures)
    rng = random.Random(11)
    started = time.monotonic()
    bot_id = ""
    spent: Counter[str] = Counter()
    deck = FaultDeck(list(FAULTS), rng)
    # Every fault kind injected and every failpoint fired at least once, whatever the draws.
    while (figures.kills < TARGET_KILLS or figures.kinds_never_armed(list(FAULTS))
           or figures.points_never_killed()):
        points = f"after_journal:{CHANCE},after_send:{CHANCE},after_fill:{CHANCE}"
        t0 = time.monotonic()
        daemon = lives.start(f"{points};seed={figures.lives}" if bot_id else None)
        t1 = time.monotonic()
        spent["start"] += t1 - t0
        if daemon is None:
            continue
        if not bot_id:
            bot_id = _call(daemon, _create)
        if not _until(lives, daemon, _online(bot_id), 30):
            continue
        t2 = time.monotonic()
        spent["online"] += t2 - t1
        _life(lives, daemon, control, bot_id, rng, deck)
        spent["bars"] += time.monotonic() - t2
        if rng.random() < 0.4:
            control.advance()  # the market moves on while the daemon is down
    figures.found["kill_phase_s"] = round(time.monotonic() - started)
    figures.found.update({f"{k}_s": round(v) for k, v in spent.items()})

    control.post("/control/faults/clear")
    clean = lives.start(None)
    assert clean is not None
    try:
        assert _until(lives, clean, _online(bot_id), 30)
        for _ in range(3):  # the bot decides on new bars again: not stuck
            assert _until(lives, clean, _decided(bot_id, control.advance()), 20)
        found = _compare(venue, clean, bot_id)
        figures.found.update(found)
    finally:
        clean.kill()
        figures.faults_fired.update(
            h.split(" ")[0] for h in venue.call(lambda: list(venue.server.faults.history)))
        figures.seconds = time.monotonic() - started
        figures.write(tmp_path)
    assert figures.kills >= TARGET_KILLS
    assert not figures.kinds_never_armed(list(FAULTS)) and not figures.points_never_killed()
    assert found["clordid_accepted_twice"] == 0
    assert found["duplicate_fills"] == 0 and found["lost_fills"] == 0
    assert found["fills_unknown_to_server"] == 0
    assert found["position_mismatch"] == 0
    assert found["stuck_bots"] == 0
    assert found["fills"] > 0


def _life(lives: Lives, daemon: DaemonProcess, control: Control, bot_id: str,
          rng: random.Random, deck: FaultDeck) -> None:
    """A few bars with faults, then death: by a failpoint, or an external SIGKILL right
    after a bar closes (mid-processing) or after the bot has decided on it."""
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.7:
            control.inject(deck.draw())
        now = control.advance()
        if rng.random() < 0.3:
            time.sleep(rng.uniform(0.0, 0.3))
            lives.kill(daemon)
            return
        if not _until(lives, daemon, _decided(bot_id, now), 30):
            return
    time.sleep(rng.uniform(0.0, 0.2))
    lives.kill(daemon)


def _compare(venue: ServerThread, daemon: DaemonProcess, bot_id: str) -> dict[str, int]:
    server = venue.server
    accepted = venue.call(lambda: dict(server.exchange.accepted_orders))
    executions = venue.call(lambda: [dict(r) for r in server.exchange.executions
                                     if r["execType"] == "Trade"])

    async def server_position() -> Decimal:
        adapter = adapter_for(server)
        try:
            return {p.symbol: p.qty for p in await adapter.positions()}.get("BTCUSD",
                                                                           Decimal(0))
        finally:
            await adapter.close()

    at_server = venue.call(server_position)

    async def ours(client) -> tuple:  # noqa: ANN001
        return (await client.orders(bot=bot_id, limit=2000),
                await client.fills(bot=bot_id, limit=5000),
                await client.positions(bot=bot_id),
                await client.get_bot(bot_id),
                await client.events(bot=bot_id, kinds=[EventKind.ALERT], limit=500))

    orders, fills, positions, bot, alerts = _call(daemon, ours)
    our_ids = {o.client_id for o in orders}
    server_execs = Counter(r["execID"] for r in executions if r["clOrdID"] in our_ids)
    stored = Counter(f.fill_id for f in fills)
    held = positions[0].qty if positions else Decimal(0)
    return {
        "orders": len(orders),
        "clordids_accepted": len(accepted),
        "clordid_accepted_twice": sum(1 for n in accepted.values() if n > 1),
        "orders_unknown_to_us": len(set(accepted) - our_ids),
        "server_executions": sum(server_execs.values()),
        "fills": len(fills),
        "duplicate_fills": sum(n - 1 for n in stored.values() if n > 1),
        "lost_fills": sum((server_execs - stored).values()),
        "fills_unknown_to_server": sum((stored - server_execs).values()),
        "position_mismatch": int(held != at_server),
        "stuck_bots": int(bot.state is not BotState.ONLINE or bool(bot.needs_operator)),
        "position_alerts": sum("position check" in a.message for a in alerts),
    }
