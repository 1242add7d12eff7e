"""Paper bots in a real daemon, SIGKILLed over and over (failpoints and external kills): after
every restart they resume, and at the end they match a run that was never interrupted.

Asserted against the reference: zero duplicate client ids, zero lost or duplicate fills,
identical trades and orders, every bot online with its replay finished.
"""

from __future__ import annotations

import asyncio
import math
import random
import shutil
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.lifecycle import BotState
from plutarc.models.events import EventKind
from tests.chaos.harness import Figures, Lives
from tests.daemon.conftest import TEMPLATES, DaemonProcess, short_home
from tests.daemon.test_paper_parity import trade_key, wait_replayed
from tests.daemon.test_paper_restart import order_key

pytestmark = pytest.mark.slow

BARS = 3000
LABEL = f"speed=max;bars={BARS}"
SYMBOLS = {"chaos-btc": "BTCUSDT", "chaos-eth": "ETHUSDT"}
TARGET_KILLS = 30
CHANCE = 0.02  # per failpoint call; scalp_1m places ~800 orders in 3000 bars: each point fires
LIFE_S = (0.2, 1.5)  # an external SIGKILL comes this long after the daemon answers


@pytest.fixture
def home() -> Iterator[Path]:
    path = short_home()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _spec(name: str, symbol: str) -> BotSpec:
    return BotSpec(name=name, template="scalp_1m", venue="sim", mode="paper", account=LABEL,
                   symbols=(symbol,))


async def _create(daemon: DaemonProcess, prefix: str) -> dict[str, str]:
    async with daemon.client() as client:
        await client.put_template("scalp_1m", (TEMPLATES / "scalp_1m.toml").read_text())
        return {name: (await client.create_bot(_spec(prefix + name, symbol), start=True)).id
                for name, symbol in SYMBOLS.items()}


async def _finished(daemon: DaemonProcess, ids: list[str]) -> bool:
    try:
        async with daemon.client() as client:
            for bot_id in ids:
                events = await client.events(bot=bot_id, kinds=[EventKind.ACTIVITY], limit=20)
                if not any(e.message.startswith("replay finished") for e in events):
                    return False
            return True
    except Exception:  # noqa: BLE001 - a daemon dying under us is the point of the test
        return False


def _live_until(lives: Lives, daemon: DaemonProcess, ids: list[str], life_s: float) -> str:
    """'died' (a failpoint), 'due' (time for an external kill) or 'finished'."""
    end = time.monotonic() + life_s
    next_look = time.monotonic() + 0.5
    while True:
        if lives.died(daemon):
            return "died"
        now = time.monotonic()
        if now >= end:
            return "due"
        if now >= next_look:
            if asyncio.run(_finished(daemon, ids)):
                return "finished"
            next_look = time.monotonic() + 0.5
        time.sleep(0.05)


def _key(record, bot_id: str) -> tuple:  # noqa: ANN001 - FillRecord
    return (record.client_id.replace(bot_id, "", 1), record.side, record.qty, record.price,
            record.fee, record.ts_ms)


def test_paper_bots_survive_sigkills_and_match_an_uninterrupted_run(
        home: Path, tmp_path: Path) -> None:
    figures = Figures("paper")
    lives = Lives(home, figures)
    rng = random.Random(8)
    started = time.monotonic()
    ids: dict[str, str] = {}
    while True:
        # Go on until every failpoint has killed a daemon at least once, not only to a count.
        wanted = figures.kills < TARGET_KILLS or bool(figures.points_never_killed())
        armed = bool(ids) and wanted
        points = f"after_journal:{CHANCE},after_send:{CHANCE},after_fill:{CHANCE}"
        daemon = lives.start(f"{points};seed={figures.lives}" if armed else None)
        if daemon is None:
            continue
        if not ids:
            ids = asyncio.run(_create(daemon, ""))
        life_s = rng.uniform(*LIFE_S) if wanted else math.inf
        outcome = _live_until(lives, daemon, list(ids.values()), life_s)
        if outcome == "finished":
            daemon.signal(signal.SIGTERM)
            break
        if outcome == "due":
            lives.kill(daemon)
    figures.found["kill_phase_s"] = round(time.monotonic() - started)

    clean = lives.start(None)
    assert clean is not None
    try:
        found = asyncio.run(_compare(clean, ids))
        figures.found.update(found)
    finally:
        clean.kill()
        figures.seconds = time.monotonic() - started
        figures.write(tmp_path)
    assert figures.kills >= TARGET_KILLS and not figures.points_never_killed()
    assert found["duplicate_client_ids"] == 0 and found["duplicate_fills"] == 0
    assert found["lost_fills"] == 0 and found["extra_fills"] == 0
    assert found["trade_mismatches"] == 0 and found["order_mismatches"] == 0
    assert found["stuck_bots"] == 0


async def _compare(daemon: DaemonProcess, ids: dict[str, str]) -> dict[str, int]:
    found = Counter({k: 0 for k in ("duplicate_client_ids", "duplicate_fills", "lost_fills",
                                    "extra_fills", "trade_mismatches", "order_mismatches",
                                    "stuck_bots", "trades", "fills")})
    async with daemon.client() as client:
        await wait_replayed(client, list(ids.values()), 60)
        refs = {}
        for name, symbol in SYMBOLS.items():
            refs[name] = (await client.create_bot(_spec("ref-" + name, symbol), start=True)).id
        await wait_replayed(client, list(refs.values()), 120)
        for name, bot_id in ids.items():
            ref_id = refs[name]
            bot = await client.get_bot(bot_id)
            found["stuck_bots"] += bot.state is not BotState.ONLINE or bool(bot.needs_operator)
            orders = await client.orders(bot=bot_id, limit=5000)
            ref_orders = await client.orders(bot=ref_id, limit=5000)
            found["duplicate_client_ids"] += len(orders) - len({o.client_id for o in orders})
            mine, ref = Counter(map(order_key, orders)), Counter(map(order_key, ref_orders))
            found["order_mismatches"] += sum(((mine - ref) + (ref - mine)).values())
            fills = await client.fills(bot=bot_id, limit=5000)
            ref_fills = await client.fills(bot=ref_id, limit=5000)
            found["fills"] += len(fills)
            found["duplicate_fills"] += len(fills) - len({f.fill_id for f in fills})
            ours = Counter(_key(f, bot_id) for f in fills)
            theirs = Counter(_key(f, ref_id) for f in ref_fills)
            found["lost_fills"] += sum((theirs - ours).values())
            found["extra_fills"] += sum((ours - theirs).values())
            trades = [trade_key(t) for t in await client.trades(bot=bot_id, limit=5000)]
            ref_trades = [trade_key(t) for t in await client.trades(bot=ref_id, limit=5000)]
            found["trades"] += len(trades)
            found["trade_mismatches"] += sum(a != b for a, b in zip(trades, ref_trades,
                                                                   strict=False))
            found["trade_mismatches"] += abs(len(trades) - len(ref_trades))
    return dict(found)
