"""Hot configuration: API call -> the running bot says it took the change, in a real daemon.

20 paper bots replay at 60x real time (a candle a second) in a real daemon process. Each
round changes one bot's template, or pauses/resumes it, through the API and times the moment
the bot's own activity event (not the API's answer) arrives on the event stream. Target:
within 100 ms. Risk limits are read by the gate at each order, so they apply at once.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from plutarc.daemon.bot_config import BotSpec, ConfigPatch
from plutarc.daemon.client import DaemonClient, wait_until_answering
from plutarc.models.events import EventKind
from plutarc.paths import resolve_paths
from plutarc.strategy.template_catalog import find_template

BOTS, ROUNDS = 20, 60
TEMPLATES = ("trend_following", "mean_reversion")
SYMBOLS = ("BTCUSDT", "ETHUSDT")


async def measure(socket: Path) -> dict[str, list[float]]:
    async with DaemonClient(socket) as client:
        for name in TEMPLATES:
            await client.put_template(name, find_template(name).read_text())
        names = [f"hot-{n}" for n in range(BOTS)]
        for n, name in enumerate(names):
            await client.create_bot(BotSpec(
                name=name, template=TEMPLATES[0], venue="sim", mode="paper",
                account="speed=60", symbols=(SYMBOLS[n % 2],)), start=True)
        ids = {b.name: b.id for b in await client.list_bots()}
        await asyncio.sleep(3)  # every bot online and replaying
        acks: asyncio.Queue = asyncio.Queue()

        async def listen() -> None:
            async with DaemonClient(socket) as listener:
                async for event in listener.stream(kinds=[EventKind.ACTIVITY]):
                    acks.put_nowait((time.perf_counter(), event))

        listener = asyncio.create_task(listen())
        await asyncio.sleep(0.5)
        timings: dict[str, list[float]] = {"template": [], "pause": [], "resume": []}
        for k in range(ROUNDS):
            name = names[(k // 3) % BOTS]  # each bot: template change, pause, resume
            kind = ("template", "pause", "resume")[k % 3]
            while not acks.empty():
                acks.get_nowait()
            started = time.perf_counter()
            if kind == "template":
                new = TEMPLATES[(k // (3 * BOTS) + 1) % 2]
                await client.update_config(name, ConfigPatch(template=new))
                words = ("now trading template", "waits until the bot is flat")
            else:
                await client.bot_action(name, kind)
                words = ("paused:",) if kind == "pause" else ("resumed:",)
            while True:
                at, event = await asyncio.wait_for(acks.get(), 10)
                if event.bot_id == ids[name] and any(w in event.message for w in words):
                    timings[kind].append(at - started)
                    break
        listener.cancel()
        return timings


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="hot", dir="/tmp"))
    env = {**os.environ, "PLUTARC_HOME": str(home)}
    paths = resolve_paths(env)
    daemon = subprocess.Popen([sys.executable, "-m", "plutarc", "daemon", "run"], env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        asyncio.run(wait_until_answering(paths.socket, 30, lambda: daemon.poll() is None))
        timings = asyncio.run(measure(paths.socket))
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(30)
        shutil.rmtree(home, ignore_errors=True)
    print(f"{BOTS} paper bots at 60x in a real daemon; API call -> the bot's own activity "
          "event on the stream:")
    for kind, values in timings.items():
        ms = np.array(values) * 1000
        print(f"  {kind:8s} n={len(ms):3d}  p50 {np.percentile(ms, 50):6.2f} ms  "
              f"p99 {np.percentile(ms, 99):6.2f} ms  max {ms.max():6.2f} ms")


if __name__ == "__main__":
    main()
