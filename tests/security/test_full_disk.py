"""Issue 23 item 5: a full disk does not take the kill switch away.

A real daemon whose database writes fail as on a full disk (SQLITE_FULL, rehearsed with
PLUTARC_DISK_FULL_FILE): the kill switch, flatten and pause still reach the bots and say
what could not be recorded; once space is back, the journal works again. 'daemon start' on a
full disk says so in one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from plutarc.daemon.bot_config import BotSpec
from plutarc.errors import DiskFull
from tests.daemon.conftest import (
    REPO,
    TEMPLATE,
    TEMPLATE_NAME,
    DaemonProcess,
    daemon_env,
    short_home,
)


@pytest.fixture
def full_disk_daemon(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[DaemonProcess, Path]]:
    home = short_home()
    flag = home / "disk-is-full"
    monkeypatch.setenv("PLUTARC_DISK_FULL_FILE", str(flag))
    daemon = DaemonProcess(home).start()
    yield daemon, flag
    flag.unlink(missing_ok=True)
    if daemon.proc is not None and daemon.proc.poll() is None:
        daemon.signal(signal.SIGTERM)
    shutil.rmtree(home, ignore_errors=True)


async def _running_bots(client, names: list[str]) -> None:  # noqa: ANN001
    await client.put_template(TEMPLATE_NAME, TEMPLATE)
    for name in names:
        await client.create_bot(BotSpec(name=name, template=TEMPLATE_NAME, venue="idle",
                                        mode="paper", symbols=("BTCUSDT",)), start=True)
    while {b.name: b.state.value for b in await client.list_bots()} != dict.fromkeys(
            names, "online"):
        await asyncio.sleep(0.05)


def test_the_kill_switch_flatten_and_pause_work_with_a_full_disk(full_disk_daemon):
    daemon, flag = full_disk_daemon

    async def scenario() -> None:
        async with daemon.client() as client:
            await _running_bots(client, ["full-a", "full-b", "full-c"])
            flag.touch()  # from here on, nothing can be written
            with pytest.raises(DiskFull, match="flatten of full-b done, but the disk is full"):
                await client.bot_action("full-b", "flatten")
            with pytest.raises(DiskFull, match="pause of full-c done"):
                await client.bot_action("full-c", "pause")
            report = await client.panic("disk full drill")
            assert sorted(report.halted) == ["full-a", "full-b", "full-c"]
            assert "full-a: state paused (kill switch)" in report.not_recorded
            assert "audit row kill_switch" in report.not_recorded
            assert (await client.status()).pid == daemon.proc.pid  # still serving
            with pytest.raises(DiskFull, match="could not be written, so it was not done"):
                await client.put_template(TEMPLATE_NAME, TEMPLATE + "\n")  # others: refused
            assert {b.state.value for b in await client.list_bots()} == {"online"}
            flag.unlink()  # space is back: what was not recorded is written now
            while {b.state.value for b in await client.list_bots()} != {"paused"}:
                await asyncio.sleep(0.1)
            bots = {b.name: b for b in await client.list_bots()}
            assert bots["full-a"].state_reason == "kill switch"
            assert bots["full-b"].state_reason.startswith("flattened by")
            assert bots["full-c"].state_reason.startswith("paused by")
            while not any(r.action == "kill_switch" for r in await client.audit(target="*")):
                await asyncio.sleep(0.1)
            actions = {r.action for r in await client.audit(limit=1000)}
            assert {"bot.flatten", "bot.pause", "bot.kill_switch"} <= actions
            report = await client.panic("after the drill")
            assert report.not_recorded == []

    asyncio.run(scenario())
    assert "not recorded, the disk is full" in daemon.output


def test_daemon_start_on_a_full_disk_says_so_in_one_line():
    home = short_home()
    flag = home / "disk-is-full"
    flag.touch()
    env = {**daemon_env(home), "PLUTARC_DISK_FULL_FILE": str(flag)}
    env.pop("PLUTARC_KEYS_PASSPHRASE", None)
    DaemonProcess(home)  # its settings file
    try:
        done = subprocess.run([sys.executable, "-m", "plutarc", "daemon", "start"], env=env,
                              cwd=REPO, capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)
        assert done.returncode == 6, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "the disk is full" in lines[0], done.stderr
        assert "Traceback" not in done.stderr
    finally:
        pid_file = home / "run" / "plutarc.pid"
        if pid_file.exists() and pid_file.read_text().strip().isdigit():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)
        shutil.rmtree(home, ignore_errors=True)
