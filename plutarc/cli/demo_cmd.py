"""``plutarc demo``: a throw-away daemon with three paper bots replaying bundled real candles."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import typer

from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.client import DaemonClient, wait_until_answering
from plutarc.models.events import EventKind
from plutarc.paths import resolve_paths

DEMO_BOTS = (  # (bot name, system template, symbol)
    ("demo-scalp-btc", "scalp_1m", "BTCUSDT"),
    ("demo-meanrev-eth", "mean_reversion", "ETHUSDT"),
    ("demo-trend-btc", "trend_following", "BTCUSDT"),
)
SHOWN = (EventKind.DECISION, EventKind.ORDER, EventKind.FILL, EventKind.TRADE,
         EventKind.POSITION, EventKind.ACTIVITY, EventKind.BOT_STATE)


def demo(
    no_tui: bool = typer.Option(False, "--no-tui", help="Stream activity as text, no TUI."),
    duration: float | None = typer.Option(None, "--duration", min=0.5,
                                          help="Stop after this many seconds (default: Ctrl-C)."),
    speed: str = typer.Option("600", "--speed", help="Replay speed: 'max' or a multiple of "
                              "real time (600 = ten minutes of candles per second)."),
) -> None:
    """Start a temporary daemon with paper bots on real BTC/ETH candles; Ctrl-C ends it all."""
    home = Path(tempfile.mkdtemp(prefix="plutarc-demo-", dir="/tmp"))
    paths = resolve_paths({"PLUTARC_HOME": str(home)})
    env = {**os.environ, "PLUTARC_HOME": str(home)}
    out = open(home / "daemon.out", "ab")  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen([sys.executable, "-m", "plutarc", "daemon", "run"], env=env,
                            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    tui_crashed = False
    try:
        asyncio.run(_prepare(paths.socket, speed, lambda: proc.poll() is None))
        typer.echo(f"demo daemon (pid {proc.pid}) on {paths.socket}: "
                   f"{len(DEMO_BOTS)} paper bots replaying at {speed}x")
        if not no_tui and _tui_available():
            from plutarc.tui.app import make_app
            from plutarc.tui.settings import TuiSettings

            tui = make_app(TuiSettings(socket_path=paths.socket))
            tui.run()
            tui_crashed = bool(tui.return_code) and proc.poll() is None
        else:
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(_stream(paths.socket, duration))
    finally:
        out.close()
        if not tui_crashed:
            _stop(proc)
            shutil.rmtree(home, ignore_errors=True)
    if tui_crashed:
        # A TUI failure never takes the daemon (and the bots' state) down with it.
        typer.echo(f"the TUI stopped on an error; the demo daemon (pid {proc.pid}) is still "
                   f"running. Attach again: PLUTARC_HOME={home} plutarc tui ; stop it: "
                   f"PLUTARC_HOME={home} plutarc daemon stop", err=True)
        raise typer.Exit(1)
    typer.echo("demo daemon stopped")


async def _prepare(socket: Path, speed: str, alive) -> None:  # noqa: ANN001 - () -> bool
    from plutarc.daemon.paper.replay import replay_spec
    from plutarc.strategy.template_catalog import find_template

    replay = replay_spec(speed, None, None)  # a bad --speed fails here, not inside the daemon
    await wait_until_answering(socket, 30.0, alive)
    async with DaemonClient(socket) as client:
        for name, template, symbol in DEMO_BOTS:
            await client.put_template(template, find_template(template).read_text())
            await client.create_bot(BotSpec(name=name, template=template, venue="sim",
                                            mode="paper", replay=replay, symbols=(symbol,)),
                                    start=True)


async def _stream(socket: Path, duration: float | None) -> None:
    async with DaemonClient(socket) as client:
        names = {b.id: b.name for b in await client.list_bots()}

        async def follow() -> None:
            async for event in client.stream(kinds=SHOWN):
                who = names.get(event.bot_id or "", "daemon")
                typer.echo(f"{event.kind.value:<9} {who:<17} {event.message}")

        if duration is None:
            await follow()
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(follow(), duration)


def _tui_available() -> bool:
    try:
        from plutarc.tui.app import make_app  # noqa: F401
    except ImportError:
        return False
    return True


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


app = demo
