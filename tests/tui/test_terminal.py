"""``plutarc tui`` in a real terminal (tmux): what a person sees, and keys they press."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.tui.conftest import Daemon, spec

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None,
                                reason="tmux is not installed: the real-terminal test needs it")


def terminal_env() -> dict[str, str]:
    """This process's environment for the tmux client, less $COLUMNS/$LINES: a test run
    before may have left them set (Textual and rich read them before the terminal's own
    size), and the TUI must size itself from tmux's 100x30 pane."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return {**env, "TERM": "xterm-256color"}


@pytest.fixture
def session(daemon: Daemon) -> Iterator[str]:
    name = f"plutarc-tui-{uuid.uuid4().hex[:8]}"
    command = f"{sys.executable} -m plutarc tui"
    env = [arg for key in ("PLUTARC_HOME", "PYTHONPATH")
           for arg in ("-e", f"{key}={daemon.env[key]}")]
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "100", "-y", "30", *env,
                    command], check=True, env=terminal_env())
    try:
        yield name
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], check=False,
                       capture_output=True)


def screen(name: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", name], check=True,
                          capture_output=True, text=True).stdout


def wait_for_text(name: str, *texts: str, timeout_s: float = 15.0) -> str:
    deadline = time.monotonic() + timeout_s
    while True:
        shown = screen(name)
        if all(t in shown for t in texts):
            return shown
        if time.monotonic() > deadline:
            raise AssertionError(f"never saw {texts!r} on screen; last screen:\n{shown}")
        time.sleep(0.1)


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s} s")
        time.sleep(0.1)


def test_a_person_sees_the_fleet_pauses_a_bot_and_quits(daemon: Daemon, session: str) -> None:
    async def create() -> None:
        async with daemon.client() as api:
            await api.create_bot(spec("tmux-bot", ("BTCUSDT", "ETHUSDT")), start=True)

    asyncio.run(create())
    shown = wait_for_text(session, "tmux-bot", "online", "BTCUSDT ETHUSDT", "Heartbeat")
    assert "Pause" in shown and "Flatten" in shown  # the footer lists the keys

    subprocess.run(["tmux", "send-keys", "-t", session, "p"], check=True)
    wait_for_text(session, "paused")

    subprocess.run(["tmux", "send-keys", "-t", session, "?"], check=True)
    wait_for_text(session, "plutarc TUI", "command palette")
    subprocess.run(["tmux", "send-keys", "-t", session, "Escape"], check=True)
    wait_until(lambda: "plutarc TUI" not in screen(session), "the help closes")

    subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
    wait_until(lambda: subprocess.run(["tmux", "has-session", "-t", session],
                                      capture_output=True).returncode != 0, "q quits")
