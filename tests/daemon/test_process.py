"""The daemon as a process: one per home, clean SIGTERM, restore after SIGKILL, the CLI."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from plutarc.cli.main import run
from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.paper.replay import DEFAULT_FILES
from plutarc.daemon.process import lock_holder, read_pid
from plutarc.daemon.store import DaemonStore
from tests.daemon.conftest import TEMPLATE, TEMPLATE_NAME, DaemonProcess, daemon_env, wait_for


def states(daemon: DaemonProcess) -> dict[str, BotState]:
    async def fetch() -> dict[str, BotState]:
        async with daemon.client() as c:
            return {b.name: b.state for b in await c.list_bots()}
    return asyncio.run(fetch())


def make_fleet(daemon: DaemonProcess) -> None:
    """Four bots, one in each settled state: online, paused, stopped, errored."""
    async def build() -> None:
        async with daemon.client() as c:
            await c.put_template(TEMPLATE_NAME, TEMPLATE)
            for name, venue in (("on", "sim"), ("pa", "sim"), ("st", "sim"), ("er", "crashy")):
                spec = BotSpec(name=name, template=TEMPLATE_NAME, venue=venue, mode="paper",
                               symbols=("BTCUSDT",))
                await c.create_bot(spec, start=name != "st")
    asyncio.run(build())
    wait_for(lambda: states(daemon)["pa"] is BotState.ONLINE)
    asyncio.run(_act(daemon, "pa", "pause"))
    wait_for(lambda: states(daemon)["er"] is BotState.ERRORED)


async def _act(daemon: DaemonProcess, ref: str, action: str) -> None:
    async with daemon.client() as c:
        await c.bot_action(ref, action)


FLEET = {"on": BotState.ONLINE, "pa": BotState.PAUSED, "st": BotState.STOPPED,
         "er": BotState.ERRORED}


@pytest.mark.slow
def test_sigterm_exits_0_keeps_bot_states_and_a_restart_resumes_them(home: Path):
    first = DaemonProcess(home).start()
    make_fleet(first)

    assert first.signal(signal.SIGTERM) == 0
    assert "received SIGTERM: shutting down" in first.output
    assert not first.paths.socket.exists() and not first.paths.pid_file.exists()
    store = DaemonStore.open(first.paths.database)
    assert {b.name: b.state for b in store.bots.all()} == FLEET
    assert "daemon stopped" in [e.message for e in store.events.query(limit=5)]
    store.close()

    second = DaemonProcess(home).start()
    try:
        wait_for(lambda: states(second) == FLEET)
    finally:
        second.signal(signal.SIGTERM)


@pytest.mark.slow
def test_sigkill_then_restart_restores_every_bot_and_replaces_the_stale_pid_file(home: Path):
    first = DaemonProcess(home).start()
    make_fleet(first)
    killed_pid = first.proc.pid  # type: ignore[union-attr]
    first.signal(signal.SIGKILL)
    assert read_pid(first.paths.pid_file) == killed_pid  # left behind, unlocked
    assert lock_holder(first.paths.pid_file) is None

    second = DaemonProcess(home).start()
    try:
        assert f"replaced a stale pid file: daemon pid {killed_pid} is gone" in second.output
        assert read_pid(second.paths.pid_file) == second.proc.pid  # type: ignore[union-attr]
        wait_for(lambda: states(second) == FLEET)
        beat = asyncio.run(_heartbeat(second, "on"))
        wait_for(lambda: asyncio.run(_heartbeat(second, "on")) > beat)  # resumed, beating
    finally:
        second.signal(signal.SIGTERM)


async def _heartbeat(daemon: DaemonProcess, ref: str) -> int:
    async with daemon.client() as c:
        return (await c.get_bot(ref)).last_heartbeat_ms or 0


def test_a_second_daemon_on_the_same_home_refuses_to_start_naming_the_pid(home: Path):
    first = DaemonProcess(home).start()
    try:
        second = subprocess.run([sys.executable, "-m", "plutarc", "daemon", "run"],
                                env=daemon_env(home), capture_output=True, text=True, timeout=30)
        assert second.returncode == 4
        assert (f"a daemon is already running for this plutarc home "
                f"(pid {first.proc.pid}") in second.stderr  # type: ignore[union-attr]
        assert states(first) == {}  # the first one is untouched
    finally:
        assert first.signal(signal.SIGTERM) == 0


def test_bot_commands_through_the_cli(home: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("PLUTARC_HOME", str(home))
    assert run(["bot", "list"]) == 3
    assert "no daemon is running at" in capsys.readouterr().err

    daemon = DaemonProcess(home).start()
    try:
        asyncio.run(_put_template(daemon))
        assert run(["bot", "create", "cli-bot", "--template", TEMPLATE_NAME, "--symbol", "BTCUSDT",
                    "--symbol", "ETHUSDT", "--venue", "sim", "--mode", "paper"]) == 0
        assert "bot cli-bot: stopped" in capsys.readouterr().out
        assert run(["bot", "start", "cli-bot"]) == 0
        assert "bot cli-bot: online" in capsys.readouterr().out
        for action, state in (("pause", "paused"), ("resume", "online"), ("flatten", "paused"),
                              ("stop", "stopped")):
            assert run(["bot", action, "cli-bot", "--json"]) == 0
            assert json.loads(capsys.readouterr().out)["state"] == state
        assert run(["bot", "list", "--json"]) == 0
        [listed] = json.loads(capsys.readouterr().out)
        assert (listed["name"], listed["symbols"]) == ("cli-bot", ["BTCUSDT", "ETHUSDT"])
        assert run(["bot", "show", "cli-bot"]) == 0
        assert "risk.max_leverage" in capsys.readouterr().out
        assert run(["bot", "pause", "cli-bot"]) == 2
        assert "cannot pause bot 'cli-bot': it is stopped" in capsys.readouterr().err
        assert run(["bot", "create", "x", "--template", TEMPLATE_NAME, "--symbol", "B",
                    "--venue", "sim", "--mode", "real"]) == 2
        assert "mode: Input should be 'live', 'testnet' or 'paper'" in capsys.readouterr().err
        assert run(["bot", "delete", "cli-bot", "--yes"]) == 0
        assert "bot cli-bot: deleted" in capsys.readouterr().out
        assert run(["bot", "show", "cli-bot"]) == 2
        assert "no bot named or with id 'cli-bot'" in capsys.readouterr().err
        assert run(["daemon", "status", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["bots"]["stopped"] == 0
    finally:
        daemon.signal(signal.SIGTERM)


def test_paper_replay_options_of_bot_create(home: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("PLUTARC_HOME", str(home))
    daemon = DaemonProcess(home).start()
    base = ["bot", "create", "--template", TEMPLATE_NAME, "--symbol", "BTCUSDT", "--venue"]
    try:
        asyncio.run(_put_template(daemon))
        assert run([*base[:2], "replayer", *base[2:], "sim", "--replay-speed", "600",
                    "--replay-bars", "500", "--json"]) == 0
        created = json.loads(capsys.readouterr().out)
        assert created["account"] == "" and created["replay"] == {
            "speed": "600", "file": None, "bars": 500, "funding": None, "oi": None}
        assert run([*base[:2], "funded", *base[2:], "sim", "--replay-speed", "600",
                    "--replay-funding", "BTCUSDT_funding.csv", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["replay"]["funding"] == "BTCUSDT_funding.csv"
        # replay files are a field of their own: a path far past the old label's 49 characters
        allowed = home / "data" / "data"
        allowed.mkdir(parents=True, exist_ok=True)
        long_file = allowed / ("btc-minutes-" + "x" * 120 + ".csv.gz")
        long_file.write_bytes(DEFAULT_FILES["BTCUSDT"].read_bytes())
        assert run([*base[:2], "long-path", *base[2:], "sim", "--replay-file", str(long_file),
                    "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["replay"]["file"] == str(long_file.resolve())
        refusals = [
            (["sim", "--replay-speed", "fast"], "replay speed 'fast' must be 'max'"),
            (["sim", "--replay-file", str(home / "data" / "data" / "none.csv")],
             "none.csv for BTCUSDT does not exist"),
            (["sim", "--replay-file", str(home / "none.csv")],  # not where the owner allows
             "is not in a directory the owner allows"),
            (["sim", "--replay-funding", str(home / "f.csv")],  # not where the owner allows
             "is not in a directory the owner allows"),
            (["bitmex", "--replay-speed", "60"], "for paper bots on the sim venue"),
            (["sim", "--replay-speed", "60", "--account", "speed=1"], "not both"),
            (["sim", "--account", "speed=1;colour=red"], "'colour=red' is not one of"),
        ]
        for n, (args, message) in enumerate(refusals):
            assert run([*base[:2], f"bad-{n}", *base[2:], *args]) != 0
            assert message in capsys.readouterr().err
        assert run(["bot", "list", "--json"]) == 0
        assert sorted(b["name"] for b in json.loads(capsys.readouterr().out)) == [
            "funded", "long-path", "replayer"]
    finally:
        daemon.signal(signal.SIGTERM)


async def _put_template(daemon: DaemonProcess) -> None:
    async with daemon.client() as c:
        await c.put_template(TEMPLATE_NAME, TEMPLATE)


@pytest.mark.slow
def test_daemon_start_status_stop_from_the_cli(home: Path):
    def plutarc(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "plutarc", *args], env=daemon_env(home),
                              capture_output=True, text=True, timeout=60)

    DaemonProcess(home)  # writes the test settings
    started = plutarc("daemon", "start", "--timeout", "30")
    assert started.returncode == 0, started.stderr
    pid = read_pid(DaemonProcess(home).paths.pid_file)
    assert f"daemon started (pid {pid})" in started.stdout
    try:
        status = plutarc("daemon", "status", "--json")
        assert status.returncode == 0 and json.loads(status.stdout)["pid"] == pid
    finally:
        stopped = plutarc("daemon", "stop")
    assert stopped.returncode == 0 and f"daemon stopped (pid {pid})" in stopped.stdout
    assert lock_holder(DaemonProcess(home).paths.pid_file) is None


def test_daemon_start_and_run_refuse_a_bad_settings_file_with_the_same_code_and_line(home: Path):
    def plutarc(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "plutarc", *args], env=daemon_env(home),
                              capture_output=True, text=True, timeout=60)

    paths = DaemonProcess(home).paths
    paths.config_file.write_text("[daemon]\nheartbeat_interval_s = 'often'\n")
    ran = plutarc("daemon", "run")
    started = plutarc("daemon", "start", "--timeout", "20")
    assert (ran.returncode, started.returncode) == (4, 4)
    assert "heartbeat_interval_s" in started.stderr
    assert started.stderr.strip() == ran.stderr.strip()
    assert lock_holder(paths.pid_file) is None  # nothing was left running


@pytest.mark.slow
def test_daemon_start_when_one_is_running_says_so_and_exits_0(home: Path):
    def plutarc(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "plutarc", *args], env=daemon_env(home),
                              capture_output=True, text=True, timeout=60)

    first = DaemonProcess(home).start()
    try:
        again = plutarc("daemon", "start")
        assert again.returncode == 0, again.stderr
        assert f"already running for this plutarc home (pid {first.proc.pid})" in again.stdout  # type: ignore[union-attr]
    finally:
        assert first.signal(signal.SIGTERM) == 0
