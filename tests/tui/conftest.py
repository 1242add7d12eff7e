"""A real daemon process on a short temporary home, and an API client for the TUI tests."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.client import DaemonClient, wait_until_answering
from plutarc.paths import Paths, resolve_paths

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_NAME = "reference_ema_cross"  # a real shipped template: the daemon validates it
TEMPLATE = (REPO / "configs" / "templates" / f"{TEMPLATE_NAME}.toml").read_text()


class Daemon:
    """``python -m plutarc daemon run`` with PLUTARC_HOME=home; output in home/daemon.out."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.paths: Paths = resolve_paths({"PLUTARC_HOME": str(home)})
        self.env = {**os.environ, "PLUTARC_HOME": str(home)}
        self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO),
                                                               os.environ.get("PYTHONPATH")]))
        self.paths.config_dir.mkdir(parents=True, exist_ok=True)
        self.paths.config_file.write_text("[daemon]\nheartbeat_interval_s = 0.2\n")
        self.proc: subprocess.Popen[bytes] | None = None

    def spawn(self) -> None:
        with open(self.home / "daemon.out", "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "plutarc", "daemon", "run"],
                                         env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, cwd=self.home)

    async def answering(self) -> None:
        proc = self.proc
        assert proc is not None
        await wait_until_answering(self.paths.socket, 20.0, lambda: proc.poll() is None)

    def start(self) -> Daemon:
        self.spawn()
        asyncio.run(self.answering())
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def client(self) -> DaemonClient:
        return DaemonClient(self.paths.socket)


# Environment variables that change how Textual renders; a user's shell may set any of them
# (NO_COLOR=1 made 4 snapshots fail). Tests pin them so they pass in any environment.
RENDERING_ENV = ("NO_COLOR", "FORCE_COLOR", "TEXTUAL_COLOR_SYSTEM", "TEXTUAL_ANIMATIONS",
                 "TEXTUAL_FPS", "TEXTUAL_THEME")


@pytest.fixture(autouse=True)
def _pinned_rendering_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in RENDERING_ENV:
        monkeypatch.delenv(name, raising=False)


def spec(name: str, symbols: tuple[str, ...] = ("BTCUSDT",)) -> BotSpec:
    # "idle" bots run the real lifecycle (states, heartbeats, pause/resume, activity) without
    # a replay's flood of events; test_fleet has one paper bot on the "sim" venue too.
    return BotSpec(name=name, template=TEMPLATE_NAME, venue="idle", mode="paper",
                   symbols=symbols)


def _run_daemon() -> Iterator[Daemon]:
    # Unix socket paths must stay under 108 bytes: pytest's tmp_path can be longer.
    home = Path(tempfile.mkdtemp(prefix="ptui", dir="/tmp"))
    proc = Daemon(home)
    try:
        proc.start()
        asyncio.run(_store_template(proc))
        yield proc
    finally:
        proc.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def daemon() -> Iterator[Daemon]:
    """One daemon per test module: tests there use their own bot names and never count all."""
    yield from _run_daemon()


@pytest.fixture
def fresh_daemon() -> Iterator[Daemon]:
    """A daemon of this test's own: for restarting it, or for exact screens."""
    yield from _run_daemon()


async def _store_template(daemon: Daemon) -> None:
    async with daemon.client() as client:
        await client.put_template(TEMPLATE_NAME, TEMPLATE)
