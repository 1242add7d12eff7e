"""``plutarc doctor``: the daemon answers (a real one), and the clock is measured against the
venues configured (the local BitMEX server, its clock set apart from ours when needed)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from plutarc.cli.main import run
from plutarc.clock import WallClock
from plutarc.daemon.bot_config import BotSpec
from plutarc.exchanges.bitmex_sim import SimServer
from tests.daemon.conftest import TEMPLATE, TEMPLATE_NAME, DaemonProcess
from tests.exchanges.bitmex.conftest import sim_config


class AheadClock:
    def __init__(self, ahead_ms: int) -> None:
        self.ahead_ms = ahead_ms

    def now_ms(self) -> int:
        return WallClock().now_ms() + self.ahead_ms


class SimThread:
    """The local BitMEX server on its own loop, so doctor runs as it does: synchronously."""

    def __init__(self, ahead_ms: int = 0) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        clock = AheadClock(ahead_ms) if ahead_ms else None
        self.server: SimServer = self.call(
            lambda: SimServer(sim_config(warmup_bars=10), auth_clock=clock).start())

    def call(self, fn: Callable[[], Any]) -> Any:
        async def go() -> Any:
            value = fn()
            return await value if asyncio.iscoroutine(value) else value

        return asyncio.run_coroutine_threadsafe(go(), self.loop).result(20)

    def close(self) -> None:
        self.call(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def sim() -> Iterator[SimThread]:
    srv = SimThread()
    yield srv
    srv.close()


@pytest.fixture
def clean_env(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PLUTARC_HOME", str(home))
    for name in ("PLUTARC_BITMEX_URL", "PLUTARC_BITMEX_CONFIG", "PLUTARC_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return home


def doctor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, dict]]:
    code = run(["doctor", "--json", *args])
    rows = json.loads(capsys.readouterr().out)
    return code, {row["check"]: row for row in rows}


def test_a_running_daemon_answers_and_its_bots_venue_clock_is_measured(
        clean_env: Path, sim: SimThread, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the daemon's bot says BitMEX is in use: no PLUTARC_BITMEX_URL, just its settings.
    monkeypatch.setenv("PLUTARC_BITMEX_CONFIG", json.dumps({"rest_url": sim.server.rest_url}))
    daemon = DaemonProcess(clean_env).start()
    try:
        code, rows = doctor(capsys)
        assert rows["daemon"]["status"] == "ok", rows["daemon"]
        assert rows["daemon"]["detail"].startswith(f"answers on {daemon.paths.socket}")
        assert "clock vs bitmex" not in rows  # no venue in use yet
        assert rows["clock skew"]["detail"].startswith("not checked: no venue configured")

        async def add_bot() -> None:
            async with daemon.client() as client:
                await client.put_template(TEMPLATE_NAME, TEMPLATE)
                await client.create_bot(BotSpec(name="mex-paper", template=TEMPLATE_NAME,
                                                venue="bitmex", mode="paper",
                                                symbols=("XBTUSD",)))

        asyncio.run(add_bot())
        code, rows = doctor(capsys)
        clock = rows["clock vs bitmex"]
        assert clock["status"] == "ok", clock
        assert clock["detail"].endswith(f"against {sim.server.rest_url}")
        assert abs(float(clock["detail"].split(" s ")[0])) < 2.0
        assert code == 0, rows
    finally:
        daemon.signal(signal.SIGTERM)


def test_a_clock_apart_from_the_venue_fails_with_the_fix(
        clean_env: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    ahead = SimThread(ahead_ms=30_000)  # the venue's clock is 30 s in front of ours
    try:
        monkeypatch.setenv("PLUTARC_BITMEX_URL", ahead.server.base_url)
        code, rows = doctor(capsys)
    finally:
        ahead.close()
    clock = rows["clock vs bitmex"]
    assert clock["status"] == "FAIL" and code == 1
    assert 28.0 < float(clock["detail"].split(" s ")[0]) < 32.0, clock
    assert "NTP" in clock["fix"]
    assert rows["daemon"]["detail"] == "not running (no pid file, no socket)"


def test_an_unreachable_venue_is_a_warning_not_a_crash(
        clean_env: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("PLUTARC_BITMEX_URL", f"http://127.0.0.1:{port}")
    code, rows = doctor(capsys)
    clock = rows["clock vs bitmex"]
    assert clock["status"] == "WARN" and "unreachable" in clock["detail"], clock
    assert code == 0, rows


def test_a_daemon_that_does_not_answer_is_a_failure(
        clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = clean_env / "run"
    run_dir.mkdir(mode=0o700)
    (run_dir / "plutarc.pid").write_text(f"{os.getpid()}\n")  # alive, but not a daemon
    code, rows = doctor(capsys)
    assert rows["daemon"]["status"] == "FAIL" and code == 1
    assert "no answer on" in rows["daemon"]["detail"]
    assert "plutarc daemon start" in rows["daemon"]["fix"]
