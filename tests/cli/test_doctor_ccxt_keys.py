"""``plutarc doctor`` with keys stored for ccxt venues: per key, the venue is reachable, its
clock offset is measured and the key is tried, by a real daemon through the CcxtVenue against
the local Binance USD-M and Bybit servers (which check signatures). A refused key is a
failure line and a non-zero exit code."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from plutarc.cli.main import run
from tests.daemon.conftest import DaemonProcess, short_home
from tests.exchanges.ccxt.replay import binance, bybit
from tests.exchanges.ccxt.replay.core import ServerThread


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = short_home()
    monkeypatch.setenv("PLUTARC_HOME", str(path))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("PLUTARC_KEYS_PASSPHRASE", "doctor-test-key-file-passphrase")
    for name in ("PLUTARC_BITMEX_URL", "PLUTARC_BITMEX_CONFIG", "PLUTARC_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def venues(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    threads = [ServerThread(binance.BinanceServer().app).start(),
               ServerThread(bybit.BybitServer().app).start()]
    monkeypatch.setenv("PLUTARC_BINANCE_URL", threads[0].url)  # the daemon inherits them
    monkeypatch.setenv("PLUTARC_BYBIT_URL", threads[1].url)
    yield
    for thread in threads:
        thread.stop()


def test_doctor_reports_each_ccxt_key_and_fails_on_a_refused_one(
        home: Path, venues: None, capsys: pytest.CaptureFixture[str]) -> None:
    daemon = DaemonProcess(home).start()
    try:
        async def add_keys() -> None:
            async with daemon.client() as client:
                await client.add_key("bn-testnet", "binance", True, binance.KEY, binance.SECRET)
                await client.add_key("bybit-main", "bybit", False, "not-the-bybit-key-01",
                                     bybit.SECRET)
        asyncio.run(add_keys())
        code = run(["doctor", "--json"])
        rows = {row["check"]: row for row in json.loads(capsys.readouterr().out)}
    finally:
        daemon.signal(signal.SIGTERM)
    for label in ("bn-testnet", "bybit-main"):
        assert rows[f"{label} reachable"]["status"] == "ok", rows[f"{label} reachable"]
        clock = rows[f"{label} clock offset"]
        assert clock["status"] == "ok", clock
        assert abs(float(clock["detail"].split(" s ")[0])) < 2.0, clock
    good = rows["bn-testnet key"]
    assert good["status"] == "ok" and good["detail"].startswith("key valid"), good
    assert "USDT" in good["detail"]
    bad = rows["bybit-main key"]
    assert bad["status"] == "FAIL" and bad["detail"].startswith("key refused"), bad
    assert "plutarc keys add bybit" in bad["fix"]
    assert code == 1
    assert binance.SECRET not in json.dumps(rows) and bybit.SECRET not in json.dumps(rows)
