"""Bots only on venues and modes a worker serves (issue 15, item 10), through a real daemon.

A bot on a venue nobody registered (``ftx``, ``nosuch``) or in a mode its venue lacks
(``sim`` live) used to be stored and shown ``online (ready)`` by an idle stand-in.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
from collections.abc import Iterator

import pytest

from plutarc import __version__
from plutarc.cli.main import run
from plutarc.daemon.bot_config import BotSpec, RiskLimits
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.store import BotRecord, DaemonStore
from plutarc.errors import UsageError
from tests.daemon.conftest import TEMPLATE, TEMPLATE_NAME, DaemonProcess, short_home, wait_for

BASE = ["bot", "create", "--template", TEMPLATE_NAME, "--symbol", "XBTUSD"]


def _stored_bot(name: str, venue: str, state: BotState) -> BotRecord:
    return BotRecord(id="b" + name.replace("-", "")[:10].ljust(10, "0"), name=name,
                     template=TEMPLATE_NAME, venue=venue, account="", mode="paper",
                     symbols=("XBTUSD",), risk=RiskLimits(), state=state, state_reason="",
                     plutarc_version=__version__, created_ms=1, updated_ms=1,
                     last_heartbeat_ms=None, config_version=1)


@pytest.fixture(scope="module")
def daemon() -> Iterator[DaemonProcess]:
    """A daemon whose database already holds bots on 'ftx' (stored before the check)."""
    home = short_home()
    proc = DaemonProcess(home)
    store = DaemonStore.open(proc.paths.database)
    store.templates.put(TEMPLATE_NAME, TEMPLATE, 1)
    store.bots.insert(_stored_bot("old-online", "ftx", BotState.ONLINE))
    store.bots.insert(_stored_bot("old-stopped", "ftx", BotState.STOPPED))
    store.close()
    proc.start()
    yield proc
    if proc.proc is not None and proc.proc.poll() is None:
        proc.signal(signal.SIGTERM)
    shutil.rmtree(home, ignore_errors=True)


def bots(daemon: DaemonProcess) -> dict[str, BotRecord]:
    async def fetch() -> dict[str, BotRecord]:
        async with daemon.client() as c:
            return {b.name: b for b in await c.list_bots()}
    return asyncio.run(fetch())


@pytest.mark.parametrize(("name", "venue", "mode", "said"), [
    ("on-ftx", "ftx", "paper", "unknown venue 'ftx'; available: "),
    ("on-nosuch", "nosuch", "live", "unknown venue 'nosuch'; available: "),
    ("sim-live", "sim", "live", "no live mode on the 'sim' venue, which only trades on paper; "),
    ("sim-testnet", "sim", "testnet", "no testnet mode on the 'sim' venue"),
])
def test_create_on_a_venue_or_mode_nobody_serves_is_refused_and_stores_nothing(
        daemon: DaemonProcess, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], name: str, venue: str, mode: str, said: str):
    monkeypatch.setenv("PLUTARC_HOME", str(daemon.home))
    before = bots(daemon)
    assert run([*BASE[:2], name, *BASE[2:], "--venue", venue, "--mode", mode, "--start"]) == 2
    err = capsys.readouterr().err.strip()
    assert said in err and len(err.splitlines()) == 1, err
    # the list comes from the worker registry, plugins included (crashy is a test plugin)
    for served in ("bitmex (live, testnet, paper)", "sim (paper)", "crashy (live, testnet",
                   "binance (live, testnet, paper)", "okx (live, testnet, paper)",
                   "deribit (live, testnet, paper)", "kraken (live, testnet, paper)",
                   "kucoin (live, testnet, paper)", "phemex (live, testnet, paper)",
                   "woox (live, testnet, paper)", "gemini (live, testnet, paper)"):
        assert served in err, err
    assert bots(daemon) == before


def test_the_available_venues_still_create(daemon: DaemonProcess,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUTARC_HOME", str(daemon.home))
    assert run(["bot", "create", "on-sim", "--template", TEMPLATE_NAME, "--symbol", "BTCUSDT",
                "--venue", "sim", "--mode", "paper"]) == 0
    assert run([*BASE[:2], "on-bitmex", *BASE[2:], "--venue", "bitmex", "--mode", "live"]) == 0
    assert {"on-sim", "on-bitmex"} <= set(bots(daemon))


def test_a_sim_bot_cannot_be_switched_to_live(daemon: DaemonProcess) -> None:
    async def go() -> None:
        async with daemon.client() as c:
            await c.create_bot(BotSpec(name="sim-paper", template=TEMPLATE_NAME, venue="sim",
                                       mode="paper", symbols=("BTCUSDT",)))
            with pytest.raises(UsageError, match="no live mode on the 'sim' venue"):
                await c.change_mode("sim-paper", "live")
    asyncio.run(go())
    assert bots(daemon)["sim-paper"].mode == "paper"


def test_a_stored_bot_on_a_missing_venue_errors_instead_of_looking_live(
        daemon: DaemonProcess, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    restored = wait_for(lambda: (b := bots(daemon)["old-online"]).state is BotState.ERRORED
                        and b)
    assert "no trading worker is installed for venue 'ftx'" in restored.state_reason
    monkeypatch.setenv("PLUTARC_HOME", str(daemon.home))
    assert run(["bot", "start", "old-stopped"]) == 2
    assert "unknown venue 'ftx'" in capsys.readouterr().err
    assert bots(daemon)["old-stopped"].state is BotState.STOPPED
